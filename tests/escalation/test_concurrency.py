"""Two officers racing for the same move: one wins, the other gets a conflict, nothing doubles."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from escalation import services
from escalation.models import Determination, Duty, IncidentState
from partnership.errors import ConflictError
from partnership.models import Member, Role
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _second_officer(demo: dict[str, Member]) -> Member:
    return factories.member(
        username="officer2", agency=demo["officer"].agency, roles=[Role.SENIOR_POLICE_OFFICER]
    )


def _race(calls: list[Any]) -> list[BaseException | object]:
    results: list[BaseException | object] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except BaseException as exc:  # the outcome being tested
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_officers_declaring_at_once_get_one_declaration(demo: dict[str, Member]) -> None:
    incident = factories.incident()
    officers = [demo["officer"], _second_officer(demo)]
    results = _race(
        [
            lambda o=o: services.incident_determine(
                officer=o, incident_id=incident.pk, is_major=True, rationale="Disorder likely."
            )
            for o in officers
        ]
    )
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    successes = [r for r in results if isinstance(r, services.DeterminationResult)]
    assert len(successes) == 1, results
    assert len(conflicts) == 1, results
    assert "already been declared major" in str(conflicts[0])
    assert Determination.objects.filter(incident=incident).count() == 1
    assert Duty.objects.filter(incident=incident).count() == 8
    incident.refresh_from_db()
    assert incident.state == IncidentState.DECLARED_MAJOR


def test_racing_over_the_api_gives_one_201_and_one_409(demo: dict[str, Member]) -> None:
    incident = factories.incident()
    clients = []
    for officer in (demo["officer"], _second_officer(demo)):
        client = Client()
        client.force_login(officer)
        clients.append(client)
    results = _race(
        [
            lambda c=c: (
                c.post(
                    f"/api/incidents/{incident.pk}/determination/",
                    {"is_major": True, "rationale": "Crowds gathering."},
                    content_type="application/json",
                ).status_code
            )
            for c in clients
        ]
    )
    assert sorted(results) == [201, 409]  # type: ignore[type-var]
    assert Duty.objects.filter(incident=incident).count() == 8


def test_completing_and_waiving_the_same_duty_at_once(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    duty = incident.duties.get(step_code="inform-rec")
    results = _race(
        [
            lambda: services.duty_complete(actor=demo["crro"], duty_id=duty.pk, message="Told."),
            lambda: services.duty_waive(
                actor=demo["coordinator"], duty_id=duty.pk, reason="Not needed."
            ),
        ]
    )
    assert sum(isinstance(r, Duty) for r in results) == 1, results
    assert sum(isinstance(r, ConflictError) for r in results) == 1, results


def test_two_runs_at_once_still_fire_each_rung_once(demo: dict[str, Member]) -> None:
    """As if two schedulers both believed they led (a moment after a PostgreSQL restart)."""
    from datetime import timedelta

    from escalation.jobs import escalation_run
    from notifications.models import LadderRung
    from partnership.models import AuditEvent

    incidents = [factories.incident_declared() for _ in range(3)]
    later = max(d.due_at for i in incidents for d in i.duties.all()) + timedelta(days=30)
    results = _race([lambda: escalation_run(now=later) for _ in range(3)])
    assert not [r for r in results if isinstance(r, BaseException)], results
    for incident in incidents:
        # The steps waiting for the CSP Co-ordinator to be told never climb: that step does.
        assert not LadderRung.objects.filter(duty__incident=incident, duty__state="waiting")
        for duty in incident.duties.exclude(step_code="refer-to-crro").exclude(state="waiting"):
            assert [r.index for r in LadderRung.objects.filter(duty=duty)] == [0, 1, 2, 3]
            assert (
                AuditEvent.objects.filter(verb="duty.overdue", subject_id=str(duty.pk)).count() == 1
            )
