"""Minutes that do not leak and do not change: a case's open actions follow the case to its next
conference (and no further), shown only to readers who may see them; concluded minutes are a
stored, hashed version, and a later change makes a new version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conference import minutes as minutes_read
from conference import services
from conference.models import CarriedAction, Conference, MinutesVersion, Person, Referral
from partnership.models import AuditEvent, Member
from tests import factories
from tests.tampering import behind_the_back
from tests.world import ClientFor

pytestmark = pytest.mark.django_db

SAFE_ADDRESS = "Move the family to a safe address"
LETTERBOX = "Fit a fire-proof letterbox at the flat"


def _first_panel(demo: dict[str, Member], person: Person) -> tuple[Conference, Referral]:
    """Police and Housing hear ``person``'s case; Housing is to move the family."""
    referral = factories.referral(person=person)
    panel = [demo["panel-police"], demo["panel-housing"]]
    first = factories.conference(
        cases=[referral], invite=panel, present=panel, open_it=True, title="First panel"
    )
    factories.action(
        conference=first, item=first.current_item, description=SAFE_ADDRESS, owner=panel[1]
    )
    services.conference_conclude(actor=demo["chair"], conference_id=first.pk)
    return first, referral


def _later(title: str, cases: list[Referral], invite: list[Member], days: int) -> Conference:
    return factories.conference(
        cases=cases,
        invite=invite,
        title=title,
        starts_at=timezone.now() + timedelta(days=days),
        kind="scheduled",
    )


def _minutes(client: ClientFor, username: str, conference: Conference) -> str:
    response = client(username).get(f"/conferences/{conference.pk}/minutes/")
    assert response.status_code == 200
    return response.content.decode()


def test_minutes_do_not_show_actions_of_a_conference_the_reader_was_never_at(
    demo: dict[str, Member], person: Person, client_for: ClientFor
) -> None:
    _first_panel(demo, person)
    other = factories.referral(person=factories.person(full_name="Bo Lindqvist"))
    later = _later("Health panel", [other], [demo["panel-health"]], days=7)
    assert SAFE_ADDRESS not in _minutes(client_for, "panel-health", later)
    api = client_for("panel-health").get(f"/api/conferences/{later.pk}/minutes/").json()
    assert SAFE_ADDRESS not in api["text"]
    assert not CarriedAction.objects.exists()


def test_a_case_carries_its_open_actions_to_its_next_conference(
    demo: dict[str, Member], person: Person, client_for: ClientFor
) -> None:
    first, _ = _first_panel(demo, person)
    again = factories.referral(person=person, summary="Still frightened.")
    later = _later("Second panel", [again], [demo["panel-health"]], days=7)
    (carried,) = CarriedAction.objects.all()
    assert carried.action.description == SAFE_ADDRESS
    assert carried.agenda_item.conference == later
    assert AuditEvent.objects.filter(verb="agenda.actions_carried").exists()
    text = _minutes(client_for, "panel-health", later)
    assert f"Carried from {first.title}: {SAFE_ADDRESS}" in text
    # The conference's page lists them under the case for the panel preparing for it.
    page = client_for("panel-health").get(f"/conferences/{later.pk}/").content.decode()
    assert "Open actions from earlier conferences" in page
    assert SAFE_ADDRESS in page
    assert (
        SAFE_ADDRESS
        not in client_for("coordinator2").get(f"/conferences/{later.pk}/").content.decode()
    )
    # Not once more to a conference of another case, nor to the deputy co-ordinator, who may
    # read the conference but is not on its panel.
    unrelated = factories.referral(person=factories.person(full_name="Cai Ferris"))
    elsewhere = _later("Third panel", [unrelated], [demo["panel-housing"]], days=14)
    assert SAFE_ADDRESS not in _minutes(client_for, "panel-housing", elsewhere)
    assert SAFE_ADDRESS not in _minutes(client_for, "coordinator2", later)


def test_a_finished_action_is_not_carried(demo: dict[str, Member], person: Person) -> None:
    first, _ = _first_panel(demo, person)
    action = first.actions.get()
    services.action_complete(actor=demo["panel-housing"], action_id=action.pk, outcome="Moved.")
    _later("Second panel", [factories.referral(person=person)], [demo["panel-health"]], days=7)
    assert not CarriedAction.objects.exists()


def test_concluded_minutes_are_frozen_and_a_later_change_makes_a_new_version(
    demo: dict[str, Member], person: Person, client_for: ClientFor
) -> None:
    first, _ = _first_panel(demo, person)
    (v1,) = MinutesVersion.objects.filter(conference=first)
    assert v1.number == 1
    assert minutes_read.version_verifies(v1)
    frozen = minutes_read.minutes_render(v1.data(), conference=first, reader=demo["chair"])
    assert f"{SAFE_ADDRESS} | owner Hana Ali (Milton Keynes Housing)" in frozen
    # Reading again changes nothing; a later completion makes version 2, never an edit.
    api = f"/api/conferences/{first.pk}/minutes/"
    assert client_for("panel-police").get(api).json() == client_for("panel-police").get(api).json()
    action = first.actions.get()
    services.action_complete(actor=demo["panel-housing"], action_id=action.pk, outcome="Moved.")
    v1_again = MinutesVersion.objects.get(pk=v1.pk)
    assert (v1_again.content, v1_again.sha256) == (v1.content, v1.sha256)
    v2 = MinutesVersion.objects.get(conference=first, number=2)
    assert v2.previous_sha256 == v1.sha256
    assert minutes_read.version_verifies(v2)
    page = _minutes(client_for, "panel-police", first)
    assert "Version 2 of 2" in page
    assert "Done" in page
    assert v1.sha256 in page  # the list of versions
    assert v2.sha256 in page
    old = client_for("panel-police").get(f"/conferences/{first.pk}/minutes/?version=1")
    assert "Version 1 of 2" in old.content.decode()
    now = client_for("panel-police").get(api).json()
    assert now["version"] == 2
    assert now["sha256"] == v2.sha256
    assert now["verifies"] is True
    assert [v["number"] for v in now["versions"]] == [1, 2]


def test_a_tampered_version_fails_verification(
    demo: dict[str, Member], person: Person, client_for: ClientFor
) -> None:
    first, _ = _first_panel(demo, person)
    v1 = MinutesVersion.objects.get(conference=first)
    forged = v1.content.replace(SAFE_ADDRESS, "Nothing agreed")
    behind_the_back(
        "UPDATE conference_minutesversion SET content = %s WHERE id = %s", [forged, v1.pk]
    )
    assert not minutes_read.version_verifies(MinutesVersion.objects.get(pk=v1.pk))
    page = _minutes(client_for, "chair", first)
    assert "These minutes cannot be trusted" in page
    # A forger who also recomputes the hash is caught by the timeline, which recorded it.
    behind_the_back(
        "UPDATE conference_minutesversion SET sha256 = %s WHERE id = %s",
        [minutes_read.content_sha256(MinutesVersion.objects.get(pk=v1.pk).content), v1.pk],
    )
    assert not minutes_read.version_verifies(MinutesVersion.objects.get(pk=v1.pk))


def test_a_correction_makes_a_new_version_by_the_chair_only(
    demo: dict[str, Member], person: Person, client_for: ClientFor
) -> None:
    first, _ = _first_panel(demo, person)
    refused = client_for("panel-police").post(
        f"/api/conferences/{first.pk}/minutes/corrections/", {"text": "Not so."}, "application/json"
    )
    assert refused.status_code == 403
    empty = client_for("chair").post(
        f"/api/conferences/{first.pk}/minutes/corrections/", {"text": " "}, "application/json"
    )
    assert empty.status_code == 400
    made = client_for("chair").post(
        f"/api/conferences/{first.pk}/minutes/corrections/",
        {"text": "Hana Ali sent apologies for the second half."},
        "application/json",
    )
    assert made.status_code == 201
    assert made.json()["number"] == 2
    page = _minutes(client_for, "panel-housing", first)
    assert "CORRECTION by Harold Chen" in page
    assert "Hana Ali sent apologies for the second half." in page
    assert MinutesVersion.objects.filter(conference=first).count() == 2


def test_minutes_before_conclusion_are_a_draft(
    demo: dict[str, Member], person: Person, client_for: ClientFor
) -> None:
    conference = factories.conference_with_a_case(person=person)
    assert not MinutesVersion.objects.exists()
    assert "Draft" in _minutes(client_for, "chair", conference)
    refused = client_for("chair").post(
        f"/api/conferences/{conference.pk}/minutes/corrections/",
        {"text": "Early."},
        "application/json",
    )
    assert refused.status_code == 409
