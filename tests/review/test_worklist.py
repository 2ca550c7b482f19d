"""Debrief and strategy plan actions on their owner's home page (the work list): each open one
with its date, late ones marked, the form to record it done on the spot (back to the list), and
nobody else's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Meeting
from partnership.models import AuditEvent, Member
from review import services
from review.models import Debrief, PlanAction, PlanActionState
from review.services.actions import ActionPlan, plan_action_mark_overdue
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _section(page: str, source: str) -> str:
    found = re.search(rf'data-source="{source}">(.*?)</section>', page, re.S)
    assert found, f"no {source} section"
    return found.group(1)


def _debrief_action(demo: dict[str, Member], owner: Member) -> PlanAction:
    """An action agreed at a debrief that has met."""
    incident = factories.incident_declared()
    factories.duty_done(
        incident,
        "organise-debrief",
        by=demo["ppc"],
        meeting=factories.debrief(invitees=[demo["crro"], owner]),
    )
    debrief = Debrief.objects.get(incident=incident)
    yesterday = timezone.now() - timedelta(days=1)
    Meeting.objects.filter(pk=debrief.meeting_id).update(
        starts_at=yesterday, ends_at=yesterday + timedelta(hours=2)
    )
    return services.plan_action_add(
        actor=demo["ppc"],
        debrief_id=debrief.pk,
        plan=ActionPlan(
            description="Refresh the staff call list.",
            owner_id=owner.pk,
            due_on=timezone.localdate() + timedelta(days=3),
        ),
    )


def _strategy_action(demo: dict[str, Member], owner: Member, days: int) -> PlanAction:
    return services.strategy_action_add(
        actor=demo["coordinator"],
        plan=ActionPlan(
            description="Publish reporting centres in every library.",
            owner_id=owner.pk,
            due_on=timezone.localdate() + timedelta(days=days),
        ),
    )


def test_the_owner_sees_their_debrief_and_plan_actions_with_dates_late_ones_marked(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    owner = demo["panel-housing"]
    debriefed = _debrief_action(demo, owner)
    planned = _strategy_action(demo, owner, days=10)
    late = _strategy_action(demo, owner, days=0)
    PlanAction.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=3))
    assert plan_action_mark_overdue(action_id=late.pk)
    _strategy_action(demo, demo["panel-health"], days=5)  # someone else's

    incident = debriefed.debrief.incident if debriefed.debrief else None
    assert incident is not None
    page = client_for("panel-housing").get("/").content.decode()
    section = _section(page, "plan-actions")
    keys = re.findall(r'data-key="([^"]+)"', section)
    # Most urgent first: the late one, then by date.
    assert keys == [f"plan-action-{a.pk}" for a in (late, debriefed, planned)]
    assert f"Agreed at the debrief of {incident.reference}" in section
    assert "On the partnership&#x27;s strategy action plan" in section
    assert section.count("is-late") == 1
    assert f'href="/incidents/{incident.pk}/debrief/#action-{debriefed.pk}"' in section
    assert f'action="/plan-actions/{planned.pk}/complete/"' in section
    assert "data-countdown" in section
    # Nobody else's actions, and no section for a member who owns none.
    assert "plan-actions" not in client_for("staff").get("/").content.decode()


def test_recording_it_done_on_the_home_page_takes_it_off_the_list(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    action = _strategy_action(demo, demo["panel-housing"], days=10)
    client = client_for("panel-housing")
    response = client.post(
        f"/plan-actions/{action.pk}/complete/",
        {f"complete-{action.pk}-outcome": "Posters in all nine libraries.", "next": "/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    action.refresh_from_db()
    assert action.state == PlanActionState.DONE
    assert f"plan-action-{action.pk}" not in client.get("/home/worklist/").content.decode()


KEY = re.compile(r'name="submit_once" value="([0-9a-f-]{36})"')


def test_the_work_list_s_action_form_sent_twice_is_done_once(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    action = _strategy_action(demo, demo["panel-housing"], days=10)
    client = client_for("panel-housing")
    page = client.get("/").content.decode()
    form = re.search(
        rf'<form method="post" action="/plan-actions/{action.pk}/complete/"(.*?)</form>', page, re.S
    )
    assert form
    key = KEY.search(form.group(1))
    assert key, "the work list's form carries no one-time key"
    body = {
        f"complete-{action.pk}-outcome": "Posters up.",
        "submit_once": key.group(1),
        "next": "/",
    }
    first = client.post(f"/plan-actions/{action.pk}/complete/", body)
    assert (first.status_code, first["Location"]) == (302, "/")
    again = client.post(f"/plan-actions/{action.pk}/complete/", body, follow=True)
    assert again.redirect_chain == [("/", 302)]
    assert "nothing new was made" in again.content.decode()
    done = AuditEvent.objects.filter(verb="plan_action.completed", subject_id=str(action.pk))
    assert done.count() == 1
