from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from escalation import services
from escalation.models import Incident
from partnership.models import Area, Member


@pytest.fixture
def report(demo: dict[str, Member]) -> Any:
    """Record an incident as the demo officer."""

    def make(**overrides: Any) -> Incident:
        fields: dict[str, Any] = {
            "reporter": demo["officer"],
            "title": "Graffiti and threats at community centre",
            "description": "Racist graffiti sprayed on the centre; threats shouted at staff.",
            "occurred_at": timezone.now() - timedelta(hours=2),
            "area": Area.objects.get(name="Bletchley"),
            "strands": ["race", "religion"],
            "tension_level": "high",
            "location": "Queensway",
            "safeguarding_steps": "Patrols doubled around the centre overnight.",
        }
        fields.update(overrides)
        return services.incident_report(**fields)

    return make


@pytest.fixture
def declare(demo: dict[str, Member], report: Any) -> Any:
    def make(at: datetime | None = None, **overrides: Any) -> Incident:
        if at is not None:
            overrides.setdefault("occurred_at", at - timedelta(hours=1))
        incident: Incident = report(**overrides)
        services.incident_determine(
            officer=demo["officer"],
            incident_id=incident.pk,
            is_major=True,
            rationale="Likely to generate disorder: crowds gathering.",
            determined_at=at,
        )
        incident.refresh_from_db()
        return incident

    return make
