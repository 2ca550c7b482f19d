"""The debrief's record (protocol step 6): opened when the debrief is scheduled (the step is done
then), due the partnership's number of days after the meeting, recorded once it has met with
attendance, what worked and what did not, lessons and actions with owners and dates; a record or
an action not done by its date climbs the one ladder engine."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from escalation.models import DutyState, Meeting
from notifications.models import Notification
from partnership.auth import token_issue
from partnership.demo import NEIGHBOUR_SLUG, demo_load
from partnership.models import AuditEvent, Member
from review.jobs import debriefs_run, plan_actions_run
from review.models import Debrief, DebriefState, PlanAction, PlanActionState, ReportingSettings
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _api(member: Member, partnership: str | None = None) -> Client:
    headers = {"Authorization": f"Token {token_issue(member=member).key}"}
    if partnership is not None:
        headers["X-Partnership"] = partnership
    return Client(headers=headers)


def _scheduled(demo: dict[str, Member], *, met: bool = True) -> Debrief:
    """A declared incident whose debrief the Police Partnership Co-ordinator scheduled (and, if
    ``met``, which has since met: the meeting moved to yesterday, as time passing would)."""
    incident = factories.incident_declared()
    factories.duty_done(
        incident,
        "organise-debrief",
        by=demo["ppc"],
        meeting=factories.debrief(invitees=[demo["crro"], demo["coordinator"], demo["rec"]]),
    )
    debrief = Debrief.objects.get(incident=incident)
    if met:
        yesterday = timezone.now() - timedelta(days=1)
        Meeting.objects.filter(pk=debrief.meeting_id).update(
            starts_at=yesterday, ends_at=yesterday + timedelta(hours=2)
        )
        debrief.refresh_from_db()
    return debrief


def _record_body(demo: dict[str, Member], **changes: object) -> dict[str, object]:
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    body: dict[str, object] = {
        "attendee_ids": [demo["crro"].pk, demo["coordinator"].pk, demo["rec"].pk],
        "other_attendees": "Imam A. Rahman, Queensway Mosque",
        "what_happened": "Stones thrown at worshippers; two arrests the same night.",
        "what_worked": "The REC was told within the hour.",
        "what_did_not_work": "Operational staff heard late.",
        "lessons": "Keep the staff list up to date.",
        "actions": [
            {
                "description": "Refresh the staff call list.",
                "owner_id": demo["coordinator"].pk,
                "due_on": due,
            },
            {
                "description": "Brief the mosque committee.",
                "owner_id": demo["rec"].pk,
                "due_on": due,
            },
        ],
    }
    body.update(changes)
    return body


def _post(client: Client, url: str, body: dict[str, object]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_scheduling_the_debrief_completes_the_step_and_opens_its_record_with_its_own_date(
    demo: dict[str, Member],
) -> None:
    ReportingSettings.objects.create(partnership=factories.partnership(), debrief_record_days=3)
    debrief = _scheduled(demo, met=False)
    meeting = debrief.meeting
    assert factories.duty(debrief.incident, "organise-debrief").state == DutyState.DONE
    assert debrief.state == DebriefState.AWAITING
    assert debrief.due_at == meeting.ends_at + timedelta(days=3)
    event = AuditEvent.objects.get(verb="debrief.opened", subject_id=str(debrief.pk))
    assert event.changes["days_after_meeting"] == 3


def test_without_settings_the_record_is_due_a_week_after_the_meeting(
    demo: dict[str, Member],
) -> None:
    debrief = _scheduled(demo, met=False)
    assert debrief.due_at == debrief.meeting.ends_at + timedelta(days=7)


def test_the_record_waits_for_the_meeting(demo: dict[str, Member]) -> None:
    debrief = _scheduled(demo, met=False)
    response = _post(
        _api(demo["ppc"]), f"/api/incidents/{debrief.incident_id}/debrief/", _record_body(demo)
    )
    assert response.status_code == 409, response.content
    assert "once it has met" in response.json()["detail"]
    debrief.refresh_from_db()
    assert debrief.state == DebriefState.AWAITING
    assert not PlanAction.objects.exists()


def test_the_record_keeps_attendance_lessons_and_actions_and_tells_each_owner(
    demo: dict[str, Member],
) -> None:
    debrief = _scheduled(demo)
    response = _post(
        _api(demo["ppc"]), f"/api/incidents/{debrief.incident_id}/debrief/", _record_body(demo)
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["state"] == "recorded"
    assert data["recorded_late"] is False
    assert data["attendee_ids"] == sorted([demo["crro"].pk, demo["coordinator"].pk, demo["rec"].pk])
    assert data["other_attendees"] == "Imam A. Rahman, Queensway Mosque"
    assert data["lessons"] == "Keep the staff list up to date."
    assert [(a["owner"], a["state"]) for a in data["actions"]] == [
        ("coordinator", "open"),
        ("rec", "open"),
    ]
    for action in PlanAction.objects.all():
        told = Notification.objects.filter(
            recipient=action.owner, subject_type="review.planaction", subject_id=str(action.pk)
        )
        assert told.count() == 1
        assert action.description in told.get().body
    recorded = AuditEvent.objects.get(verb="debrief.recorded", subject_id=str(debrief.pk))
    assert recorded.changes["late"] is False
    assert len(recorded.changes["action_ids"]) == 2
    assert AuditEvent.objects.filter(verb="plan_action.agreed").count() == 2
    # Recorded once: a second record is a conflict.
    again = _post(
        _api(demo["coordinator"]),
        f"/api/incidents/{debrief.incident_id}/debrief/",
        _record_body(demo),
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lessons": "   "}, "lessons"),
        ({"attendee_ids": [], "other_attendees": ""}, "attendee_ids"),
        ({"attendee_ids": [999999]}, "attendee_ids"),
        (
            {"actions": [{"description": "x", "owner_id": 1, "due_on": "2001-01-01"}]},
            "actions",
        ),
    ],
)
def test_a_record_that_does_not_fit_is_refused_and_changes_nothing(
    demo: dict[str, Member], changes: dict[str, object], field: str
) -> None:
    debrief = _scheduled(demo)
    response = _post(
        _api(demo["ppc"]),
        f"/api/incidents/{debrief.incident_id}/debrief/",
        _record_body(demo, **changes),
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    debrief.refresh_from_db()
    assert debrief.state == DebriefState.AWAITING
    assert not PlanAction.objects.exists()


def test_who_may_record_and_who_may_see(demo: dict[str, Member]) -> None:
    debrief = _scheduled(demo)
    url = f"/api/incidents/{debrief.incident_id}/debrief/"
    # Health's panel member neither sees the incident nor was invited: it does not exist.
    assert _api(demo["panel-health"]).get(url).status_code == 404
    # The REC was invited: it sees the debrief, but does not record it.
    assert _api(demo["rec"]).get(url).status_code == 200
    assert _post(_api(demo["rec"]), url, _record_body(demo)).status_code == 403
    # The other partnership's members hold every role there: not here.
    demo_load(with_neighbour=True)
    outsider = Member.objects.get(username="av-coordinator")
    assert _api(outsider, NEIGHBOUR_SLUG).get(url).status_code == 404
    assert _post(_api(outsider, NEIGHBOUR_SLUG), url, _record_body(demo)).status_code == 404


def test_a_record_not_written_by_its_date_climbs_the_ladder_and_stops_when_written(
    demo: dict[str, Member],
) -> None:
    debrief = _scheduled(demo)
    due = debrief.due_at
    debriefs_run(due - timedelta(seconds=1))
    debrief.refresh_from_db()
    assert debrief.state == DebriefState.AWAITING

    debriefs_run(due + timedelta(seconds=1))
    debrief.refresh_from_db()
    assert debrief.state == DebriefState.OVERDUE
    chased = Notification.objects.filter(subject_type="review.debrief", subject_id=str(debrief.pk))
    assert set(chased.values_list("recipient__username", flat=True)) == {"ppc"}

    # Two days on, the CSP Co-ordinator is told: escalated. Run twice: told once.
    for _ in range(2):
        debriefs_run(due + timedelta(days=2, seconds=1))
    debrief.refresh_from_db()
    assert debrief.state == DebriefState.ESCALATED
    told = list(chased.values_list("recipient__username", flat=True))
    assert sorted(told) == sorted(set(told))
    assert set(told) == {"ppc", "coordinator"}  # the PPC has no deputy
    assert "gold" not in told

    response = _post(
        _api(demo["coordinator"]),
        f"/api/incidents/{debrief.incident_id}/debrief/",
        _record_body(demo, actions=[]),
    )
    assert response.status_code == 200, response.content
    debrief.refresh_from_db()
    assert debrief.state == DebriefState.RECORDED
    assert debrief.next_rung_at is None
    before = chased.count()
    debriefs_run(due + timedelta(days=5))
    assert chased.count() == before  # the gold group's rung never fires
    verbs = list(
        AuditEvent.objects.filter(subject_type="review.debrief", subject_id=str(debrief.pk))
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs[0] == "debrief.opened"
    assert verbs[1] == "debrief.overdue"
    assert "debrief.escalated" in verbs
    assert verbs[-1] == "debrief.recorded"


def test_an_action_not_done_by_its_date_is_chased_and_escalates(demo: dict[str, Member]) -> None:
    debrief = _scheduled(demo)
    _post(_api(demo["ppc"]), f"/api/incidents/{debrief.incident_id}/debrief/", _record_body(demo))
    rec_action = PlanAction.objects.get(owner=demo["rec"])
    coordinator_action = PlanAction.objects.get(owner=demo["coordinator"])
    done = _post(
        _api(demo["coordinator"]),
        f"/api/plan-actions/{coordinator_action.pk}/complete/",
        {"outcome": "Call list refreshed and shared."},
    )
    assert done.status_code == 200, done.content
    # Someone else's action: the REC may not record the co-ordinator's (nor see it done twice).
    refused = _post(
        _api(demo["rec"]),
        f"/api/plan-actions/{coordinator_action.pk}/complete/",
        {"outcome": "x"},
    )
    assert refused.status_code == 403

    plan_actions_run(rec_action.due_at + timedelta(days=2, seconds=1))
    rec_action.refresh_from_db()
    coordinator_action.refresh_from_db()
    assert rec_action.state == PlanActionState.ESCALATED
    assert coordinator_action.state == PlanActionState.DONE
    chased = set(
        Notification.objects.filter(
            subject_type="review.planaction", subject_id=str(rec_action.pk)
        ).values_list("recipient__username", flat=True)
    )
    assert {"rec", "coordinator"} <= chased
    # In the reader's voice: the owner is asked to do it, the co-ordinator above them to make sure.
    titles = dict(
        Notification.objects.filter(
            subject_type="review.planaction",
            subject_id=str(rec_action.pk),
            title__contains="was due",
        ).values_list("recipient__username", "title")
    )
    assert titles["rec"].startswith("Your action “")
    assert "Please do it" in titles["rec"]
    assert "Please make sure it is done." in titles["coordinator"]
    assert not any("OVERDUE" in title for title in titles.values())
    assert not Notification.objects.filter(
        subject_type="review.planaction",
        subject_id=str(coordinator_action.pk),
        title__contains="was due",
    ).exists()


def test_the_page_records_the_debrief_and_an_owner_marks_their_action_done(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    debrief = _scheduled(demo)
    page = client_for("ppc")
    url = f"/incidents/{debrief.incident_id}/debrief/"
    assert "Record the debrief" in page.get(url).content.decode()
    empty = page.post(url, {})
    assert empty.status_code == 400
    assert "Write the lessons learnt." in empty.content.decode()
    due = (timezone.localdate() + timedelta(days=4)).isoformat()
    response = page.post(
        url,
        {
            "attendees": [demo["crro"].pk, demo["rec"].pk],
            "what_happened": "Stones thrown.",
            "what_worked": "Quick calls.",
            "what_did_not_work": "Late staff briefing.",
            "lessons": "Brief staff sooner.",
            "action_1": "Brief the mosque committee.",
            "owner_1": demo["rec"].pk,
            "due_on_1": due,
            "action_2": "Half an action",
        },
    )
    assert response.status_code == 400  # the half-filled row
    assert "Action 2: give what is to be done" in response.content.decode()
    response = page.post(
        url,
        {
            "attendees": [demo["crro"].pk, demo["rec"].pk],
            "what_happened": "Stones thrown.",
            "what_worked": "Quick calls.",
            "what_did_not_work": "Late staff briefing.",
            "lessons": "Brief staff sooner.",
            "action_1": "Brief the mosque committee.",
            "owner_1": demo["rec"].pk,
            "due_on_1": due,
        },
    )
    assert response.status_code == 302
    action = PlanAction.objects.get()
    rec = client_for("rec")
    shown = rec.get(url).content.decode()
    assert "Brief staff sooner." in shown
    assert "Record as done" in shown
    done = rec.post(
        f"/plan-actions/{action.pk}/complete/",
        {f"complete-{action.pk}-outcome": "Met the committee on Tuesday."},
    )
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.state == PlanActionState.DONE
    assert action.outcome == "Met the committee on Tuesday."
