"""How the gold group's timeline words each event: its verb's registered sentence, with codes put
into words and the details an event did not record left out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from partnership.models import AuditEvent
from review.timeline import event_describe


def _event(verb: str, **changes: object) -> AuditEvent:
    return AuditEvent(
        seq=1,
        occurred_at=datetime(2026, 6, 15, 9, 0, tzinfo=UTC),
        verb=verb,
        subject_type="t",
        subject_id="1",
        changes=changes,
    )


@pytest.mark.django_db
def test_codes_are_put_into_words() -> None:
    escalated = _event(
        "duty.escalated",
        step="inform-rec",
        rung=2,
        audience="role:csp_coordinator, deputy:crro",
    )
    assert event_describe(escalated) == (
        "Late step escalated: Inform the Racial Equality Council; Community Safety Partnership "
        "Co-ordinator, Deputy of the Community and Race Relations Officer told (reminder 2)"
    )
    sent = _event(
        "notification.sent",
        title="INC-1: update",
        audiences=["agency:rec", "member:4"],
        recipients=[{"member_id": 4}, {"member_id": 5}],
    )
    # Members are named from the directory; these two are in none.
    assert event_describe(sent) == (
        "Sent “INC-1: update” to 2 people, as Racial Equality Council, a former member"
    )
    report = _event("situation_report.sent", purposes=["accuracy"], audiences=["role:crro"])
    assert event_describe(report) == (
        "Situation report sent (A check for accuracy) to Community and Race Relations Officer"
    )
    assert event_describe(_event("conference.attendance", member_id=7, status="apologies")) == (
        "Attendance of a former member recorded: Sent apologies"
    )
    assert event_describe(_event("timeline.exported", format="csv")) == (
        "Timeline exported as a spreadsheet (CSV)"
    )


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"name": "Luton REC", "kind": "rec"}, "Agency added: Luton REC (Racial Equality Council)"),
        (
            {"fields": ["name", "is_active"]},
            "Agency added in the administration pages, with name, is active",
        ),
    ],
)
def test_a_part_whose_details_were_not_recorded_is_left_out(
    changes: dict[str, object], words: str
) -> None:
    # The service records the agency's name and kind; the administration pages only the fields.
    assert event_describe(_event("agency.created", **changes)) == words


def test_a_detail_every_event_should_carry_reads_as_unknown_rather_than_hiding_the_event() -> None:
    assert event_describe(_event("duty.waived", step="inform-rec")) == (
        "Step waived: Inform the Racial Equality Council (?)"
    )


def test_a_detail_with_braces_is_shown_as_written() -> None:
    assert event_describe(_event("incident.stood_down", reason="Calm {now}")) == (
        "Stood down: Calm {now}"
    )


def test_an_event_whose_verb_is_no_longer_registered_is_shown_by_its_verb() -> None:
    assert event_describe(_event("beacon.lit_up")) == "beacon: lit up"


def test_moments_and_lateness_are_in_words() -> None:
    moved = _event(
        "duty.deadline_recomputed",
        step="inform-operational-staff",
        due_at="2026-06-16T08:30:00Z",
        why="1 working day",
    )
    assert event_describe(moved) == (
        "Deadline recomputed: Inform all relevant operational staff, now due 09:30 on Tue 16 Jun "
        "2026 (1 working day)"
    )
    assert event_describe(_event("action.completed", late=True)) == "Conference action done (late)"
    assert event_describe(_event("action.completed", late=False)) == (
        "Conference action done (on time)"
    )
    paused = _event("member.login_locked", failures=5, locked_for_seconds=900, reason="password")
    assert "paused for 15 min after 5 failed attempts" in event_describe(paused)


@pytest.mark.django_db
def test_a_message_says_whom_it_reached_and_how(demo: dict[str, object]) -> None:
    from tests import factories

    incident = factories.incident_declared()
    referral = factories.referral_alert(incident)
    delivered = _event("notification.delivered", channel="live", notification_ids=[referral.pk])
    assert event_describe(delivered) == (
        "Delivered to Ravi Chandra, Thames Valley Police by Live alert"
    )
    acknowledged = AuditEvent(
        seq=2,
        occurred_at=datetime(2026, 6, 15, 9, 0, tzinfo=UTC),
        verb="notification.acknowledged",
        subject_type="notifications.notification",
        subject_id=str(referral.pk),
        changes={"via": "web"},
    )
    assert event_describe(acknowledged) == (f"Acknowledged “{referral.title}” (on the website)")
