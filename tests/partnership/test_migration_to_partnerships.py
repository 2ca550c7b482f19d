"""The migration to partnerships as tenants (issue 12): a populated database from before it moves
into one partnership with nothing lost, and the thresholds it had configured come along."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from conference.models import Conference, Person, Referral
from escalation.models import Incident, ProtocolVersion
from partnership.models import Agency, Area, Member, Partnership, RoleAssignment

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("partnership", "0008_one_line_fields"),
    ("escalation", "0005_one_line_fields"),
    ("conference", "0005_carried_actions_and_minutes_versions"),
]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _populate(apps: Any) -> dict[str, int]:
    """Rows of every kind that gains a partnership, made with the models as they were."""

    def model(label: str) -> Any:
        return apps.get_model(*label.split("."))

    now = timezone.now()
    police = model("partnership.Agency").objects.create(kind="police", name="Old Police")
    council = model("partnership.Agency").objects.create(kind="council", name="Old Council")
    area = model("partnership.Area").objects.create(name="Old Town")
    model("partnership.Area").objects.create(name="New Town")
    officer = model("partnership.Member").objects.create(
        username="old-officer", password="!", agency=police
    )
    coordinator = model("partnership.Member").objects.create(
        username="old-coordinator", password="!", agency=council
    )
    model("partnership.Member").objects.create(username="system", password="!")
    assignments = model("partnership.RoleAssignment").objects
    assignments.create(member=officer, role="senior_police_officer")
    assignments.create(member=coordinator, role="csp_coordinator", deputy=officer)
    version = model("escalation.ProtocolVersion").objects.create(
        name="Old protocol", number=1, state="published", published_at=now
    )
    model("escalation.ProtocolVersion").objects.create(name="Draft", number=2)
    incident = model("escalation.Incident").objects.create(
        title="Old incident",
        description="Before partnerships.",
        occurred_at=now - timedelta(days=2),
        area=area,
        tension_level="high",
        reported_by=officer,
        reported_at=now - timedelta(days=1),
        protocol=version,
    )
    person = model("conference.Person").objects.create(
        full_name="Old Victim", area=area, created_by=coordinator, created_at=now
    )
    model("conference.Person").objects.create(
        full_name="No area", created_by=coordinator, created_at=now
    )
    model("conference.Referral").objects.create(
        person=person,
        referring_agency=council,
        referred_by=coordinator,
        reason="repeat",
        summary="Referred before partnerships.",
        score=9,
        assessed_level="high",
        level="high",
        lawful_basis="consent",
        created_at=now,
    )
    model("conference.Conference").objects.create(
        kind="scheduled",
        title="Old panel",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=2),
        location="Town hall",
        chair=coordinator,
        coordinator=coordinator,
        created_at=now,
    )
    return {"incident": incident.pk, "person": person.pk}


def test_a_populated_database_moves_into_one_partnership_with_nothing_lost(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What this deployment had configured service-wide comes along as its partnership's own.
    settings.REPEAT_WINDOW_DAYS = 180
    settings.RISK_MEDIUM_FROM, settings.RISK_HIGH_FROM = 5, 10
    settings.RETENTION_DAYS = 1000
    settings.PROTOCOL_HOLIDAY_NATION = "SCT"
    monkeypatch.setenv("PARTNERSHIP_NAME", "Old Town Partnership")
    executor = _migrate(BEFORE)
    made = _populate(executor.loader.project_state(BEFORE).apps)

    _migrate(executor.loader.graph.leaf_nodes())

    partnership = Partnership.objects.get()
    assert (partnership.name, partnership.slug) == ("Old Town Partnership", "old-town-partnership")
    assert partnership.division == "scotland"
    assert (partnership.repeat_window_days, partnership.retention_days) == (180, 1000)
    assert (partnership.risk_medium_from, partnership.risk_high_from) == (5, 10)
    # Every row is still there, and each belongs to the partnership.
    assert {a.name for a in Area.objects.filter(partnership=partnership)} == {
        "Old Town",
        "New Town",
    }
    assert set(partnership.agencies.values_list("name", flat=True)) == {
        "Old Police",
        "Old Council",
    }
    assert set(partnership.members.values_list("username", flat=True)) == {
        "old-officer",
        "old-coordinator",
        "system",
    }
    roles = RoleAssignment.objects.order_by("role")
    assert [(r.member.username, r.role, r.partnership_id) for r in roles] == [
        ("old-coordinator", "csp_coordinator", partnership.pk),
        ("old-officer", "senior_police_officer", partnership.pk),
    ]
    assert roles.get(role="csp_coordinator").deputy == Member.objects.get(username="old-officer")
    for model, count in [
        (ProtocolVersion, 2),
        (Incident, 1),
        (Person, 2),
        (Referral, 1),
        (Conference, 1),
    ]:
        assert model._default_manager.filter(partnership=partnership).count() == count, (
            model.__name__
        )
    incident = Incident.objects.get(pk=made["incident"])
    assert (incident.title, incident.area.name, incident.protocol.name) == (  # type: ignore[union-attr]
        "Old incident",
        "Old Town",
        "Old protocol",
    )
    assert Person.objects.get(pk=made["person"]).full_name == "Old Victim"
    # Roles are read in that partnership, as before.
    officer = Member.objects.get(username="old-officer")
    assert officer.partnership == partnership
    assert officer.held_roles == {"senior_police_officer"}
    assert officer.acting_roles == {"senior_police_officer", "csp_coordinator"}


def test_an_empty_database_gets_no_partnership_from_the_migration() -> None:
    executor = _migrate(BEFORE)
    _migrate(executor.loader.graph.leaf_nodes())
    assert not Partnership.objects.exists()
    assert not Agency.objects.exists()
