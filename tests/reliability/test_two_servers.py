"""Several processes, one truth: two Daphne servers and two schedulers on loopback ports."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from escalation.models import Duty, DutyState
from notifications.models import LadderRung
from partnership.models import AuditEvent
from tests import factories
from tests.processes import AlertClient, Stack, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

DECLARE = {"is_major": True, "rationale": "Disorder likely tonight."}


def _declared(event: dict[str, Any]) -> bool:
    # "Major incident in Woughton declared 14:02 (HC-00012): for your information. …"
    title = str(event.get("title", ""))
    return title.startswith("Major incident in ") and " declared " in title


def test_an_alert_caused_on_one_server_reaches_a_client_on_the_other(
    stack: Stack, tokens: dict[str, str]
) -> None:
    a, b = stack.daphne(), stack.daphne()
    status, incident = b.call(
        "POST", "/api/incidents/", tokens["officer"], factories.incident_body()
    )
    assert status == 201, incident

    async def scenario() -> float:
        client = AlertClient(tokens["coordinator"])
        await client.connect(a)
        began = time.monotonic()
        status, body = await asyncio.to_thread(
            b.call,
            "POST",
            f"/api/incidents/{incident['id']}/determination/",
            tokens["officer"],
            DECLARE,
        )
        assert status == 201, body
        await client.receive_until(lambda events: any(_declared(e) for e in events), timeout=10)
        await client.close()
        return time.monotonic() - began

    took = asyncio.run(scenario())
    assert took < 5


def test_with_two_schedulers_every_deadline_and_rung_fires_exactly_once(
    stack: Stack, tokens: dict[str, str]
) -> None:
    server = stack.daphne()
    incidents = []
    for n in range(3):
        status, incident = server.call(
            "POST",
            "/api/incidents/",
            tokens["officer"],
            factories.incident_body(title=f"Incident {n}"),
        )
        assert status == 201
        status, _ = server.call(
            "POST", f"/api/incidents/{incident['id']}/determination/", tokens["officer"], DECLARE
        )
        assert status == 201
        incidents.append(incident["id"])
    ladder = [{"after_seconds": 0, "to": "owner"}, {"after_seconds": 1, "to": "deputy"}]
    duties = list(Duty.objects.filter(incident_id__in=incidents, state=DutyState.PENDING))
    for n, duty in enumerate(duties):
        # Test arrangement: bring the deadlines forward (the engine's own are an hour away).
        Duty.objects.filter(pk=duty.pk).update(
            due_at=timezone.now() + timedelta(seconds=2 + (n % 3)), ladder=ladder
        )
    stack.scheduler()
    stack.scheduler()
    wait_for(
        lambda: LadderRung.objects.filter(duty__in=duties).count() >= 2 * len(duties),
        timeout=40,
        what="every rung fired",
    )
    time.sleep(2)  # every chance for a double firing
    for duty in duties:
        assert AuditEvent.objects.filter(verb="duty.overdue", subject_id=str(duty.pk)).count() == 1
        assert [r.index for r in LadderRung.objects.filter(duty=duty)] == [0, 1]
