"""A person known to one partnership, shared with another under a recorded basis (issue 12): who
may share, what the other partnership then sees, both timelines, and withdrawal."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from conference import services
from conference.models import Person, PersonAccess, PersonShare, Referral, ShareState
from conference.risk import CHECKLIST
from notifications.models import Notification
from partnership.models import AgencyKind, AuditEvent, Member, Partnership, Role
from tests import factories

pytestmark = pytest.mark.django_db

VICTIM = "Philippa Wrenfield-Okafor"
WHY = "WhyMarker4471 she works in Aylesbury and was followed from the station"


@dataclass
class Two:
    person: Person
    here: Partnership
    there: Partnership
    there_coordinator: Member
    there_police: Member


@pytest.fixture
def two(demo: dict[str, Member]) -> Two:
    there = factories.partnership_new(name="Aylesbury Vale Hate Crime Partnership", slug="av")
    council = factories.agency_new(
        kind=AgencyKind.COUNCIL, name="Buckinghamshire Council", within=there
    )
    police = factories.agency_new(
        kind=AgencyKind.POLICE, name="Aylesbury Vale Police (sharing)", within=there
    )
    coordinator = factories.member(
        username="av-coordinator", agency=council, roles=[Role.CSP_COORDINATOR], within=there
    )
    panel_police = factories.member(
        username="av-police", agency=police, roles=[Role.PANEL_MEMBER], within=there
    )
    person = factories.person(full_name=VICTIM)
    return Two(person, factories.partnership(), there, coordinator, panel_police)


def _client(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _share(demo: dict[str, Member], two: Two) -> PersonShare:
    reply = _client(demo["coordinator"]).post(
        f"/people/{two.person.pk}/shares/",
        {"partnership": two.there.pk, "basis": "s115", "reason": WHY},
    )
    assert reply.status_code == 302, reply.content.decode()
    return PersonShare.objects.get(person=two.person, partnership=two.there)


def test_before_a_share_the_other_partnership_sees_nothing(two: Two) -> None:
    assert _client(two.there_coordinator).get(f"/people/{two.person.pk}/").status_code == 404
    assert _client(two.there_coordinator).get(f"/api/people/{two.person.pk}/").status_code == 404
    assert VICTIM not in _client(two.there_coordinator).get("/people/").content.decode()


def test_a_share_opens_the_record_to_the_other_partnerships_need_to_know_roles(
    demo: dict[str, Member], two: Two
) -> None:
    share = _share(demo, two)
    assert (share.state, share.basis, share.reason, share.shared_by) == (
        ShareState.ACTIVE,
        "s115",
        WHY,
        demo["coordinator"],
    )
    there = _client(two.there_coordinator)
    page = there.get(f"/people/{two.person.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert VICTIM in text
    assert "Shared with you by Milton Keynes Hate Crime Partnership" in text
    assert WHY in text
    # Only the owner shares: the receiving co-ordinator is offered no share form.
    assert "Share the record" not in text
    assert VICTIM in there.get("/people/").content.decode()
    assert there.get(f"/api/people/{two.person.pk}/").json()["full_name"] == VICTIM
    # Their panel member has no need to know (not SEES_EVERY_CASE, no referral of theirs).
    assert _client(two.there_police).get(f"/people/{two.person.pk}/").status_code == 404
    # The receiving co-ordinator was told, in their partnership; nobody else there.
    told = Notification.objects.filter(idempotency_key__startswith=f"share:{share.pk}:")
    assert {n.recipient for n in told} == {two.there_coordinator}
    assert VICTIM not in told.get().title + told.get().body
    # The owner's access log shows who opened the record over there.
    assert PersonAccess.objects.filter(person=two.person, member=two.there_coordinator).exists()


def test_both_timelines_record_the_share_and_name_nobody(demo: dict[str, Member], two: Two) -> None:
    share = _share(demo, two)
    mine = AuditEvent.objects.get(verb="person.shared", subject_id=str(share.pk))
    theirs = AuditEvent.objects.get(verb="person.shared_in", subject_id=str(share.pk))
    assert mine.partnership_id == two.here.pk
    assert theirs.partnership_id == two.there.pk
    for event in (mine, theirs):
        assert event.changes["basis"] == "s115"
        assert VICTIM not in str(event.changes)
        assert "WhyMarker4471" not in str(event.changes)


def test_only_the_owners_co_ordinator_may_share(demo: dict[str, Member], two: Two) -> None:
    body = {"partnership": two.there.pk, "basis": "consent", "reason": "They asked."}
    # The officer sees the person? No: the page refuses before anything is written.
    assert _client(demo["officer"]).post(f"/people/{two.person.pk}/shares/", body).status_code in (
        403,
        404,
    )
    # The chair sees every case but does not share.
    assert _client(demo["chair"]).post(f"/people/{two.person.pk}/shares/", body).status_code == 403
    assert not PersonShare.objects.exists()
    _share(demo, two)
    # Once shared, the receiving co-ordinator cannot pass it on (not even back to a third).
    third = factories.partnership_new(name="Wycombe Hate Crime Partnership", slug="wycombe")
    reply = _client(two.there_coordinator).post(
        f"/people/{two.person.pk}/shares/",
        {"partnership": third.pk, "basis": "consent", "reason": "Passing it on."},
    )
    assert reply.status_code == 403
    assert not PersonShare.objects.filter(partnership=third).exists()


def test_bad_shares_are_refused_and_change_nothing(demo: dict[str, Member], two: Two) -> None:
    client = _client(demo["coordinator"])
    url = f"/people/{two.person.pk}/shares/"
    missing = client.post(url, {"partnership": two.there.pk, "reason": WHY})
    assert missing.status_code == 400
    assert "Record consent, or the lawful basis" in missing.content.decode()
    no_reason = client.post(url, {"partnership": two.there.pk, "basis": "consent", "reason": " "})
    assert no_reason.status_code == 400
    own = client.post(url, {"partnership": two.here.pk, "basis": "consent", "reason": WHY})
    assert own.status_code == 400
    assert not PersonShare.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="person.shared").exists()
    _share(demo, two)
    again = client.post(url, {"partnership": two.there.pk, "basis": "consent", "reason": WHY})
    assert again.status_code == 409
    assert "already shared with Aylesbury Vale" in again.content.decode()
    assert PersonShare.objects.count() == 1


def test_the_receiving_partnership_refers_in_its_own_name(
    demo: dict[str, Member], two: Two
) -> None:
    _share(demo, two)
    factories.referral(person=two.person, by=demo["coordinator"])
    there = Member.objects.get(pk=two.there_coordinator.pk)
    there.work_in(two.there)
    theirs = services.referral_create(
        actor=there,
        person=two.person,
        reason="professional_judgement",
        summary="Followed from the station twice this month.",
        answers={question.code: False for question in CHECKLIST},
        lawful_basis="s115",
    )
    assert theirs.partnership_id == two.there.pk
    # Each partnership's page lists its own referrals of the person, not the other's.
    mine = _client(demo["coordinator"]).get(f"/people/{two.person.pk}/").content.decode()
    assert f"/referrals/{theirs.pk}/" not in mine
    theirs_page = _client(two.there_coordinator).get(f"/people/{two.person.pk}/").content.decode()
    assert f"/referrals/{theirs.pk}/" in theirs_page
    ours = Referral.objects.exclude(pk=theirs.pk).get()
    assert f"/referrals/{ours.pk}/" not in theirs_page


def test_withdrawing_closes_the_record_again(demo: dict[str, Member], two: Two) -> None:
    share = _share(demo, two)
    client = _client(demo["coordinator"])
    url = f"/people/{two.person.pk}/shares/{share.pk}/withdraw/"
    assert client.post(url, {"reason": ""}).status_code == 400
    assert PersonShare.objects.get().state == ShareState.ACTIVE
    # The receiving co-ordinator cannot withdraw it either.
    assert _client(two.there_coordinator).post(url, {"reason": "No"}).status_code == 403
    done = client.post(url, {"reason": "The case closed."})
    assert done.status_code == 302
    share = PersonShare.objects.get(pk=share.pk)
    assert (share.state, share.withdrawn_reason, share.withdrawn_by) == (
        ShareState.WITHDRAWN,
        "The case closed.",
        demo["coordinator"],
    )
    assert _client(two.there_coordinator).get(f"/people/{two.person.pk}/").status_code == 404
    assert client.post(url, {"reason": "Again."}).status_code == 409
    assert AuditEvent.objects.filter(
        verb="person.share_withdrawn_in", partnership=two.there
    ).exists()
    # It can be shared again later: a new share, the old one kept.
    _client(demo["coordinator"]).post(
        f"/people/{two.person.pk}/shares/",
        {"partnership": two.there.pk, "basis": "consent", "reason": "Reopened."},
    )
    assert PersonShare.objects.filter(state=ShareState.ACTIVE).count() == 1
    assert PersonShare.objects.count() == 2


def test_the_api_shares_by_slug_and_explains_refusals(demo: dict[str, Member], two: Two) -> None:
    client = _client(demo["coordinator"])
    url = f"/api/people/{two.person.pk}/shares/"
    unknown = client.post(
        url, {"partnership": "nowhere", "basis": "consent", "reason": WHY}, "application/json"
    )
    assert unknown.status_code == 400
    assert "No partnership with that slug" in unknown.content.decode()
    made = client.post(
        url, {"partnership": "av", "basis": "consent", "reason": WHY}, "application/json"
    )
    assert made.status_code == 201
    assert made.json()["partnership"] == "av"
    assert [row["state"] for row in client.get(url).json()] == ["active"]
    # The receiving side may not list or withdraw the owner's shares.
    assert _client(two.there_coordinator).get(url).status_code == 403
    withdrawn = client.post(
        f"{url}{made.json()['id']}/withdraw/", {"reason": "Done."}, "application/json"
    )
    assert withdrawn.json()["state"] == "withdrawn"
