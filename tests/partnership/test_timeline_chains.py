"""The audit timeline as one chain per partnership (and one for the service), with signed
checkpoints: writers of different partnerships do not wait for each other, checkpoints verify,
and tampering before a checkpoint (or with a checkpoint) is found."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from conference.models import Conference, Person
from escalation.models import Incident
from partnership.checkpoints import (
    ChainBrokenError,
    chain_check,
    checkpoint_signature,
    checkpoint_write,
    checkpoints_run,
)
from partnership.models import AuditEvent, Partnership, TimelineCheckpoint
from partnership.timeline import GENESIS_HASH, SERVICE, TIMELINE, audit_record
from tests import factories
from tests.tampering import behind_the_back, rewritten_from


def _partnerships() -> tuple[Partnership, Partnership]:
    return (
        factories.partnership_new(name="Riverside CSP", slug="riverside"),
        factories.partnership_new(name="Hillside CSP", slug="hillside"),
    )


def _record(partnership: Partnership | None, n: int, start: int = 0) -> list[AuditEvent]:
    events = []
    for i in range(start, start + n):
        with transaction.atomic():
            events.append(
                audit_record(
                    actor=None,
                    verb="area.created",
                    subject_type="test",
                    subject_id=i,
                    changes={"name": f"area {i}"},
                    partnership=partnership or SERVICE,
                )
            )
    return events


@pytest.mark.django_db
def test_each_partnership_has_its_own_chain_and_the_service_one_of_its_own() -> None:
    riverside, hillside = _partnerships()
    # Setting a partnership up is its own chain's first event.
    assert TIMELINE.rows_of(riverside.pk).get().verb == "partnership.created"
    ours = _record(riverside, 3)
    theirs = _record(hillside, 2)
    service = _record(None, 2)
    assert [e.seq for e in ours] == [2, 3, 4]
    assert [e.seq for e in theirs] == [2, 3]
    assert [e.seq for e in service] == [1, 2]
    assert service[0].prev_hash == GENESIS_HASH
    assert ours[0].prev_hash == TIMELINE.rows_of(riverside.pk).get(seq=1).hash
    assert {e.partnership_id for e in ours} == {riverside.pk}
    for key in (riverside.pk, hillside.pk, None):
        assert chain_check(key).ok, chain_check(key).describe()


@pytest.mark.django_db
def test_an_event_goes_on_the_chain_of_its_case_or_of_its_subject(demo: object) -> None:
    incident = factories.incident()
    home = incident.partnership
    on_incident = AuditEvent.objects.filter(scope=f"incident:{incident.pk}")
    assert on_incident.exists()
    assert set(on_incident.values_list("partnership_id", flat=True)) == {home.pk}
    neighbour = factories.partnership_new(name="Neighbour CSP", slug="neighbour")
    area = factories.area_new(name="Far Ward", within=neighbour)
    assert AuditEvent.objects.get(verb="area.created", subject_id=str(area.pk)).partnership == (
        neighbour
    )
    # Every event filed under a case (incident, person, conference) is on its partnership's.
    factories.conference_with_a_case()
    owners = {
        "incident": dict(Incident.objects.values_list("pk", "partnership_id")),
        "person": dict(Person.objects.values_list("pk", "partnership_id")),
        "conference": dict(Conference.objects.values_list("pk", "partnership_id")),
    }
    filed = AuditEvent.objects.exclude(scope="").exclude(scope__startswith="calendar:")
    assert {kind for kind, _, _ in (e.scope.partition(":") for e in filed)} == set(owners)
    for event in filed:
        kind, _, key = event.scope.partition(":")
        assert event.partnership_id == owners[kind][int(key)], event
    # An agency belongs to no one partnership: its record is on the service's chain.
    agency = factories.agency_new(kind="housing", name="A Housing Trust")
    made = AuditEvent.objects.get(verb="agency.created", subject_id=str(agency.pk))
    assert made.partnership is None


def _hold_and_wait(
    partnership: Partnership, holding: threading.Event, release: threading.Event
) -> threading.Thread:
    def first() -> None:
        try:
            with transaction.atomic():
                _record(partnership, 1, start=100)
                holding.set()
                assert release.wait(20)
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert holding.wait(20)
    return thread


def _append_in_thread(partnership: Partnership, done: threading.Event) -> threading.Thread:
    def second() -> None:
        try:
            _record(partnership, 1, start=200)
            done.set()
        finally:
            connection.close()

    thread = threading.Thread(target=second)
    thread.start()
    return thread


def _advisory_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_in_different_partnerships_do_not_wait_for_each_other() -> None:
    riverside, hillside = _partnerships()
    holding, release, done = threading.Event(), threading.Event(), threading.Event()
    first = _hold_and_wait(riverside, holding, release)
    try:
        # Riverside's transaction holds its chain's lock, uncommitted; Hillside's writer
        # appends and commits all the same.
        second = _append_in_thread(hillside, done)
        assert done.wait(20), "Hillside's writer waited for Riverside's lock"
        second.join()
        assert not release.is_set()
        assert TIMELINE.rows_of(hillside.pk).filter(subject_id="200").exists()
        assert not TIMELINE.rows_of(riverside.pk).filter(subject_id="100").exists()
    finally:
        release.set()
        first.join()
    assert chain_check(riverside.pk).ok
    assert chain_check(hillside.pk).ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_in_the_same_partnership_still_take_turns() -> None:
    riverside, _ = _partnerships()
    holding, release, done = threading.Event(), threading.Event(), threading.Event()
    first = _hold_and_wait(riverside, holding, release)
    try:
        second = _append_in_thread(riverside, done)
        deadline = time.monotonic() + 20
        while _advisory_waiters() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        # The second writer is queued on the chain's lock, not finished.
        assert _advisory_waiters() == 1
        assert not done.is_set()
    finally:
        release.set()
        first.join()
    assert done.wait(20)
    second.join()
    rows = list(TIMELINE.rows_of(riverside.pk).order_by("seq").values_list("seq", "subject_id"))
    assert rows[-2:] == [(2, "100"), (3, "200")]
    assert chain_check(riverside.pk, full=True).ok


@pytest.mark.django_db
def test_a_check_from_a_checkpoint_reads_only_what_is_new() -> None:
    riverside, _ = _partnerships()
    _record(riverside, 5)
    checkpoint = checkpoint_write(riverside.pk)
    assert checkpoint is not None
    assert (checkpoint.number, checkpoint.seq) == (1, 6)
    assert checkpoint.head_hash == TIMELINE.head(riverside.pk)[1]
    _record(riverside, 3, start=10)
    check = chain_check(riverside.pk)
    assert check.ok, check.describe()
    assert check.checkpoint == checkpoint
    assert (check.report.after_seq, check.report.checked) == (6, 3)
    assert "since checkpoint 1 of" in check.describe()
    full = chain_check(riverside.pk, full=True)
    assert full.ok
    assert full.report.checked == 9
    assert full.checkpoints_checked == 1
    second = checkpoint_write(riverside.pk)
    assert second is not None
    assert (second.number, second.seq) == (2, 9)
    # Nothing new since: nothing to sign.
    assert checkpoint_write(riverside.pk) is None


@pytest.mark.django_db
def test_an_event_rewritten_before_a_checkpoint_with_every_hash_recomputed_is_found() -> None:
    riverside, hillside = _partnerships()
    _record(riverside, 5)
    _record(hillside, 2)
    checkpoint_write(riverside.pk)
    _record(riverside, 2, start=10)
    event = TIMELINE.rows_of(riverside.pk).get(seq=3)
    rewritten_from(
        riverside.pk,
        3,
        "UPDATE partnership_auditevent SET changes = %s WHERE id = %s",
        ['{"name": "forged"}', event.pk],
    )
    # The links are whole again: a walk without the checkpoint would be fooled ...
    assert TIMELINE.verify(riverside.pk).ok
    # ... but the event the checkpoint signed no longer carries the hash it signed.
    check = chain_check(riverside.pk)
    assert not check.ok
    assert check.report.broken_seq == 6
    assert "signed" in check.report.problem
    full = chain_check(riverside.pk, full=True)
    assert not full.ok
    assert full.report.broken_seq == 6
    # Another partnership's chain is untouched and still verifies on its own.
    assert chain_check(hillside.pk).ok
    with pytest.raises(CommandError, match="broken at event 6 of Riverside CSP"):
        call_command("verify_timeline", partnership="riverside")
    call_command("verify_timeline", partnership="hillside")


@pytest.mark.django_db
def test_an_event_edited_in_place_before_a_checkpoint_is_found_by_the_full_walk() -> None:
    riverside, _ = _partnerships()
    _record(riverside, 5)
    checkpoint_write(riverside.pk)
    behind_the_back(
        "UPDATE partnership_auditevent SET subject_id = 'forged' WHERE partnership_id = %s "
        "AND seq = 3",
        [riverside.pk],
    )
    full = chain_check(riverside.pk, full=True)
    assert not full.ok
    assert full.report.broken_seq == 3
    assert "edited" in full.report.problem
    with pytest.raises(CommandError, match="broken at event 3"):
        call_command("verify_timeline", partnership="riverside", full=True)


@pytest.mark.django_db
def test_a_forged_checkpoint_is_found(settings: Any) -> None:
    riverside, _ = _partnerships()
    _record(riverside, 4)
    checkpoint_write(riverside.pk)
    _record(riverside, 2, start=10)
    # A forger who can write to the database signs the head with a key of their own.
    seq, head = TIMELINE.head(riverside.pk)
    forged = TimelineCheckpoint(
        partnership=riverside, number=2, seq=seq, head_hash=head, made_at=timezone.now()
    )
    service_key = settings.TIMELINE_CHECKPOINT_KEY
    settings.TIMELINE_CHECKPOINT_KEY = "a key that is not the service's"
    forged.signature = checkpoint_signature(forged)
    settings.TIMELINE_CHECKPOINT_KEY = service_key
    forged.save()
    check = chain_check(riverside.pk)
    assert not check.ok
    assert check.report.broken_seq == forged.seq
    assert "checkpoint 2" in check.report.problem
    assert "forged" in check.report.problem
    full = chain_check(riverside.pk, full=True)
    assert not full.ok
    assert "checkpoint 2" in full.report.problem
    # Nothing more is signed over it.
    _record(riverside, 1, start=20)
    with pytest.raises(ChainBrokenError, match="forged"):
        checkpoint_write(riverside.pk)
    with pytest.raises(CommandError, match="forged"):
        call_command("verify_timeline")


@pytest.mark.django_db
def test_a_checkpoint_moved_to_another_event_no_longer_verifies() -> None:
    riverside, _ = _partnerships()
    _record(riverside, 4)
    checkpoint = checkpoint_write(riverside.pk)
    assert checkpoint is not None
    behind_the_back(
        "UPDATE partnership_timelinecheckpoint SET seq = 2, head_hash = %s WHERE id = %s",
        [TIMELINE.rows_of(riverside.pk).get(seq=2).hash, checkpoint.pk],
    )
    check = chain_check(riverside.pk)
    assert not check.ok
    assert "forged or altered" in check.report.problem


@pytest.mark.django_db
def test_a_broken_chain_gets_no_checkpoint() -> None:
    riverside, _ = _partnerships()
    _record(riverside, 3)
    behind_the_back(
        "UPDATE partnership_auditevent SET verb = 'forged' WHERE partnership_id = %s AND seq = 2",
        [riverside.pk],
    )
    with pytest.raises(ChainBrokenError, match="broken at event 2"):
        checkpoint_write(riverside.pk)
    assert not TimelineCheckpoint.objects.exists()


@pytest.mark.django_db
def test_the_scheduled_job_signs_each_chain_with_new_events_once_per_interval(
    settings: Any,
) -> None:
    riverside, hillside = _partnerships()
    _record(riverside, 2)
    _record(None, 1)
    now = timezone.now()
    checkpoints_run(now)
    made = {c.partnership_id: c for c in TimelineCheckpoint.objects.all()}
    assert set(made) == {riverside.pk, hillside.pk, None}
    # Run again (or by a second scheduler): nothing new to sign.
    checkpoints_run(now)
    assert TimelineCheckpoint.objects.count() == 3
    _record(riverside, 1, start=10)
    checkpoints_run(now + timedelta(minutes=1))  # within the interval: waits
    assert TimelineCheckpoint.objects.count() == 3
    checkpoints_run(now + timedelta(minutes=settings.TIMELINE_CHECKPOINT_MINUTES + 1))
    latest = TimelineCheckpoint.objects.filter(partnership=riverside).order_by("-number").first()
    assert latest is not None
    assert (latest.number, latest.seq) == (2, 4)
    # Hillside had nothing new: no second checkpoint.
    assert TimelineCheckpoint.objects.filter(partnership=hillside).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE partnership_timelinecheckpoint SET seq = 1",
        "DELETE FROM partnership_timelinecheckpoint",
    ],
)
def test_postgres_refuses_to_change_or_remove_a_checkpoint(sql: str) -> None:
    riverside, _ = _partnerships()
    _record(riverside, 2)
    checkpoint_write(riverside.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(sql)
    assert chain_check(riverside.pk).ok


@pytest.mark.django_db
def test_verify_timeline_names_an_unknown_partnership() -> None:
    _partnerships()
    with pytest.raises(CommandError, match="No partnership is called 'nowhere'"):
        call_command("verify_timeline", partnership="nowhere")
