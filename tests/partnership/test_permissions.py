from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from partnership.models import Member
from partnership.permissions import can, registered_actions, require
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def test_wrong_role_is_refused_the_timeline(demo: dict[str, Member]) -> None:
    assert can(demo["gold"], "timeline.view")
    assert can(demo["admin"], "timeline.view")
    for username in ("staff", "officer", "coordinator", "panel-police"):
        assert not can(demo[username], "timeline.view"), username
    with pytest.raises(PermissionDenied, match="gold group"):
        require(demo["staff"], "timeline.view")


def test_contact_details_follow_the_agency(demo: dict[str, Member]) -> None:
    police, housing = demo["panel-police"], demo["panel-housing"]
    # Another agency's member is refused; the same agency and the co-ordinator are allowed.
    assert not can(housing, "member.view_contact", police)
    assert can(demo["officer"], "member.view_contact", police)
    assert can(demo["coordinator"], "member.view_contact", police)
    assert can(housing, "member.view_contact", housing)


def test_a_deputy_acts_in_the_role_they_deputise(demo: dict[str, Member]) -> None:
    deputy = demo["coordinator2"]
    assert deputy.has_role("csp_coordinator")
    assert "csp_coordinator" not in deputy.held_roles
    assert can(deputy, "member.view_contact", demo["panel-police"])


def test_inactive_and_anonymous_members_can_do_nothing(demo: dict[str, Member]) -> None:
    from django.contrib.auth.models import AnonymousUser

    gold = demo["gold"]
    gold.is_active = False
    for action in registered_actions():
        assert not can(gold, action)
        assert not can(AnonymousUser(), action)
        assert not can(None, action)


def test_an_action_without_a_rule_is_an_error(demo: dict[str, Member]) -> None:
    with pytest.raises(KeyError, match="no permission rule"):
        can(demo["admin"], "incident.teleport")


def test_api_hides_another_agencys_contact_details(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    police = demo["panel-police"]
    body = client_for("panel-housing").get(f"/api/members/{police.pk}/").json()
    assert body["username"] == "panel-police"
    assert body["email"] is None
    assert body["phone"] is None
    body = client_for("officer").get(f"/api/members/{police.pk}/").json()
    assert body["email"] == "panel-police@demo.invalid"


def test_directory_page_hides_another_agencys_contact_details(client_for: ClientFor) -> None:
    page = client_for("panel-housing").get("/directory/").content.decode()
    assert "panel-housing@demo.invalid" in page
    assert "panel-police@demo.invalid" not in page


@pytest.mark.parametrize("path", ["/", "/directory/", "/admin/"])
def test_anonymous_pages_redirect_to_sign_in(demo: dict[str, Member], path: str) -> None:
    response = Client().get(path, follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/me/", "/api/agencies/", "/api/members/"])
def test_anonymous_api_is_refused_with_json(demo: dict[str, Member], path: str) -> None:
    response = Client().get(path)
    assert response.status_code in (401, 403)
    assert "detail" in response.json()
    assert "demo.invalid" not in response.content.decode()


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_anonymous_callers_get_no_schema(demo: dict[str, Member], path: str) -> None:
    response = Client().get(path)
    assert response.status_code in (401, 403)
    assert b"/api/members/" not in response.content


def test_only_administrators_reach_django_admin(client_for: ClientFor) -> None:
    assert client_for("admin").get("/admin/partnership/member/").status_code == 200
    response = client_for("coordinator").get("/admin/partnership/member/")
    assert response.status_code == 302  # back to the admin sign-in
    assert client_for("admin").get("/admin/partnership/auditevent/").status_code == 200


def test_admin_change_is_recorded_on_the_timeline(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    from partnership.models import Agency, AuditEvent

    agency = Agency.objects.get(name="Milton Keynes Housing")
    response = client_for("admin").post(
        f"/admin/partnership/agency/{agency.pk}/change/",
        {"name": "Milton Keynes Housing Services", "kind": "housing", "is_active": "on"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.order_by("-id").first()  # the last recorded, on any chain
    assert event is not None
    assert event.verb == "agency.changed"
    assert event.actor_label == "admin"
    assert event.changes == {"fields": ["name"]}
