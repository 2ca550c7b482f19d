from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from escalation.models import ProtocolState, ProtocolVersion
from partnership.checkpoints import chains_check
from partnership.demo import MEMBERS, NEIGHBOUR_MEMBERS, demo_load
from partnership.models import AuditEvent, Member, Partnership, Role, RoleAssignment

pytestmark = pytest.mark.django_db


def _snapshot() -> tuple[object, ...]:
    return (
        list(Member.objects.order_by("pk").values_list("pk", "username", "password", "agency_id")),
        list(
            RoleAssignment.objects.order_by("pk").values_list(
                "pk", "member_id", "role", "deputy_id"
            )
        ),
        AuditEvent.objects.count(),
    )


def test_loading_twice_changes_nothing() -> None:
    call_command("load_demo")
    before = _snapshot()
    assert demo_load() == 0
    call_command("load_demo")
    assert _snapshot() == before
    assert all(check.ok for check in chains_check(full=True))


def test_loading_the_demo_puts_the_protocol_in_place_through_the_registry() -> None:
    # The partnership app imports no app above it: the escalation engine registers the step
    # that publishes the source document's protocol when it starts.
    assert not ProtocolVersion.objects.exists()
    call_command("load_demo")
    published = ProtocolVersion.objects.filter(state=ProtocolState.PUBLISHED)
    assert sorted(published.values_list("partnership__slug", flat=True)) == [
        "aylesbury-vale",
        "milton-keynes",
    ]


def test_every_protocol_role_is_held_and_the_coordinator_has_a_deputy() -> None:
    demo_load()
    held = set(RoleAssignment.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    coordinator = RoleAssignment.objects.get(
        member__username="coordinator", role=Role.CSP_COORDINATOR
    )
    assert coordinator.deputy is not None
    assert coordinator.deputy.username == "coordinator2"
    panel_agencies = {
        m.agency_id for m in Member.objects.filter(role_assignments__role=Role.PANEL_MEMBER)
    }
    assert len(panel_agencies) == 3


def test_every_demo_login_signs_in_with_the_demo_password() -> None:
    demo_load()
    for spec in MEMBERS:
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": spec.username, "password": "demo-pass"}
        )
        assert response.status_code == 302, spec.username


def test_demo_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "another-pass-2026")
    demo_load()
    assert Member.objects.get(username="gold").check_password("another-pass-2026")


def test_the_demo_has_two_partnerships_under_one_police_force() -> None:
    call_command("load_demo")
    mk, av = (
        Partnership.objects.get(slug="milton-keynes"),
        Partnership.objects.get(slug="aylesbury-vale"),
    )
    shared = set(mk.agencies.values_list("name", flat=True)) & set(
        av.agencies.values_list("name", flat=True)
    )
    assert shared == {"Thames Valley Police"}
    assert set(av.role_assignments.values_list("role", flat=True)) == set(Role.values)
    assert not mk.areas.filter(name__in=av.areas.values("name")).exists()

    def roles(username: str, partnership: Partnership) -> frozenset[str]:
        return Member.objects.get(username=username).roles_in(partnership)

    # Members in different roles in each: the CRRO of one is a panel member of the other.
    assert Role.CRRO in roles("crro", mk)
    assert roles("crro", av) == {Role.PANEL_MEMBER}
    assert roles("ppc", av) == {Role.CRRO}
    assert roles("av-coordinator", mk) == set()
    # Members of both choose on signing in; members of one go straight in.
    for spec in NEIGHBOUR_MEMBERS:
        client = Client()
        signed_in = client.post(
            "/accounts/login/", {"username": spec.username, "password": "demo-pass"}
        )
        assert signed_in.status_code == 302, spec.username
        home = client.get("/")
        several = Member.objects.get(username=spec.username).partnerships.count() > 1
        assert (home.status_code == 302) == several, spec.username
