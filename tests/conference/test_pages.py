"""The risk-conference pages: who may open each, forms that create through the services and
answer 400 on bad input, the live room as first drawn, restricted research and the minutes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from conference import selectors, services
from conference.models import (
    Action,
    ActionState,
    AgendaItem,
    Conference,
    FlagState,
    Person,
    PersonAccess,
    Referral,
    RepeatFlag,
    ResearchContribution,
)
from conference.risk import CHECKLIST
from escalation.models import Incident
from partnership.models import Agency, Member
from tests import factories
from tests.world import ClientFor

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.django_db

TITLE = "Emergency panel: Bletchley case"


@dataclass(frozen=True)
class Case:
    person: Person
    referral: Referral
    conference: Conference
    item: AgendaItem


@pytest.fixture
def case(demo: dict[str, Member]) -> Case:
    """A person referred by the police, on an emergency conference with the police and housing
    panel members invited (health is not), opened by the chair."""
    person = factories.person()
    referral = factories.referral(person=person)
    conference = factories.conference(
        cases=[referral],
        invite=[demo["panel-police"], demo["panel-housing"]],
        open_it=True,
        title=TITLE,
    )
    return Case(person, referral, conference, conference.agenda.get())


def _incident(demo: dict[str, Member], days_ago: int) -> Incident:
    """An incident Police's panel member recorded ``days_ago``, linked to nobody yet."""
    return factories.incident(
        reporter=demo["panel-police"], occurred_at=timezone.now() - timedelta(days=days_ago)
    )


def _page(response: Any) -> str:
    return str(response.content.decode())


# --- People --------------------------------------------------------------------------------------
def test_person_page_is_for_those_on_the_case_and_every_view_is_logged(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    person = factories.person()
    response = client_for("panel-police").get(f"/people/{person.pk}/")
    assert response.status_code == 200
    assert "Amina Yusuf" in _page(response)
    assert PersonAccess.objects.filter(
        person=person, member=demo["panel-police"], what="record"
    ).exists()

    # Another agency's panel member, on no conference with the case: refused, nothing logged.
    response = client_for("panel-housing").get(f"/people/{person.pk}/")
    assert response.status_code == 404
    assert "Amina Yusuf" not in _page(response)
    assert not PersonAccess.objects.filter(member=demo["panel-housing"]).exists()
    assert client_for("panel-police").get("/people/999999/").status_code == 404

    listing = _page(client_for("panel-police").get("/people/"))
    assert "Amina Yusuf" in listing
    assert "Amina Yusuf" not in _page(client_for("panel-housing").get("/people/"))


def test_looking_a_person_up_records_nothing_and_showing_them_records_the_view(
    demo: dict[str, Member],
) -> None:
    person = factories.person()
    # The lookup every door uses is a pure read, refused or not.
    assert selectors.person_for(demo["panel-police"], person.pk) == person
    with pytest.raises(Http404):
        selectors.person_for(demo["panel-housing"], person.pk)
    assert not PersonAccess.objects.exists()
    # Opening the record (pages and the API) is the lookup and the record of the view together.
    assert services.person_open(member=demo["panel-police"], pk=person.pk, what="record") == person
    assert list(PersonAccess.objects.values_list("member__username", "what")) == [
        ("panel-police", "record")
    ]
    with pytest.raises(Http404):
        services.person_open(member=demo["panel-housing"], pk=person.pk, what="record")
    assert PersonAccess.objects.count() == 1


def test_invited_panel_sees_the_person_of_a_case_on_their_conference(
    demo: dict[str, Member], client_for: ClientFor, case: Case
) -> None:
    person = case.person
    assert client_for("panel-housing").get(f"/people/{person.pk}/").status_code == 200
    assert client_for("panel-health").get(f"/people/{person.pk}/").status_code == 404


def test_recording_a_person_through_the_page(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    client = client_for("panel-housing")
    response = client.post(
        "/people/new/",
        {"full_name": "  Tomasz Nowak ", "known_as": "Tom", "date_of_birth": "1980-02-03"},
    )
    assert response.status_code == 302
    person = Person.objects.get()
    assert response["Location"] == f"/people/{person.pk}/"
    assert person.full_name == "Tomasz Nowak"
    assert person.created_by == demo["panel-housing"]

    response = client.post("/people/new/", {"full_name": "", "date_of_birth": "2999-01-01"})
    assert response.status_code == 400
    page = _page(response)
    assert 'role="alert"' in page
    assert "Give the person&#x27;s name." in page
    assert Person.objects.count() == 1


def test_linking_an_incident_runs_the_repeat_rules_and_shows_the_flag(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    person = factories.person()
    for days in (200, 100):
        factories.incident_involving(
            person=person, occurred_at=timezone.now() - timedelta(days=days)
        )
    third = _incident(demo, days_ago=5)
    client = client_for("panel-police")
    response = client.post(
        f"/people/{person.pk}/incidents/", {"incident": third.pk, "involvement": "victim"}
    )
    assert response.status_code == 302
    flag = RepeatFlag.objects.get(person=person)
    page = _page(client.get(response["Location"]))
    assert flag.rule in page
    assert third.reference in page

    # Linking it again does not fit (409); a missing choice is bad input (400).
    again = client.post(
        f"/people/{person.pk}/incidents/", {"incident": third.pk, "involvement": "victim"}
    )
    assert again.status_code in (400, 409)
    assert client.post(f"/people/{person.pk}/incidents/", {}).status_code == 400


# --- Flags and referrals -------------------------------------------------------------------------
def _flagged() -> tuple[Person, RepeatFlag]:
    person = factories.person()
    for days in (300, 200, 10):
        factories.incident_involving(
            person=person, occurred_at=timezone.now() - timedelta(days=days)
        )
    return person, RepeatFlag.objects.get(person=person)


def test_flags_page_is_the_coordinators_and_dismissing_needs_a_reason(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    person, flag = _flagged()
    assert client_for("panel-police").get("/flags/").status_code == 403
    client = client_for("coordinator")
    page = _page(client.get("/flags/"))
    assert flag.rule in page
    assert f"/referrals/new/?person={person.pk}&amp;flag={flag.pk}" in page
    assert "Amina Yusuf" not in page  # references only

    response = client.post(f"/flags/{flag.pk}/dismiss/", {"reason": ""})
    assert response.status_code == 400
    assert "Say why no referral is needed." in _page(response)
    response = client.post(f"/flags/{flag.pk}/dismiss/", {"reason": "Known; handled by housing."})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.state == FlagState.DISMISSED
    response = client.post(f"/flags/{flag.pk}/dismiss/", {"reason": "Again."})
    assert response.status_code == 409


def _referral_data(person: Person, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "person": person.pk,
        "reason": "repeat",
        "summary": "Third incident this year; windows broken.",
        "lawful_basis": "public_task_safeguarding",
        "consent_notes": "Not sought: perpetrator lives in the household.",
        "raised_level": "",
        "raised_reason": "",
    }
    for q in CHECKLIST:
        data[f"answer_{q.code}"] = "yes" if q.code in ("threats", "home_targeted") else "no"
    data.update(overrides)
    return data


def test_referring_from_a_flag_scores_the_checklist_and_marks_the_flag_referred(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    person, flag = _flagged()
    client = client_for("coordinator")
    url = f"/referrals/new/?person={person.pk}&flag={flag.pk}"
    form = _page(client.get(url))
    assert "Amina Yusuf" in form  # the coordinator may see the person
    assert "Without consent: UK GDPR Art 6(1)(e)" in form
    assert form.count('type="radio"') >= 2 * len(CHECKLIST)

    response = client.post(url, _referral_data(person, flag=flag.pk))
    assert response.status_code == 302
    referral = Referral.objects.get(person=person)
    assert response["Location"] == f"/referrals/{referral.pk}/"
    assert (referral.score, referral.level) == (4, "medium")
    assert referral.lawful_basis == "public_task_safeguarding"
    flag.refresh_from_db()
    assert flag.state == FlagState.REFERRED
    page = _page(client.get(response["Location"]))
    assert "The checklist scores 4: medium risk" in page


def test_referral_form_refuses_an_unanswered_question_and_a_lowered_level(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    person = factories.person()
    client = client_for("panel-police")
    data = _referral_data(person)
    del data["answer_weapons"]
    response = client.post(f"/referrals/new/?person={person.pk}", data)
    assert response.status_code == 400
    assert "Answer yes, no or not known: Have weapons been used or threatened?" in _page(response)

    response = client.post(
        f"/referrals/new/?person={person.pk}", _referral_data(person, raised_level="standard")
    )
    assert response.status_code == 400
    assert "may raise the level, not lower it" in _page(response)

    response = client.post(
        f"/referrals/new/?person={person.pk}",
        _referral_data(person, raised_level="high", raised_reason="Perpetrator released today."),
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.assessed_level, referral.level) == ("medium", "high")
    assert "raised to high on professional judgement" in _page(client.get(response["Location"]))


def test_referral_pages_are_closed_to_other_agencies(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    person = factories.person()
    referral = factories.referral(person=person)
    assert client_for("panel-police").get(f"/referrals/{referral.pk}/").status_code == 200
    # Neither the referral nor its person is shared with Housing: as if neither existed.
    assert client_for("panel-housing").get(f"/referrals/{referral.pk}/").status_code == 404
    assert client_for("panel-housing").get(f"/referrals/new/?person={person.pk}").status_code == 404
    assert f"/referrals/{referral.pk}/" not in _page(client_for("panel-housing").get("/referrals/"))


def test_reading_a_referral_is_logged_on_the_page_as_in_the_api(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    # The referral shows the case's summary and consent notes: a view of personal data.
    person = factories.person()
    referral = factories.referral(person=person)
    for path in (f"/referrals/{referral.pk}/", f"/api/referrals/{referral.pk}/"):
        assert client_for("panel-police").get(path).status_code == 200
    logged = PersonAccess.objects.filter(
        person=person, member=demo["panel-police"], what=f"referral {referral.pk}"
    )
    assert logged.count() == 2


# --- Conferences ---------------------------------------------------------------------------------
def test_coordinator_arranges_a_conference_in_uk_time(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    data = {
        "kind": "emergency",
        "title": "Emergency panel",
        "starts_at": "2030-07-01T10:00",
        "ends_at": "2030-07-01T11:30",
        "location": "Civic Offices",
        "chair": demo["chair"].pk,
    }
    assert client_for("panel-police").post("/conferences/new/", data).status_code == 403
    client = client_for("coordinator")
    response = client.post("/conferences/new/", data)
    assert response.status_code == 302
    conference = Conference.objects.get()
    assert response["Location"] == f"/conferences/{conference.pk}/"
    assert conference.starts_at.isoformat() == "2030-07-01T09:00:00+00:00"  # BST
    assert conference.chair == demo["chair"]

    response = client.post("/conferences/new/", {**data, "ends_at": "2030-07-01T09:00"})
    assert response.status_code == 400
    assert "The conference must end after it starts." in _page(response)
    # Only conference chairs are offered (and accepted) as chair.
    response = client.post("/conferences/new/", {**data, "chair": demo["staff"].pk})
    assert response.status_code == 400
    assert 'href="#id_chair"' in _page(response)
    assert Conference.objects.count() == 1


def test_agenda_builder_adds_referrals_invites_and_records_attendance(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    referral = factories.referral(person=factories.person())
    conference = factories.conference(title=TITLE)
    client = client_for("coordinator")
    housing = Agency.objects.get(name="Milton Keynes Housing")
    url = f"/conferences/{conference.pk}/"
    assert f"Referral {referral.pk}: case" in _page(client.get(url))

    response = client.post(
        f"{url}agenda/", {"referral": referral.pk, "needed_agencies": [housing.pk]}
    )
    assert response.status_code == 302
    item = conference.agenda.get()
    assert {a.name for a in item.needed_agencies.all()} == {
        "Milton Keynes Housing",
        "Thames Valley Police",
    }
    assert client.post(f"{url}agenda/", {"referral": referral.pk}).status_code in (400, 409)

    assert client.post(f"{url}invitations/", {"members": []}).status_code == 400
    response = client.post(
        f"{url}invitations/", {"members": [demo["panel-police"].pk, demo["panel-housing"].pk]}
    )
    assert response.status_code == 302
    response = client.post(
        f"{url}attendance/", {"member": demo["panel-police"].pk, "status": "present"}
    )
    assert response.status_code == 302

    page = _page(client.get(url))
    assert "Thames Valley Police: present" in page
    assert "Milton Keynes Housing: <strong>not present</strong>" in page
    assert f"/agenda-items/{item.pk}/research/" in page
    assert "Amina Yusuf" not in page  # the agenda names cases by reference

    # Panel members see the conference; they cannot change its agenda.
    assert client_for("panel-police").get(url).status_code == 200
    assert client_for("panel-police").post(f"{url}invitations/", {}).status_code == 403


def test_uninvited_agency_is_refused_the_conference_its_room_and_its_research(
    demo: dict[str, Member], client_for: ClientFor, case: Case
) -> None:
    conference, item = case.conference, case.item
    outsider = client_for("panel-health")
    for url in (
        f"/conferences/{conference.pk}/",
        f"/conferences/{conference.pk}/room/",
        f"/conferences/{conference.pk}/minutes/",
        f"/conferences/{conference.pk}/minutes.txt",
        f"/agenda-items/{item.pk}/research/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert conference.title not in _page(outsider.get("/conferences/"))
    # The gold group reads the conference but does not sit in the room.
    assert client_for("gold").get(f"/conferences/{conference.pk}/").status_code == 200
    assert client_for("gold").get(f"/conferences/{conference.pk}/room/").status_code == 403


def test_room_page_draws_the_current_state(
    demo: dict[str, Member], client_for: ClientFor, case: Case
) -> None:
    conference, item = case.conference, case.item
    police = Agency.objects.get(name="Thames Valley Police")
    services.room_share(
        actor=demo["panel-police"],
        conference_id=conference.pk,
        text="Two call-outs to the address last month.",
    )
    services.room_share(
        actor=demo["chair"],
        conference_id=conference.pk,
        text="Police intelligence: suspect on bail.",
        visibility="agencies",
        visible_agencies=[police],
    )
    services.room_agree_risk(
        actor=demo["chair"], conference_id=conference.pk, item_id=item.pk, level="high"
    )
    factories.action(
        conference=conference,
        description="Fit a fire-proof letterbox",
        owner=demo["panel-housing"],
        due_at=timezone.now() + timedelta(days=7),
    )

    response = client_for("panel-housing").get(f"/conferences/{conference.pk}/room/")
    assert response.status_code == 200
    page = _page(response)
    assert 'data-socket-path="/ws/conferences/' in page
    assert f'data-current-item-id="{item.pk}"' in page
    assert f"case {case.person.reference}" in page
    assert "Two call-outs to the address last month." in page
    assert "Police intelligence" not in page
    assert "Risk agreed: High" in page
    assert "Fit a fire-proof letterbox" in page
    assert 'aria-live="polite"' in page
    assert "/static/conference/room.js" in page
    assert 'data-room-form="action"' not in page  # the chair's controls are the chair's
    assert "csrftoken" in response.cookies

    chair = _page(client_for("chair").get(f"/conferences/{conference.pk}/room/"))
    assert "Police intelligence: suspect on bail." in chair
    assert "Only Thames Valley Police" in chair
    assert 'data-room-form="action"' in chair
    assert "Amina Yusuf" not in chair
    police_page = _page(client_for("panel-police").get(f"/conferences/{conference.pk}/room/"))
    assert "Police intelligence: suspect on bail." in police_page


# --- Research ------------------------------------------------------------------------------------
def test_restricted_research_is_shown_only_to_the_named_agency(
    demo: dict[str, Member], client_for: ClientFor, case: Case
) -> None:
    item = case.item
    police = Agency.objects.get(name="Thames Valley Police")
    services.research_file(
        actor=demo["chair"],
        item_id=item.pk,
        facts="Council CCTV shows the same two men on three nights.",
        opinion="Escalating.",
        visibility="agencies",
        visible_agencies=[police],
    )
    url = f"/agenda-items/{item.pk}/research/"
    police_page = _page(client_for("panel-police").get(url))
    assert "Council CCTV shows the same two men" in police_page
    housing_page = _page(client_for("panel-housing").get(url))
    assert "Council CCTV shows the same two men" not in housing_page
    # Seeing a restricted contribution is logged against the person.
    assert PersonAccess.objects.filter(
        member=demo["panel-police"], what__startswith="restricted research"
    ).exists()


def test_filing_research_through_the_page(
    demo: dict[str, Member], client_for: ClientFor, case: Case
) -> None:
    item = case.item
    url = f"/agenda-items/{item.pk}/research/"
    client = client_for("panel-housing")
    page = _page(client.get(url))
    assert "Your professional opinion" in page
    assert "Kept apart from the facts" in page

    response = client.post(url, {"withheld": "A tenancy matter", "visibility": "panel"})
    assert response.status_code == 400
    assert "Say why the agency will not share what it holds." in _page(response)
    response = client.post(url, {"facts": "Two reports of noise.", "visibility": "agencies"})
    assert response.status_code == 400
    assert "Name the agencies that may see it." in _page(response)

    response = client.post(
        url, {"facts": "Two reports of noise.", "opinion": "Low concern.", "visibility": "panel"}
    )
    assert response.status_code == 302
    contribution = ResearchContribution.objects.get(agenda_item=item)
    assert contribution.agency.name == "Milton Keynes Housing"
    assert (contribution.facts, contribution.opinion) == ("Two reports of noise.", "Low concern.")
    assert "Two reports of noise." in _page(client_for("panel-police").get(url))
    status = _page(client_for("coordinator").get(f"/conferences/{item.conference_id}/"))
    assert "Filed" in status


# --- Minutes and actions -------------------------------------------------------------------------
def test_minutes_download_is_plain_text_with_the_agreed_actions(
    demo: dict[str, Member], client_for: ClientFor, case: Case
) -> None:
    conference = case.conference
    factories.action(
        conference=conference,
        description="Visit the family with the neighbourhood team",
        owner=demo["panel-police"],
        due_at=timezone.now() + timedelta(days=3),
    )
    client = client_for("panel-housing")
    page = _page(client.get(f"/conferences/{conference.pk}/minutes/"))
    assert "<pre" in page
    assert f'href="/conferences/{conference.pk}/minutes.txt"' in page
    response = client.get(f"/conferences/{conference.pk}/minutes.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("attachment;")
    text = _page(response)
    assert "ACTION: Visit the family with the neighbourhood team" in text
    assert "Amina Yusuf" not in text
    # The same minutes as a document: marked and numbered on every page.
    assert f'href="/conferences/{conference.pk}/minutes.pdf"' in page
    document = client.get(f"/conferences/{conference.pk}/minutes.pdf")
    assert document.status_code == 200
    assert document["Content-Type"] == "application/pdf"
    sheets = PdfReader(io.BytesIO(document.content)).pages
    printed = "\n".join(sheet.extract_text() for sheet in sheets)
    assert "Visit the family with the neighbourhood team" in printed
    assert "Present" in printed
    assert "Amina Yusuf" not in printed
    assert printed.count("OFFICIAL-SENSITIVE") == 2 * len(sheets)
    assert f"Page 1 of {len(sheets)}" in printed


def test_owner_completes_an_action_and_the_coordinator_sees_everyones(
    demo: dict[str, Member], client_for: ClientFor, case: Case
) -> None:
    action = factories.action(
        conference=case.conference,
        description="Fit a fire-proof letterbox",
        owner=demo["panel-housing"],
        due_at=timezone.now() + timedelta(days=7),
    )
    assert "Fit a fire-proof letterbox" in _page(client_for("coordinator").get("/actions/"))
    assert "Fit a fire-proof letterbox" not in _page(client_for("panel-police").get("/actions/"))
    assert client_for("panel-police").post(f"/actions/{action.pk}/complete/").status_code == 403

    client = client_for("panel-housing")
    assert "Fit a fire-proof letterbox" in _page(client.get("/actions/"))
    response = client.post(f"/actions/{action.pk}/complete/", {"outcome": ""})
    assert response.status_code == 400
    assert "Say what was done." in _page(response)
    response = client.post(f"/actions/{action.pk}/complete/", {"outcome": "Fitted on Monday."})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert action.outcome == "Fitted on Monday."
    response = client.post(f"/actions/{action.pk}/complete/", {"outcome": "Again."})
    assert response.status_code == 409
    assert Action.objects.filter(state=ActionState.DONE).count() == 1


def test_navigation_shows_the_conference_pages_to_partnership_members(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    page = _page(client_for("panel-police").get("/"))
    for href in ('href="/people/"', 'href="/referrals/"', 'href="/conferences/"'):
        assert href in page
    # Every page listed here renders for a member of a partner agency.
    client: Client = client_for("coordinator")
    for url in (
        "/people/",
        "/people/new/",
        "/flags/",
        "/referrals/",
        "/referrals/new/",
        "/conferences/",
        "/conferences/new/",
        "/actions/",
    ):
        assert client.get(url).status_code == 200, url


def test_a_checklist_question_may_be_answered_not_known_and_adds_nothing(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    person = factories.person()
    client = client_for("panel-police")
    form = _page(client.get(f"/referrals/new/?person={person.pk}"))
    assert form.count('value="not_known"') == len(CHECKLIST)
    # threats and home_targeted (2 each) yes; weapons (2) not known: it does not count.
    data = _referral_data(person, answer_weapons="not_known")
    response = client.post(f"/referrals/new/?person={person.pk}", data)
    assert response.status_code == 302
    referral = Referral.objects.get(person=person)
    assert referral.score == 4
    assert referral.answers["weapons"] is None
    page = _page(client.get(response["Location"]))
    assert 'Not known <span class="muted">(ask at the panel)</span>' in page


def test_the_flags_page_names_its_two_ways_out_apart(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    _flagged()
    page = _page(client_for("coordinator").get("/flags/"))
    assert "Dismiss the flag: no referral needed" in page
    assert "Refer to a risk conference" in page
    # The live alert's own button (partnership/static/js/alerts.js) is not another "Dismiss".
    script = (ROOT / "partnership/static/js/alerts.js").read_text()
    assert 'element("button", "app-link-button", "Hide this alert")' in script
    assert '"Dismiss"' not in script
    assert '"Hide this alert"' in script
