from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from partnership.models import AuditEvent, Member
from partnership.scopes import Scope
from partnership.timeline import GENESIS_HASH, audit_record, timeline_verify
from tests.tampering import behind_the_back


def _record(n: int, actor: Member | None = None) -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_record(
                    actor=actor,
                    verb="incident.reported",
                    subject_type="test",
                    subject_id=i,
                    scope=Scope.incident(1),
                    changes={"i": i, "note": "ünïcode"},
                )
            )
    return events


@pytest.mark.django_db
def test_chain_links_each_event_to_the_one_before() -> None:
    events = _record(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    report = timeline_verify()
    assert report.ok
    assert report.checked == 3
    assert report.last_hash == events[2].hash


@pytest.mark.django_db
def test_edited_row_breaks_the_chain_at_that_event() -> None:
    _record(5)
    behind_the_back(
        "UPDATE partnership_auditevent SET changes = %s WHERE seq = 3", ['{"i": 99, "note": "x"}']
    )
    report = timeline_verify()
    assert not report.ok
    assert report.broken_seq == 3
    assert "edited" in report.problem


@pytest.mark.django_db
def test_edited_hash_is_caught_by_the_next_event() -> None:
    events = _record(3)
    # A forger who recomputes the edited row's hash still breaks its successor's link.
    behind_the_back("UPDATE partnership_auditevent SET verb = 'forged' WHERE seq = 2", [])
    forged = AuditEvent.objects.get(seq=2)
    from partnership.timeline import event_hash

    behind_the_back(
        "UPDATE partnership_auditevent SET hash = %s WHERE seq = 2", [event_hash(forged)]
    )
    report = timeline_verify()
    assert not report.ok
    assert report.broken_seq == 3
    assert events[2].prev_hash != event_hash(forged)


@pytest.mark.django_db
def test_deleted_row_breaks_the_chain() -> None:
    _record(4)
    behind_the_back("DELETE FROM partnership_auditevent WHERE seq = 2", [])
    report = timeline_verify()
    assert not report.ok
    assert report.broken_seq == 2
    assert "missing" in report.problem


@pytest.mark.django_db
def test_verify_timeline_command_names_the_broken_event() -> None:
    _record(3)
    call_command("verify_timeline")  # intact: no error
    behind_the_back("UPDATE partnership_auditevent SET subject_id = '7' WHERE seq = 2", [])
    with pytest.raises(CommandError, match="broken at event 2"):
        call_command("verify_timeline")


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, verb="area.created", subject_type="t", subject_id=1)


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_event() -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            audit_record(actor=None, verb="area.created", subject_type="t", subject_id=1)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_that_fails()
    assert AuditEvent.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE partnership_auditevent SET verb = 'changed'",
        "DELETE FROM partnership_auditevent",
    ],
)
def test_postgres_refuses_update_and_delete(sql: str) -> None:
    assert connection.vendor == "postgresql"
    _record(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(sql)
    assert AuditEvent.objects.count() == 2
    assert timeline_verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain() -> None:
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        verb="area.created",
                        subject_type="w",
                        subject_id=f"{worker}-{i}",
                    )
        except BaseException as exc:  # collected and re-raised on the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    report = timeline_verify()
    assert report.ok, report.describe()
    assert report.checked == 40


@pytest.mark.django_db
def test_hashes_are_those_the_timeline_always_had() -> None:
    """The chain mechanism is shared with the access log; an event's hash is still the SHA-256
    of the same canonical payload, so chains written before still verify."""
    (event,) = _record(1)
    payload = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": None,
        "actor_label": "system",
        "agency_id": None,
        "verb": "incident.reported",
        "subject_type": "test",
        "subject_id": "0",
        "scope": "incident:1",
        "changes": {"i": 0, "note": "ünïcode"},
        "prev_hash": GENESIS_HASH,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert event.hash == hashlib.sha256(text.encode()).hexdigest()
