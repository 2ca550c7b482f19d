"""When the calendar of working days changes, the pending deadlines counted over a changed day are
recomputed (once each, in the change's transaction), explained, told to their owners and put on
the timeline; the others are left alone."""

from __future__ import annotations

import importlib
import threading
import time
from datetime import date, datetime
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction

from escalation import services
from escalation.deadlines import LONDON
from escalation.jobs import escalation_run
from escalation.models import Duty, DutyState, Incident
from notifications.models import LadderRung, Notification, Urgency
from partnership.calendar.services import calendar_day_add, calendar_day_remove, calendar_import
from partnership.demo import PARTNERSHIP_SLUG
from partnership.models import AuditEvent, Member, Partnership
from tests import factories
from tests.bank_holidays import SCOTLAND_2026, WORLD_CUP_HOLIDAY, govuk_2026, govuk_list

pytestmark = pytest.mark.django_db

STAFF = "inform-operational-staff"  # 1 working day, owned by the CSP Co-ordinator
PROCLAIMED = "Proclaimed by the First Minister after Scotland qualified."


def london(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def scotland(settings: Any, demo: dict[str, Member]) -> None:
    """A partnership in Scotland, with GOV.UK's 2026 list: Mon 15 Jun is not (yet) a holiday."""
    Partnership.objects.filter(slug=PARTNERSHIP_SLUG).update(division="scotland")
    calendar_import(actor=None, data=govuk_2026(), source="test list")


def _world_cup_added(admin: Member, at: datetime) -> int:
    edit = calendar_day_add(
        actor=admin,
        division="scotland",
        day=date(2026, 6, 15),
        title=WORLD_CUP_HOLIDAY[1],
        reason=PROCLAIMED,
        now=at,
    )
    return edit.recomputed


def _told(duty: Duty) -> list[Notification]:
    return list(
        Notification.objects.filter(idempotency_key__startswith=f"duty:{duty.pk}:deadline:")
        .select_related("recipient")
        .order_by("recipient__username")
    )


def _snapshot(incident: Incident) -> list[tuple[Any, ...]]:
    return list(
        incident.duties.order_by("order").values_list(
            "step_code", "due_at", "due_explanation", "state", "next_rung_at"
        )
    )


def _complete_staff_duty_prerequisite(incident: Incident, demo: dict[str, Member]) -> None:
    staff = factories.duty(incident, STAFF)
    services.duty_complete(
        actor=demo["crro"],
        duty_id=factories.duty(incident, "inform-csp-coordinator").pk,
        message="Major incident declared in Bletchley.",
    )
    # Test arrangement: as if the co-ordinator had been told at the decision. (These dates are
    # in the past; told now, the staff duty rightly counts its working day from now.)
    Duty.objects.filter(pk=staff.pk).update(
        due_at=staff.due_at,
        due_explanation=staff.due_explanation,
        deadline_start=staff.deadline_start,
    )


def test_a_holiday_added_moves_a_pending_deadline_counted_over_it_and_says_why(
    scotland: None, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared(at=london(6, 12, 10))  # Fri 12 Jun 2026 10:00
    staff = factories.duty(incident, STAFF)
    assert staff.due_at == london(6, 15, 10)  # Mon 15 Jun: a working day by GOV.UK's list
    others = [row for row in _snapshot(incident) if row[0] != STAFF]

    assert _world_cup_added(demo["admin"], at=london(6, 12, 14)) == 1

    staff.refresh_from_db()
    assert staff.due_at == london(6, 16, 10)
    assert staff.state == DutyState.WAITING  # for the CSP Co-ordinator to be told
    assert staff.due_explanation == (
        "1 working day from Fri 12 Jun 2026 10:00: Mon 15 Jun Bank holiday for the World Cup "
        "match in Scotland skipped → Tue 16 Jun 10:00 (bank holidays of Scotland). Recomputed: "
        f"Mon 15 Jun now a bank holiday in Scotland, added 12 Jun by Adam Price: {PROCLAIMED}"
    )
    # The owner is told, in words that stand on their own.
    (note,) = _told(staff)
    assert note.recipient == demo["coordinator"]
    assert note.title == (
        f"{incident.reference}: “Inform all relevant operational staff” now due "
        "Tue 16 Jun 2026 10:00"
    )
    assert note.body.startswith(
        "The bank holidays changed: Mon 15 Jun now a bank holiday in Scotland, added 12 Jun by "
        f"Adam Price: {PROCLAIMED}.\n“Inform all relevant operational staff” is now due "
        "Tue 16 Jun 2026 10:00 (it was due Mon 15 Jun 2026 10:00).\n"
    )
    assert note.urgency == Urgency.NORMAL  # more time, not less
    # On the incident's timeline, by the administrator, with why.
    event = AuditEvent.objects.get(verb="duty.deadline_recomputed")
    assert (event.actor, event.scope) == (demo["admin"], f"incident:{incident.pk}")
    assert datetime.fromisoformat(event.changes["due_at_before"]) == london(6, 15, 10)
    assert datetime.fromisoformat(event.changes["due_at"]) == london(6, 16, 10)
    assert event.changes["why"].startswith("Mon 15 Jun now a bank holiday in Scotland")
    assert AuditEvent.objects.get(verb="calendar.day_added").changes["recomputed"] == 1
    # The incident's other duties (immediate, calendar days) are not counted in working days.
    assert [row for row in _snapshot(incident) if row[0] != STAFF] == others


def test_deadlines_not_counted_over_the_changed_day_are_untouched(
    scotland: None, settings: Any, demo: dict[str, Member]
) -> None:
    done = factories.incident_declared(at=london(6, 12, 9))
    _complete_staff_duty_prerequisite(done, demo)
    services.duty_complete(
        actor=demo["coordinator"],
        duty_id=factories.duty(done, STAFF).pk,
        message="Staff told by phone.",
    )
    later = factories.incident_declared(at=london(6, 16, 10))  # counts from after the changed day
    Partnership.objects.filter(slug=PARTNERSHIP_SLUG).update(division="england-and-wales")
    england = factories.incident_declared(at=london(6, 12, 10))  # another division's calendar
    untouched = {incident.pk: _snapshot(incident) for incident in (done, later, england)}
    assert factories.duty(done, STAFF).state == DutyState.DONE

    assert _world_cup_added(demo["admin"], at=london(6, 12, 14)) == 0
    # A weekend day made a holiday changes no count of working days.
    calendar_day_add(
        actor=demo["admin"],
        division="scotland",
        day=date(2026, 6, 13),
        title="Saturday holiday",
        reason="For the test.",
    )

    assert {pk: _snapshot(Incident.objects.get(pk=pk)) for pk in untouched} == untouched
    assert not AuditEvent.objects.filter(verb="duty.deadline_recomputed").exists()
    assert not Notification.objects.filter(idempotency_key__contains=":deadline:").exists()


def test_a_holiday_removed_brings_a_deadline_forward_urgently(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared(at=london(4, 2, 15))  # Thu 2 Apr 2026, before Easter
    staff = factories.duty(incident, STAFF)
    assert staff.due_at == london(4, 7, 15)  # Good Friday and Easter Monday skipped

    edit = calendar_day_remove(
        actor=demo["admin"],
        division="england-and-wales",
        day=date(2026, 4, 6),
        reason="Easter Monday moved by proclamation.",
        now=london(4, 2, 16),
    )

    assert edit.recomputed == 1
    staff.refresh_from_db()
    assert staff.due_at == london(4, 6, 15)
    assert staff.due_explanation.endswith(
        "Recomputed: Mon 6 Apr no longer a bank holiday in England and Wales, removed 2 Apr by "
        "Adam Price: Easter Monday moved by proclamation."
    )
    (note,) = _told(staff)
    assert note.urgency == Urgency.URGENT  # less time than the owner was counting on


def test_an_overdue_duty_whose_new_due_time_is_still_to_come_is_pending_again(
    scotland: None, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared(at=london(6, 12, 10))
    _complete_staff_duty_prerequisite(incident, demo)
    staff = factories.duty(incident, STAFF)
    escalation_run(now=london(6, 15, 10, 30))
    staff.refresh_from_db()
    assert staff.state == DutyState.OVERDUE  # the owner has been reminded (rung 0)
    assert list(staff.rungs.values_list("index", flat=True)) == [0]

    _world_cup_added(demo["admin"], at=london(6, 15, 11))

    staff.refresh_from_db()
    # It was late only by a calendar that was wrong: not late any more, and not climbing.
    assert (staff.state, staff.overdue_at, staff.next_rung_at) == (DutyState.PENDING, None, None)
    assert staff.due_at == london(6, 16, 10)
    assert "It is no longer overdue." in _told(staff)[0].body
    event = AuditEvent.objects.get(verb="duty.deadline_recomputed")
    assert (event.changes["state_before"], event.changes["state"]) == ("overdue", "pending")

    escalation_run(now=london(6, 16, 9, 59))
    staff.refresh_from_db()
    assert staff.state == DutyState.PENDING
    escalation_run(now=london(6, 16, 10, 30))
    staff.refresh_from_db()
    # Late again by the new due time: the ladder goes on from where it was, the owner's
    # reminder is not sent twice, and the deputy's rung counts from the new due time.
    assert staff.state == DutyState.OVERDUE
    assert staff.next_rung_at == london(6, 16, 14)
    escalation_run(now=london(6, 16, 14, 5))
    staff.refresh_from_db()
    assert staff.state == DutyState.ESCALATED
    assert list(LadderRung.objects.filter(duty=staff).values_list("index", flat=True)) == [
        0,
        1,
    ]


def test_an_escalated_duty_stays_escalated_and_its_ladder_counts_from_the_new_due_time(
    scotland: None, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared(at=london(6, 12, 10))
    _complete_staff_duty_prerequisite(incident, demo)
    staff = factories.duty(incident, STAFF)
    escalation_run(now=london(6, 15, 14, 30))  # owner reminded, then the deputy told
    staff.refresh_from_db()
    assert staff.state == DutyState.ESCALATED
    assert staff.next_rung_at == london(6, 16, 10)  # the CSP Co-ordinator, a day after due

    _world_cup_added(demo["admin"], at=london(6, 15, 15))

    staff.refresh_from_db()
    assert staff.state == DutyState.ESCALATED
    assert staff.due_at == london(6, 16, 10)
    assert staff.next_rung_at == london(6, 17, 10)
    assert "It stays escalated" in _told(staff)[0].body


def test_an_import_recomputes_each_affected_duty_once_naming_every_changed_day(
    scotland: None, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared(at=london(6, 12, 10))
    staff = factories.duty(incident, STAFF)
    two_days = [
        *SCOTLAND_2026,
        WORLD_CUP_HOLIDAY,
        ("2026-06-16", "Bank holiday for the day after", ""),
    ]

    report = calendar_import(
        actor=demo["admin"],
        data=govuk_list(scotland=two_days),
        source="newer list",
        now=london(6, 12, 14),
    )

    assert [d.recomputed for d in report.divisions] == [1]
    staff.refresh_from_db()
    assert staff.due_at == london(6, 17, 10)
    assert staff.due_explanation.endswith(
        "Recomputed: Mon 15 Jun now a bank holiday in Scotland, from GOV.UK's list imported "
        "12 Jun by Adam Price; Tue 16 Jun now a bank holiday in Scotland, from GOV.UK's list "
        "imported 12 Jun by Adam Price"
    )
    assert AuditEvent.objects.filter(verb="duty.deadline_recomputed").count() == 1
    assert len(_told(staff)) == 1


def test_duties_declared_before_the_calendar_was_data_learn_what_to_recompute_from(
    demo: dict[str, Member],
) -> None:
    incident = factories.incident_declared(at=london(6, 12, 10))
    staff = factories.duty(incident, STAFF)
    basis = ("deadline_start", "deadline_kind", "deadline_amount", "deadline_division")
    declared = Duty.objects.filter(pk=staff.pk).values_list(*basis).get()
    assert declared == (london(6, 12, 10), "working_days", 1, "england-and-wales")
    Duty.objects.filter(incident=incident).update(
        deadline_start=None, deadline_kind="", deadline_amount=0, deadline_division=""
    )

    migration = importlib.import_module("escalation.migrations.0003_duty_deadline_basis")
    migration.backfill(apps, None)

    assert Duty.objects.filter(pk=staff.pk).values_list(*basis).get() == declared
    assert not Duty.objects.filter(incident=incident, deadline_start__isnull=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_declaration_during_a_calendar_change_waits_and_counts_over_the_new_calendar(
    demo: dict[str, Member],
) -> None:
    """The calendar change has found the duties to recompute but not yet committed when a
    declaration computes its deadlines: were they not ordered, the declaration would read the old
    calendar and the change would never see its duties. (Today the one timeline lock orders them
    too; the calendar lock keeps them ordered once each partnership has its own timeline.)"""
    incident = factories.incident(occurred_at=london(6, 12, 9))
    changing, declaring = threading.Event(), threading.Event()
    finished: dict[str, float] = {}

    def change() -> None:
        try:
            with transaction.atomic():
                calendar_day_add(
                    actor=demo["admin"],
                    division="england-and-wales",
                    day=date(2026, 6, 15),
                    title="Extra bank holiday",
                    reason="Proclaimed.",
                )
                changing.set()
                declaring.wait(timeout=10)
                time.sleep(1)  # the declaration is now waiting for the lock, or has read
            finished["change"] = time.monotonic()
        finally:
            connection.close()

    def declare() -> None:
        try:
            changing.wait(timeout=10)
            declaring.set()
            services.incident_determine(
                officer=demo["officer"],
                incident_id=incident.pk,
                is_major=True,
                rationale="Disorder likely.",
                determined_at=london(6, 12, 10),
            )
            finished["declaration"] = time.monotonic()
        finally:
            connection.close()

    threads = [threading.Thread(target=change), threading.Thread(target=declare)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert finished["declaration"] > finished["change"]
    staff = factories.duty(incident, STAFF)
    assert staff.due_at == london(6, 16, 10)
    assert "Mon 15 Jun Extra bank holiday skipped" in staff.due_explanation
