from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from escalation import services
from escalation.models import Incident
from partnership.models import Area, Member


@pytest.fixture
def declared(demo: dict[str, Member]) -> Any:
    """Report and declare a major incident; returns the incident."""

    def make() -> Incident:
        incident = services.incident_report(
            reporter=demo["officer"],
            title="Disorder after march",
            description="Groups clashed after a march; slogans targeting Muslim residents.",
            occurred_at=timezone.now() - timedelta(hours=1),
            area=Area.objects.get(name="Bletchley"),
            strands=["religion"],
            tension_level="critical",
            safeguarding_steps="Dispersal order in force; patrols at the mosque.",
        )
        services.incident_determine(
            officer=demo["officer"], incident_id=incident.pk, is_major=True, rationale="Disorder."
        )
        return incident

    return make


@pytest.fixture
def report(demo: dict[str, Member]) -> Any:
    def make() -> Incident:
        return services.incident_report(
            reporter=demo["officer"],
            title="Threats at takeaway",
            description="Staff threatened by a group; racist abuse shouted.",
            occurred_at=timezone.now() - timedelta(hours=1),
            area=Area.objects.get(name="Wolverton"),
            strands=["race"],
            tension_level="elevated",
        )

    return make


@pytest.fixture
def declared_later(declared: Any) -> Any:
    """``declared`` from async tests."""
    from asgiref.sync import sync_to_async

    async def make() -> Incident:
        incident: Incident = await sync_to_async(declared)()
        return incident

    return make
