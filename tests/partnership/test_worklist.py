"""The home page is the member's work list (issue 14): steps they own or cover, most urgent
first, with the reason in the protocol's words and the form to do it on the spot; messages
waiting for them; actions; conferences; flags and referrals; for gold, incidents with missed
steps. Empty states say what they mean."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone

from casework import services as casework_services
from casework.models import CaseTask
from escalation import services as escalation_services
from escalation.jobs import escalation_run
from escalation.models import DutyState
from notifications.models import Notification
from partnership.models import AuditEvent, Member, Role, RoleAssignment
from tests import factories
from tests.world import ClientFor, partnership_at_work


def _items(page: str) -> list[str]:
    """The work items' keys, in the order shown."""
    return re.findall(r'data-key="([^"]+)"', page)


def _section(page: str, source: str) -> str:
    found = re.search(rf'data-source="{source}">(.*?)</section>', page, re.S)
    assert found, f"no {source} section"
    return found.group(1)


def test_the_crros_home_lists_the_steps_after_a_declaration(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    page = client_for("crro").get("/").content.decode()
    assert "<h1>My work</h1>" in page
    assert "Welcome" not in page
    steps = _section(page, "steps")
    duties = {d.step_code: d for d in incident.duties.all()}
    keys = _items(steps)
    assert keys[:3] == [
        f"duty-{duties[s].pk}"
        for s in ("inform-rec", "inform-csp-coordinator", "tell-safeguarding-steps")
    ]
    assert "the protocol asks you to inform the racial equality council immediately" in (
        steps.lower()
    )
    assert f'action="/duties/{duties["inform-rec"].pk}/complete/"' in steps
    assert "Send and mark done" in steps
    assert "data-countdown" in steps
    # The messages section lists the referral waiting for their acknowledgement.
    messages = _section(page, "messages")
    assert "Acknowledge" in messages


def test_completing_a_step_on_the_home_page_takes_it_off_and_lets_the_next_go(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    duty = factories.duty(incident, "inform-csp-coordinator")
    coordinator = client_for("coordinator")
    before = _section(coordinator.get("/").content.decode(), "steps")
    chief = factories.duty(incident, "notify-chief-officer")
    assert f'data-key="duty-{chief.pk}"' in before
    assert "It waits for: Inform the Community Safety Partnership Co-ordinator" in before
    assert f'action="/duties/{chief.pk}/complete/"' not in before  # nothing to do yet

    crro = client_for("crro")
    response = crro.post(
        f"/duties/{duty.pk}/complete/",
        {"message": "Major incident in Woughton.", "purposes": ["situation"], "next": "/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    after = crro.get("/home/worklist/").content.decode()
    assert f'data-key="duty-{duty.pk}"' not in after
    chief.refresh_from_db()
    assert chief.state == DutyState.PENDING
    now = _section(coordinator.get("/").content.decode(), "steps")
    assert f'action="/duties/{chief.pk}/complete/"' in now
    # A "next" outside the service is not followed.
    rec = factories.duty(incident, "inform-rec")
    response = crro.post(
        f"/duties/{rec.pk}/complete/",
        {"message": "REC told.", "purposes": ["situation"], "next": "https://example.org/"},
    )
    assert response["Location"].startswith(f"/incidents/{incident.pk}/")


def test_a_deputy_sees_the_steps_they_cover_and_why(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    factories.incident_declared()
    steps = _section(client_for("ppc").get("/").content.decode(), "steps")
    assert "You stand in for Ravi Chandra, the Community and Race Relations Officer." in steps


def test_nothing_waiting_says_so(demo: dict[str, Member], client_for: ClientFor) -> None:
    page = client_for("staff").get("/").content.decode()
    assert "Nothing is waiting for you." in page
    assert "Nothing is waiting for your acknowledgement or reply." in page


def test_gold_sees_incidents_with_missed_steps(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared(at=timezone.now() - timedelta(hours=2, minutes=30))
    escalation_run(timezone.now())
    missed = _section(client_for("gold").get("/").content.decode(), "missed")
    assert f"{incident.reference} in " in missed
    # The CRRO's three steps, and the referral itself: the decision was recorded 2 h 30 min late.
    assert "4 protocol steps missed" in missed
    assert missed.count("late, not yet done") == 3
    assert (
        "Refer the incident to the Community and Race Relations Officer (done 1 h 30 min late)"
        in (missed)
    )
    assert "Notify the Council chief officer" not in missed  # waiting: not a miss


def test_another_partnerships_member_sees_none_of_it(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    neighbour = factories.partnership_new(name="Neighbouring partnership", slug="neighbour")
    elsewhere = factories.member(
        username="elsewhere",
        agency=factories.agency("Thames Valley Police"),
        roles=tuple(Role),
        within=neighbour,
    )
    client = Client()
    client.force_login(elsewhere)
    page = client.get("/").content.decode()
    assert incident.reference not in page
    assert "Nothing is waiting for you." in page


def test_the_incident_page_leads_with_what_is_open_and_who_is_on_it(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    page = client_for("coordinator").get(f"/incidents/{incident.pk}/").content.decode()
    lead = page.index("What is open, and who is on it")
    assert lead < page.index('id="duties-title"') < page.index('id="situation-reports-title"')
    opened = page[lead : page.index("</section>", lead)]
    assert (
        "Inform the Racial Equality Council</strong>: the Community and Race Relations Officer "
        "(Ravi Chandra)" in opened
    )
    assert "It waits for: Inform the Community Safety Partnership Co-ordinator" in opened
    # Most urgent first: what can be done now before what waits.
    assert opened.index("Inform the Racial Equality Council") < opened.index(
        "Notify the Council chief officer"
    )


# --- Sent twice, done once ---------------------------------------------------------------------
KEY = re.compile(r'name="submit_once" value="([0-9a-f-]{36})"')


def _form_key(page: str, action: str) -> str:
    """The one-time key of the work list's form that posts to ``action``."""
    found = re.search(rf'<form method="post" action="{re.escape(action)}"(.*?)</form>', page, re.S)
    assert found, f"no form posts to {action}"
    key = KEY.search(found.group(1))
    assert key, f"the form posting to {action} carries no one-time key"
    return key.group(1)


def _a_case_task(demo: dict[str, Member]) -> CaseTask:
    """A first contact due from Victim Support's member, the lead officer of a new case."""
    lead = demo["member"]
    assert lead.agency is not None
    casework_services.case_rule_add(
        actor=demo["coordinator"], lead_agency=lead.agency, lead_officer=lead
    )
    incident = factories.incident(occurred_at=timezone.now() - timedelta(hours=2))
    escalation_services.incident_determine(
        officer=demo["officer"],
        incident_id=incident.pk,
        is_major=False,
        rationale="Abuse of one victim; no sign of wider disorder.",
    )
    return CaseTask.objects.filter(case__incident=incident).order_by("due_at", "pk").first()  # type: ignore[return-value]


def test_each_form_on_the_work_list_done_twice_is_done_once(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    """The back button, then the button again (or a double tap on a phone): the second send of a
    work list form does nothing and says so, for every kind of form the list carries."""
    work = partnership_at_work(demo)
    duty = factories.duty(work.incident, "inform-rec")
    referral_alert = Notification.objects.get(
        recipient=demo["crro"], scope=f"incident:{work.incident.pk}", escalation_of=None
    )
    task = _a_case_task(demo)
    sends: list[tuple[str, str, dict[str, Any], Callable[[], QuerySet[AuditEvent]]]] = [
        (
            "crro",
            f"/duties/{duty.pk}/complete/",
            {"message": "Disorder outside the mosque.", "purposes": ["situation"]},
            lambda: AuditEvent.objects.filter(verb="duty.completed", subject_id=str(duty.pk)),
        ),
        (
            "crro",
            f"/inbox/{referral_alert.pk}/acknowledge/",
            {},
            lambda: AuditEvent.objects.filter(
                verb="notification.acknowledged", subject_id=str(referral_alert.pk)
            ),
        ),
        (
            "panel-housing",
            f"/actions/{work.action.pk}/complete/",
            {"outcome": "Camera fitted."},
            lambda: AuditEvent.objects.filter(
                verb="action.completed", subject_id=str(work.action.pk)
            ),
        ),
        (
            "member",
            f"/cases/tasks/{task.pk}/done/",
            {"note": "Spoke to the victim at home."},
            lambda: AuditEvent.objects.filter(verb="case_task.done", subject_id=str(task.pk)),
        ),
    ]
    for username, action, data, done in sends:
        client = client_for(username)
        key = _form_key(client.get("/").content.decode(), action)
        body = {**data, "submit_once": key, "next": "/"}
        first = client.post(action, body)
        assert (first.status_code, first["Location"]) == (302, "/"), (action, first.content)
        assert done().count() == 1, action
        told = Notification.objects.count()
        again = client.post(action, body, follow=True)
        assert again.redirect_chain == [("/", 302)], action
        assert "nothing new was made" in again.content.decode(), action
        assert done().count() == 1, action
        assert Notification.objects.count() == told, action


def test_the_home_page_names_the_roles_held_in_the_partnership_worked_in(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    """A member with roles in two partnerships sees those of the one they work in, each once and
    separated, and the sentence ends with one full stop (it read "...(deputy: Priya Patel); .")."""
    crro = demo["crro"]
    other = factories.partnership_new(name="Second partnership for the roles line")
    crro.partnerships.add(other)
    RoleAssignment.objects.create(partnership=other, member=crro, role=Role.PANEL_MEMBER)
    Member.objects.filter(pk=crro.pk).update(chosen_partnership=factories.partnership())
    page = client_for("crro").get("/").content.decode()
    line = re.search(r'<p class="hint">(.*?)</p>', page, re.S)
    assert line is not None
    held = RoleAssignment.objects.get(partnership=factories.partnership(), member=crro)
    expected = held.get_role_display() + (f" (deputy: {held.deputy})" if held.deputy else "")
    assert line.group(1).endswith(f": {expected}.")
    assert "; ." not in line.group(1)
    assert "Panel member" not in line.group(1)
