"""The escalation engine's pages: each one asks the permission registry, changes things only
through the services, and answers 400 (bad input), 403 (not allowed) or 409 (does not fit)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from escalation import services
from escalation.jobs import escalation_run
from escalation.models import DutyState, Incident, IncidentState, Meeting
from partnership.models import Area, Member
from partnership.page_forms import local_aware
from partnership.templatetags.partnership_tags import countdown_text
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _report_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Abuse shouted at bus stop",
        "description": "Two men shouted religious abuse at a woman waiting for the bus.",
        # A summer wall-clock time: 10:00 in London is 09:00 UTC.
        "occurred_at": "2025-07-01T10:00",
        "area": str(Area.objects.get(name="Woughton").pk),
        "location": "Chaffron Way",
        "strands": ["religion", "gender_identity"],
        "safeguarding_steps": "Officer stationed at the stop.",
        "tension_level": "elevated",
    }
    data.update(overrides)
    return data


# --- Reporting ------------------------------------------------------------------------------------
def test_reporting_through_the_page_records_the_incident(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    earlier = factories.incident()
    client = client_for("crro")
    response = client.post("/incidents/new/", _report_data(connected=[str(earlier.pk)]))
    assert response.status_code == 302
    incident = Incident.objects.exclude(pk=earlier.pk).get()
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.title == "Abuse shouted at bus stop"
    assert incident.reported_by.username == "crro"
    assert incident.occurred_at == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    assert incident.area.name == "Woughton"
    assert sorted(r.strand for r in incident.strand_rows.all()) == ["gender_identity", "religion"]
    assert list(incident.connected.all()) == [earlier]
    assert incident.state == IncidentState.REPORTED

    page = client.get(response["Location"]).content.decode()
    assert f"Incident {incident.reference} is recorded" in page
    assert "Chaffron Way" in page


def test_reporting_bad_input_is_400_with_the_errors_and_records_nothing(
    client_for: ClientFor,
) -> None:
    client = client_for("officer")
    response = client.post("/incidents/new/", {})
    assert response.status_code == 400
    assert "Say what happened." in response.content.decode()
    response = client.post("/incidents/new/", _report_data(title="", strands=[], occurred_at="x"))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "Give the incident a short title." in page
    assert "Choose at least one hate strand perceived." in page
    assert "Enter a real date and a time" in page
    # Each error in the summary leads to its field.
    assert 'href="#id_title"' in page
    assert 'href="#id_strands_0"' in page
    assert 'aria-describedby="id_title_helptext id_title_error"' in page

    # A refusal only the service knows about comes back the same way.
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/incidents/new/", _report_data(occurred_at=future))
    assert response.status_code == 400
    assert "An incident cannot have happened in the future." in response.content.decode()
    assert not Incident.objects.exists()


def test_only_those_allowed_may_report(client_for: ClientFor) -> None:
    outsider = factories.member(username="contractor", agency=None)
    client = Client()
    client.force_login(outsider)
    assert client.get("/incidents/new/").status_code == 403
    assert client.post("/incidents/new/", _report_data()).status_code == 403
    assert not Incident.objects.exists()
    assert client_for("coordinator").get("/incidents/new/").status_code == 200
    assert client_for("panel-housing").get("/incidents/new/").status_code == 200


def test_local_times_that_do_not_exist_or_happen_twice_are_refused() -> None:
    # Clocks went forward at 01:00 on 29 March 2026 and go back at 02:00 on 25 October 2026.
    with pytest.raises(ValidationError, match="There was no 01:30 on Sun 29 Mar 2026"):
        local_aware(datetime(2026, 3, 29, 1, 30))  # noqa: DTZ001 (a wall-clock time on purpose)
    with pytest.raises(ValidationError, match="happened twice"):
        local_aware(datetime(2026, 10, 25, 1, 30))  # noqa: DTZ001
    winter = local_aware(datetime(2026, 1, 10, 14, 0))  # noqa: DTZ001
    assert winter == datetime(2026, 1, 10, 14, 0, tzinfo=UTC)


# --- Listing --------------------------------------------------------------------------------------
def test_list_shows_what_the_member_may_view_and_filters(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    graffiti = factories.incident()
    other = factories.incident(
        title="Leaflets through doors", area=Area.objects.get(name="Wolverton")
    )
    services.incident_start_assessment(officer=other.reported_by, incident_id=other.pk)

    page = client_for("officer").get("/incidents/").content.decode()
    assert graffiti.reference in page
    assert other.reference in page

    page = client_for("officer").get("/incidents/", {"state": "under_assessment"}).content.decode()
    assert other.reference in page
    assert graffiti.reference not in page
    wolverton = Area.objects.get(name="Wolverton").pk
    page = client_for("officer").get("/incidents/", {"area": wolverton}).content.decode()
    assert other.reference in page
    assert graffiti.reference not in page
    page = client_for("officer").get("/incidents/", {"strand": "disability"}).content.decode()
    assert graffiti.reference not in page

    assert client_for("officer").get("/incidents/", {"state": "lost"}).status_code == 400
    # Never told about either: sees neither.
    page = client_for("panel-housing").get("/incidents/").content.decode()
    assert graffiti.reference not in page
    assert "No incidents have been shared with you yet." in page


def test_navigation_links_follow_permissions(client_for: ClientFor) -> None:
    page = client_for("coordinator").get("/").content.decode()
    assert 'href="/board/"' in page
    assert 'href="/incidents/new/"' in page
    assert 'href="/incidents/"' in page
    page = client_for("panel-housing").get("/").content.decode()
    assert 'href="/board/"' not in page
    assert 'href="/incidents/new/"' in page  # any agency may record an incident
    assert 'href="/incidents/"' in page


# --- The incident page ----------------------------------------------------------------------------
def test_incident_page_is_refused_to_someone_never_told(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident()
    # Refused as if it did not exist: the page must not reveal that the incident does.
    assert client_for("panel-housing").get(f"/incidents/{incident.pk}/").status_code == 404
    response = client_for("officer").get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200
    assert incident.reference in response.content.decode()


def test_incident_page_shows_duties_with_deadlines_and_who_can_act(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    inform_rec = factories.duty(incident, "inform-rec")
    notify_chief = factories.duty(incident, "notify-chief-officer")

    page = client_for("crro").get(f"/incidents/{incident.pk}/").content.decode()
    assert "Declared major" in page
    assert inform_rec.due_explanation in page
    assert f'<time datetime="{timezone.localtime(inform_rec.due_at).isoformat()}"' in page
    assert "due in " in page
    assert f'action="/duties/{inform_rec.pk}/complete/"' in page
    assert f'action="/duties/{inform_rec.pk}/waive/"' not in page
    assert "Likely to generate disorder" in page  # the determination's rationale
    assert 'src="/static/js/countdown.js"' in page

    page = client_for("coordinator").get(f"/incidents/{incident.pk}/").content.decode()
    assert f'action="/duties/{inform_rec.pk}/complete/"' not in page
    assert f'action="/duties/{inform_rec.pk}/waive/"' in page
    # The co-ordinator's own duty waits for the CRRO: no form, and the page says why.
    assert f'action="/duties/{notify_chief.pk}/complete/"' not in page
    assert "Waiting for: Inform the Community Safety Partnership Co-ordinator" in page


def test_countdown_words() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert countdown_text(now + timedelta(minutes=42, seconds=10), now) == "due in 42 min"
    assert countdown_text(now - timedelta(hours=1, minutes=5), now) == "overdue by 1 h 5 min"
    assert countdown_text(now + timedelta(days=2, hours=3), now) == "due in 2 days 3 h"
    assert countdown_text(now + timedelta(seconds=20), now) == "due in less than 1 min"


def test_starting_an_assessment_through_the_page(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident()
    assert client_for("crro").post(f"/incidents/{incident.pk}/assess/").status_code == 403
    response = client_for("officer").post(f"/incidents/{incident.pk}/assess/")
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == IncidentState.UNDER_ASSESSMENT
    response = client_for("officer").post(f"/incidents/{incident.pk}/assess/")
    assert response.status_code == 409
    assert "it cannot go back to assessment" in response.content.decode()


# --- Determination --------------------------------------------------------------------------------
def test_officer_declares_major_through_the_page(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident()
    url = f"/incidents/{incident.pk}/determination/"
    page = client_for("officer").get(url).content.decode()
    assert "What declaring a major incident does" in page
    assert "Inform the Racial Equality Council" in page  # a step, with its deadline
    assert "Immediately (target 1 hour)" in page

    response = client_for("officer").post(url, {})
    assert response.status_code == 400
    assert "Choose whether this is a major incident." in response.content.decode()
    response = client_for("officer").post(url, {"decision": "major", "rationale": ""})
    assert response.status_code == 400
    assert "Record the reasons for the determination." in response.content.decode()
    assert not incident.duties.exists()

    decided = timezone.localtime() - timedelta(minutes=30)
    response = client_for("officer").post(
        url,
        {
            "decision": "major",
            "rationale": "Crowds gathering outside the centre.",
            "determined_at": decided.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == IncidentState.DECLARED_MAJOR
    assert incident.declared_at == decided.replace(second=0, microsecond=0)
    assert incident.duties.count() == 8
    assert factories.duty(incident, "refer-to-crro").state == DutyState.DONE
    (determination,) = incident.determinations.all()
    assert determination.rationale == "Crowds gathering outside the centre."

    # A second declaration is a conflict naming who declared.
    response = client_for("officer").post(url, {"decision": "major", "rationale": "Again."})
    assert response.status_code == 409
    assert "already been declared major by Olivia Okafor" in response.content.decode()
    assert incident.duties.count() == 8


def test_only_a_senior_police_officer_reaches_the_determination_page(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident()
    url = f"/incidents/{incident.pk}/determination/"
    for username in ("crro", "coordinator"):
        assert client_for(username).get(url).status_code == 403
        response = client_for(username).post(url, {"decision": "major", "rationale": "x"})
        assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.state == IncidentState.REPORTED
    assert not incident.duties.exists()


def test_not_major_goes_to_casework(demo: dict[str, Member], client_for: ClientFor) -> None:
    incident = factories.incident()
    response = client_for("officer").post(
        f"/incidents/{incident.pk}/determination/",
        {"decision": "not_major", "rationale": "Isolated; casework."},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == IncidentState.NOT_MAJOR
    assert not incident.duties.exists()


# --- Duties ---------------------------------------------------------------------------------------
def test_the_crro_completes_a_duty_and_the_coordinator_may_not(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    duty = factories.duty(incident, "inform-rec")
    url = f"/duties/{duty.pk}/complete/"
    message = {"message": "REC: a major incident in Bletchley.", "purposes": ["situation"]}

    assert client_for("coordinator").post(url, message).status_code == 403
    duty.refresh_from_db()
    assert duty.state == DutyState.PENDING

    response = client_for("crro").post(url, {"message": "", "purposes": ["situation"]})
    assert response.status_code == 400
    assert "Write the message this duty sends" in response.content.decode()

    response = client_for("crro").post(url, message)
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.pk}/#duty-{duty.pk}"
    duty.refresh_from_db()
    assert duty.state == DutyState.DONE
    assert duty.completed_by is not None
    assert duty.completed_by.username == "crro"
    assert duty.message == "REC: a major incident in Bletchley."


def test_a_duty_waiting_for_another_is_a_conflict(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    duty = factories.duty(incident, "notify-chief-officer")
    response = client_for("coordinator").post(
        f"/duties/{duty.pk}/complete/",
        {"message": "Chief officer: see the incident.", "purposes": ["situation"]},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "This duty waits for: Inform the Community Safety Partnership Co-ordinator." in page
    duty.refresh_from_db()
    assert duty.state == DutyState.WAITING


def test_the_debrief_is_scheduled_through_the_page(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    incident = factories.incident_declared()
    duty = factories.duty(incident, "organise-debrief")
    starts = timezone.localtime() + timedelta(days=3)
    data = {
        "starts_at": starts.strftime("%Y-%m-%dT10:00"),
        "ends_at": starts.strftime("%Y-%m-%dT09:00"),
        "location": "Civic Offices, Room 3",
        "invitees": [str(demo["crro"].pk), str(demo["rec"].pk)],
    }
    response = client_for("ppc").post(f"/duties/{duty.pk}/complete/", data)
    assert response.status_code == 400
    assert "The debrief must end after it starts." in response.content.decode()
    assert not Meeting.objects.exists()

    data["ends_at"] = starts.strftime("%Y-%m-%dT12:00")
    response = client_for("ppc").post(f"/duties/{duty.pk}/complete/", data)
    assert response.status_code == 302
    meeting = Meeting.objects.get(duty=duty)
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") == "10:00"
    assert set(meeting.invitees.values_list("username", flat=True)) == {"crro", "rec"}
    duty.refresh_from_db()
    assert duty.state == DutyState.DONE


# --- Stand down and close -------------------------------------------------------------------------
def test_stand_down_waive_and_close_through_the_pages(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    base = f"/incidents/{incident.pk}"
    officer, coordinator = client_for("officer"), client_for("coordinator")

    assert coordinator.post(f"{base}/stand-down/", {"reason": "Calm."}).status_code == 403
    response = officer.post(f"{base}/stand-down/", {"reason": ""})
    assert response.status_code == 400
    assert "Say why the incident is being stood down." in response.content.decode()
    response = officer.post(f"{base}/stand-down/", {"reason": "Calm for 48 hours."})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == IncidentState.STOOD_DOWN

    response = coordinator.post(f"{base}/close/")
    assert response.status_code == 409
    assert "Every duty must be done or waived before the incident closes." in (
        response.content.decode()
    )

    for duty in incident.duties.exclude(state__in=[DutyState.DONE, DutyState.WAIVED]):
        response = coordinator.post(f"/duties/{duty.pk}/waive/", {"reason": "Done in person."})
        assert response.status_code == 302, duty.step_code
    assert not incident.duties.exclude(state__in=[DutyState.DONE, DutyState.WAIVED]).exists()

    assert client_for("crro").post(f"{base}/close/").status_code == 403
    response = coordinator.post(f"{base}/close/")
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == IncidentState.CLOSED
    page = coordinator.get(f"{base}/").content.decode()
    assert "Closed at" in page
    assert "Done in person." in page


def test_waiving_needs_a_reason_and_the_coordinator(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    duty = factories.duty(incident, "inform-rec")
    url = f"/duties/{duty.pk}/waive/"
    assert client_for("crro").post(url, {"reason": "x"}).status_code == 403
    response = client_for("coordinator").post(url, {"reason": " "})
    assert response.status_code == 400
    assert "Say why this duty is being waived." in response.content.decode()
    duty.refresh_from_db()
    assert duty.state == DutyState.PENDING


# --- The board ------------------------------------------------------------------------------------
def test_board_is_for_coordinators(demo: dict[str, Member], client_for: ClientFor) -> None:
    incident = factories.incident_declared()
    response = client_for("coordinator").get("/board/")
    assert response.status_code == 200
    page = response.content.decode()
    assert incident.reference in page
    assert "Inform the Racial Equality Council" in page  # the next duty due
    assert 'src="/static/escalation/board.js"' in page
    assert 'data-fragment-url="/board/fragment/"' in page
    assert 'aria-live="polite"' in page

    assert client_for("panel-housing").get("/board/").status_code == 403
    assert client_for("panel-housing").get("/board/fragment/").status_code == 403


def test_board_fragment_marks_overdue_incidents(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared(at=timezone.now() - timedelta(hours=3))
    fragment = client_for("coordinator").get("/board/fragment/")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body
    assert incident.reference in body
    assert "data-overdue" not in body

    duty = factories.duty(incident, "inform-rec")
    assert services.duty_mark_overdue(duty_id=duty.pk, now=timezone.now())
    body = client_for("coordinator").get("/board/fragment/").content.decode()
    assert 'data-overdue="1"' in body
    assert "1 overdue" in body
    assert "overdue by 2 h" in body


def _task_list(page: str) -> dict[int, tuple[str, str, str]]:
    """The incident page's task list: duty id → (its tag's words, its tag's colour, the item)."""
    items = re.findall(
        r'<li class="govuk-task-list__item[^"]*" id="(?:open|closed)-(\d+)"[^>]*>(.*?)</li>',
        page,
        re.S,
    )
    found = {}
    for pk, item in items:
        tag = re.search(
            r'<div class="govuk-task-list__status"><strong class="govuk-tag govuk-tag--(\w+)">'
            r"([^<]+)</strong>",
            item,
        )
        assert tag, item
        found[int(pk)] = (tag.group(2), tag.group(1), item)
    return found


def test_the_incident_page_leads_with_its_steps_as_a_task_list_each_with_its_state(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    """GOV.UK's task list, before the rest of the page: every step of the protocol with its tag
    (overdue, due, waiting, done, waived), what is open first."""
    incident = factories.incident_declared(at=timezone.now() - timedelta(hours=2, minutes=30))
    escalation_run(timezone.now())
    duties = {d.step_code: d for d in incident.duties.all()}
    factories.duty_done(incident, "inform-rec", by=demo["crro"])
    coordinator = client_for("coordinator")
    waived = duties["tell-safeguarding-steps"]
    assert (
        coordinator.post(f"/duties/{waived.pk}/waive/", {"reason": "Told at the scene."})
    ).status_code == 302

    page = coordinator.get(f"/incidents/{incident.pk}/").content.decode()
    lead = page.index('<ul class="govuk-task-list open-steps">')
    assert lead < page.index('id="determinations-title"') < page.index('id="duties-title"')
    steps = _task_list(page)
    assert set(steps) == {d.pk for d in incident.duties.all()}  # every step, once
    late = duties["inform-csp-coordinator"]
    assert steps[late.pk][:2] == ("Overdue, escalated", "red")
    assert "the Community and Race Relations Officer (Ravi Chandra)" in steps[late.pk][2]
    chief = duties["notify-chief-officer"]
    assert steps[chief.pk][:2] == ("Waiting", "yellow")
    assert (
        "It waits for: Inform the Community Safety Partnership Co-ordinator" in (steps[chief.pk][2])
    )
    assert steps[duties["inform-rec"].pk][:2] == ("Done", "green")
    assert "Done by Ravi Chandra at " in steps[duties["inform-rec"].pk][2]
    assert steps[waived.pk][:2] == ("Waived", "grey")
    pending = [d for d in incident.duties.all() if d.state == DutyState.PENDING]
    assert pending, "a step still within its time"
    for duty in pending:
        assert steps[duty.pk][:2] == ("Due", "blue"), duty.step_code
    # What is open comes first, the late before the waiting; done and waived after.
    order = [int(pk) for pk in re.findall(r'id="(?:open|closed)-(\d+)"', page)]
    assert order.index(late.pk) < order.index(chief.pk) < order.index(duties["inform-rec"].pk)
