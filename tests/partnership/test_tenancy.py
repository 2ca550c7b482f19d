"""Partnerships as tenants (issue 12): which partnership a member works in, on the pages and in the
API, and roles read per partnership."""

from __future__ import annotations

import pytest
from django.test import Client

from partnership import services
from partnership.auth import token_issue
from partnership.models import Member, Partnership, Role
from partnership.permissions import can
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db

NEIGHBOUR = "aylesbury-vale"


@pytest.fixture
def neighbour(demo: dict[str, Member]) -> Partnership:
    """A second partnership where the demo's CRRO is a panel member (and holds nothing else)."""
    other = factories.partnership_new(name="Aylesbury Vale Hate Crime Partnership", slug=NEIGHBOUR)
    services.role_assign(actor=None, partnership=other, member=demo["crro"], role=Role.PANEL_MEMBER)
    return other


def _fresh(member: Member) -> Member:
    return Member.objects.get(pk=member.pk)


def test_a_member_of_one_partnership_needs_to_choose_nothing(client_for: ClientFor) -> None:
    client = client_for("officer")
    page = client.get("/incidents/")
    assert page.status_code == 200
    assert "Working in Milton Keynes Hate Crime Partnership" in page.content.decode()
    assert "Switch partnership" not in page.content.decode()
    assert client.get("/api/incidents/").status_code == 200


def test_roles_are_read_in_the_partnership_the_member_works_in(
    demo: dict[str, Member], neighbour: Partnership
) -> None:
    crro = _fresh(demo["crro"])
    assert crro.partnership is None  # several partnerships, none chosen yet
    assert not can(crro, "incident.report")
    crro.work_in(factories.partnership())
    assert crro.held_roles == {Role.CRRO}
    assert can(crro, "incident.link")
    crro.work_in(neighbour)
    assert crro.held_roles == {Role.PANEL_MEMBER}
    assert not can(crro, "incident.link")
    # The deputy of the CRRO in Milton Keynes deputises for nothing in Aylesbury Vale.
    ppc = _fresh(demo["ppc"])
    assert ppc.has_role(Role.CRRO)
    ppc.work_in(neighbour)
    assert not ppc.has_role(Role.CRRO)


def test_a_member_of_several_partnerships_chooses_one_and_it_is_remembered(
    demo: dict[str, Member], neighbour: Partnership
) -> None:
    client = Client()
    client.force_login(demo["crro"])
    asked = client.get("/incidents/?state=reported")
    assert asked.status_code == 302
    assert asked["Location"] == "/partnership/?next=%2Fincidents%2F%3Fstate%3Dreported"
    page = client.get(asked["Location"])
    assert "Which partnership are you working in?" in page.content.decode()
    assert client.post("/partnership/?next=/incidents/", {}).status_code == 400
    assert client.post("/partnership/", {"partnership": "nowhere"}).status_code == 400

    chosen = client.post("/partnership/?next=/incidents/", {"partnership": NEIGHBOUR})
    assert (chosen.status_code, chosen["Location"]) == (302, "/incidents/")
    page = client.get("/incidents/")
    text = page.content.decode()
    assert "Working in Aylesbury Vale Hate Crime Partnership" in text
    assert "Switch partnership" in text
    assert _fresh(demo["crro"]).chosen_partnership == neighbour
    # A panel member in Aylesbury Vale has no incident board there; the CRRO of Milton Keynes has.
    assert client.get("/board/").status_code == 403
    client.post("/partnership/", {"partnership": "milton-keynes"})
    assert client.get("/board/").status_code == 200
    # Remembered on the account: a new sign-in starts where they left off.
    again = Client()
    again.force_login(demo["crro"])
    assert again.get("/board/").status_code == 200


def test_one_cannot_choose_a_partnership_one_does_not_work_in(
    client_for: ClientFor, neighbour: Partnership
) -> None:
    client = client_for("officer")
    refused = client.post("/partnership/", {"partnership": NEIGHBOUR})
    assert refused.status_code == 400
    assert "Choose one of the partnerships you work in." in refused.content.decode()
    assert client.get("/incidents/new/").status_code == 200


def _api(member: Member, partnership: str | None = None) -> Client:
    headers = {"Authorization": f"Token {token_issue(member=member).key}"}
    if partnership is not None:
        headers["X-Partnership"] = partnership
    return Client(headers=headers)


def test_the_api_takes_the_partnership_from_a_header(
    demo: dict[str, Member], neighbour: Partnership
) -> None:
    crro = demo["crro"]
    missing = _api(crro).get("/api/me/")
    assert missing.status_code == 400
    assert "X-Partnership" in missing.json()["detail"]
    assert NEIGHBOUR in missing.json()["detail"]
    unknown = _api(crro, "nowhere").get("/api/me/")
    assert unknown.status_code == 400
    assert "No partnership is called 'nowhere'" in unknown.json()["detail"]
    assert _api(crro, "milton-keynes").get("/api/me/").json()["roles"] == [Role.CRRO]
    assert _api(crro, NEIGHBOUR).get("/api/me/").json()["roles"] == [Role.PANEL_MEMBER]
    # A member of one partnership needs no header, and is refused one they do not work in.
    officer = demo["officer"]
    assert _api(officer).get("/api/me/").json()["roles"] == [Role.SENIOR_POLICE_OFFICER]
    assert _api(officer, NEIGHBOUR).get("/api/me/").status_code == 404


def test_the_api_schema_documents_the_partnership_header(client_for: ClientFor) -> None:
    schema = client_for("officer").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    parameters = schema["paths"]["/api/incidents/"]["get"]["parameters"]
    header = next(p for p in parameters if p["name"] == "X-Partnership")
    assert header["in"] == "header"
    assert "several partnerships" in header["description"]
    # Signing in works in no partnership.
    sign_in = schema["paths"]["/api/auth/token/"]["post"].get("parameters", [])
    assert not any(p["name"] == "X-Partnership" for p in sign_in)


def test_the_directory_lists_the_partnership_worked_in(
    demo: dict[str, Member], neighbour: Partnership
) -> None:
    client = Client()
    client.force_login(demo["crro"])
    client.post("/partnership/", {"partnership": NEIGHBOUR})
    directory = client.get("/directory/").content.decode()
    assert "Ravi Chandra" in directory  # the CRRO is the neighbour's only member
    assert "Olivia Okafor" not in directory
    # Their roles there, not in Milton Keynes (where their job title is the same).
    assert "<td>Panel member</td>" in directory
    assert "<td>Community and Race Relations Officer" not in directory


def test_a_member_with_roles_in_two_partnerships_sees_each_separately(
    demo: dict[str, Member], neighbour: Partnership
) -> None:
    """The CRRO of Milton Keynes is a panel member in Aylesbury Vale (for the same police force):
    each partnership's incidents and messages reach them only while they work there."""
    police = factories.agency("Thames Valley Police")
    av_officer = factories.member(
        username="av-officer", agency=police, roles=[Role.SENIOR_POLICE_OFFICER], within=neighbour
    )
    av_area = factories.area_new(name="Aylesbury", within=neighbour)
    av_incident = factories.incident_declared(
        reporter=av_officer, officer=av_officer, area=av_area, title="AV-ONLY racist graffiti"
    )
    mk_incident = factories.incident_declared(title="MK-ONLY abuse at the bus stop")
    crro = demo["crro"]

    in_mk, in_av = _api(crro, "milton-keynes"), _api(crro, NEIGHBOUR)
    mk_list = {i["id"] for i in in_mk.get("/api/incidents/").json()}
    av_list = {i["id"] for i in in_av.get("/api/incidents/").json()}
    assert (mk_incident.pk in mk_list, av_incident.pk in mk_list) == (True, False)
    assert (av_incident.pk in av_list, mk_incident.pk in av_list) == (True, False)
    assert in_av.get(f"/api/incidents/{mk_incident.pk}/").status_code == 404
    assert in_mk.get(f"/api/incidents/{av_incident.pk}/").status_code == 404
    # Told as the CRRO in Milton Keynes only (in Aylesbury Vale they are not the CRRO).
    mk_told = {n["scope"] for n in in_mk.get("/api/notifications/").json()}
    av_told = {n["scope"] for n in in_av.get("/api/notifications/").json()}
    assert f"incident:{mk_incident.pk}" in mk_told
    assert f"incident:{mk_incident.pk}" not in av_told
    assert f"incident:{av_incident.pk}" not in mk_told

    pages = Client()
    pages.force_login(crro)
    pages.post("/partnership/", {"partnership": NEIGHBOUR})
    listed = pages.get("/incidents/").content.decode()
    assert "AV-ONLY" in listed
    assert "MK-ONLY" not in listed
    assert pages.get(f"/incidents/{mk_incident.pk}/").status_code == 404
    pages.post("/partnership/", {"partnership": "milton-keynes"})
    listed = pages.get("/incidents/").content.decode()
    assert "MK-ONLY" in listed
    assert "AV-ONLY" not in listed
    assert pages.get(f"/incidents/{av_incident.pk}/").status_code == 404
