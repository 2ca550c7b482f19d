"""The strategy action plan: actions with owner, target date, status and progress notes, reviewed
at strategy group meetings (a kind of meeting on the conference machinery), chased on the one
ladder when overdue, and counted in the six-monthly report."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conference import services as conference_services
from escalation.deadlines import LONDON
from notifications.models import Notification
from partnership.auth import token_issue
from partnership.demo import NEIGHBOUR_SLUG, demo_load
from partnership.models import Member
from review.jobs import plan_actions_run
from review.models import PlanAction, PlanActionState
from review.six_monthly import figure, half_year_of, six_monthly_figures
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _api(member: Member, partnership: str | None = None) -> Client:
    headers = {"Authorization": f"Token {token_issue(member=member).key}"}
    if partnership is not None:
        headers["X-Partnership"] = partnership
    return Client(headers=headers)


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _add(demo: dict[str, Member], *, days: int = 20, owner: str = "panel-housing") -> Any:
    return _post(
        _api(demo["coordinator"]),
        "/api/strategy/actions/",
        {
            "description": "Publish third-party reporting centres in every library.",
            "owner_id": demo[owner].pk,
            "due_on": (timezone.localdate() + timedelta(days=days)).isoformat(),
        },
    )


def _strategy_meeting(demo: dict[str, Member]) -> Any:
    return conference_services.conference_create(
        actor=demo["coordinator"],
        kind="strategy",
        title="Strategy group, quarterly",
        starts_at=timezone.now() + timedelta(hours=2),
        ends_at=timezone.now() + timedelta(hours=3),
        location="Civic Offices, Room 2",
        chair=demo["chair"],
    )


def test_an_action_on_the_plan_is_seen_by_members_and_reviewed_at_a_strategy_meeting(
    demo: dict[str, Member],
) -> None:
    assert _add(demo, owner="rec").status_code == 201
    response = _add(demo)
    assert response.status_code == 201, response.content
    action = PlanAction.objects.get(pk=response.json()["id"])
    assert action.debrief is None
    assert Notification.objects.filter(
        recipient=demo["panel-housing"], subject_type="review.planaction", subject_id=str(action.pk)
    ).exists()
    # Only the CSP Co-ordinator puts actions on the plan.
    refused = _post(_api(demo["gold"]), "/api/strategy/actions/", {"description": "x"})
    assert refused.status_code == 403

    meeting = _strategy_meeting(demo)
    noted = _post(
        _api(demo["panel-housing"]),
        f"/api/plan-actions/{action.pk}/notes/",
        {"text": "Eight of eleven libraries done.", "meeting_id": meeting.pk},
    )
    assert noted.status_code == 201, noted.content
    # A risk conference is not a strategy group meeting; someone else's action is not theirs.
    panel = factories.conference(title="Risk panel")
    wrong = _post(
        _api(demo["coordinator"]),
        f"/api/plan-actions/{action.pk}/notes/",
        {"text": "x", "meeting_id": panel.pk},
    )
    assert wrong.status_code == 400
    assert "meeting_id" in wrong.json()
    assert (
        _post(_api(demo["rec"]), f"/api/plan-actions/{action.pk}/notes/", {"text": "x"}).status_code
        == 403
    )

    plan = _api(demo["panel-health"]).get("/api/strategy/actions/").json()
    assert [a["owner"] for a in plan] == ["rec", "panel-housing"]  # same date: as added
    assert plan[0]["notes"] == []
    assert plan[1]["notes"][0]["text"] == "Eight of eleven libraries done."
    assert plan[1]["notes"][0]["meeting_id"] == meeting.pk

    demo_load(with_neighbour=True)
    outsider = _api(Member.objects.get(username="av-coordinator"), NEIGHBOUR_SLUG)
    assert outsider.get("/api/strategy/actions/").json() == []
    assert (
        _post(outsider, f"/api/plan-actions/{action.pk}/notes/", {"text": "x"}).status_code == 404
    )


def test_an_overdue_action_climbs_the_ladder_and_the_report_counts_the_plan(
    demo: dict[str, Member],
) -> None:
    action = PlanAction.objects.get(pk=_add(demo, days=1).json()["id"])
    done = PlanAction.objects.get(pk=_add(demo, days=2, owner="rec").json()["id"])
    _post(_api(demo["rec"]), f"/api/plan-actions/{done.pk}/complete/", {"outcome": "Done."})
    meeting = _strategy_meeting(demo)
    conference_services.conference_open(actor=demo["chair"], conference_id=meeting.pk)
    conference_services.conference_conclude(actor=demo["chair"], conference_id=meeting.pk)
    _post(
        _api(demo["coordinator"]),
        f"/api/plan-actions/{action.pk}/notes/",
        {"text": "Slipping: staff off sick.", "meeting_id": meeting.pk},
    )

    plan_actions_run(action.due_at + timedelta(days=2, seconds=1))
    action.refresh_from_db()
    assert action.state == PlanActionState.ESCALATED
    chased = set(
        Notification.objects.filter(
            subject_type="review.planaction", subject_id=str(action.pk), title__contains="was due"
        ).values_list("recipient__username", flat=True)
    )
    assert {"panel-housing", "coordinator"} <= chased

    period = half_year_of(timezone.localdate())
    if action.due_at.date() > period.end:  # the action falls due in the next half-year
        period = half_year_of(period.end + timedelta(days=1))
    figures = six_monthly_figures(
        factories.partnership(),
        period,
        now=datetime.combine(period.end, time(23), tzinfo=LONDON),
    )
    assert figure(figures, "strategy", "due")[0] == 2
    assert figure(figures, "strategy", "done on time")[0] == 1
    assert figure(figures, "strategy", "not done")[0] == 1
    assert figure(figures, "strategy", "progress notes")[0] == 1
    assert figure(figures, "strategy", "strategy group meetings held")[0] == 1
    # The strategy group's meeting is not a risk conference.
    assert figure(figures, "conferences", "held")[0] == 0


def test_the_plan_through_its_page(demo: dict[str, Member], client_for: ClientFor) -> None:
    coordinator = client_for("coordinator")
    assert "Put an action on the plan" in coordinator.get("/strategy/").content.decode()
    assert coordinator.post("/strategy/", {}).status_code == 400
    added = coordinator.post(
        "/strategy/",
        {
            "description": "Train library staff to take reports.",
            "owner": demo["panel-housing"].pk,
            "due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert added.status_code == 302
    action = PlanAction.objects.get()
    owner = client_for("panel-housing")
    page = owner.get("/strategy/").content.decode()
    assert "Put an action on the plan" not in page
    assert "Note progress" in page
    noted = owner.post(
        f"/plan-actions/{action.pk}/notes/", {f"note-{action.pk}-text": "Two sessions booked."}
    )
    assert noted.status_code == 302
    done = owner.post(
        f"/plan-actions/{action.pk}/complete/", {f"complete-{action.pk}-outcome": "All trained."}
    )
    assert done.status_code == 302
    shown = client_for("panel-health").get("/strategy/").content.decode()
    assert "Two sessions booked." in shown
    assert "All trained." in shown
