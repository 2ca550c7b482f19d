"""The casework API and its schema: cases (with their reviews and links), reports from anyone,
the intake queue, shared information, tension, people's parts and case review, through the same
services as the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from casework import services
from conference.models import RepeatFlag
from partnership.demo import PARTNERSHIP_SLUG
from partnership.models import Member
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db

CASEWORK_PATHS = (
    "/api/cases/",
    "/api/cases/{id}/",
    "/api/cases/{id}/reopen/",
    "/api/cases/{id}/close/",
    "/api/cases/reviews/",
    "/api/cases/reviews/{id}/",
    "/api/cases/reviews/{id}/agenda/",
    "/api/cases/reviews/items/{id}/outcome/",
    "/api/reports/",
    "/api/reports/more/",
    "/api/intake/",
    "/api/intake/centre/",
    "/api/intake/{id}/triage/",
    "/api/information/",
    "/api/tension/",
    "/api/tension/areas/{id}/",
    "/api/incidents/{id}/people/",
    "/api/people/duplicates/",
    "/api/people/merges/",
)


def _post(client: Client, path: str, body: dict[str, object] | None = None) -> Any:
    return client.post(path, body or {}, content_type="application/json")


def test_the_schema_describes_casework_reports_intake_information_tension_and_peoples_parts(
    client_for: ClientFor,
) -> None:
    schema = client_for("admin").get("/api/schema/?format=json").json()
    missing = [path for path in CASEWORK_PATHS if path not in schema["paths"]]
    assert not missing
    parts = schema["components"]["schemas"]["InvolvementEnum"]["enum"]
    assert set(parts) == {"victim", "witness", "perpetrator", "reporter"}
    outcome = schema["paths"]["/api/cases/reviews/items/{id}/outcome/"]["post"]
    assert "requestBody" in outcome


def test_an_anonymous_report_to_a_case_reviewed_and_a_perpetrator_flagged_over_the_api(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    lead = demo["member"]
    assert lead.agency is not None
    services.case_rule_add(actor=demo["coordinator"], lead_agency=lead.agency, lead_officer=lead)
    area = factories.area()
    sent = _post(
        Client(),
        "/api/reports/",
        {
            "partnership": PARTNERSHIP_SLUG,
            "what_happened": "Eggs thrown at the shop window again, with shouted abuse.",
            "reporter_kind": "victim",
            "anonymous": True,
        },
    )
    assert sent.status_code == 201
    coordinator = client_for("coordinator")
    (queued,) = coordinator.get("/api/intake/").json()
    triaged = _post(
        coordinator,
        f"/api/intake/{queued['id']}/triage/",
        {
            "decision": "incident_case",
            "reason": "Repeated abuse of a shopkeeper.",
            "title": "Abuse at a corner shop",
            "area_id": area.pk,
            "tension_level": "elevated",
            "strands": ["race"],
        },
    )
    assert triaged.status_code == 200
    cases = coordinator.get("/api/cases/").json()["cases"]
    (case,) = cases  # the report's, the only case
    assert case["lead_officer"] == lead.username
    assert case["reviews"] == []
    assert case["follows"] == []
    assert case["next_review_on"] is None

    # Two incidents with the same suspect: their part, over the API, flags a repeat perpetrator.
    suspect = factories.person(by=demo["coordinator"], full_name="A Suspect")
    for incident_id in (case["incident"], factories.incident().pk):
        linked = _post(
            coordinator,
            f"/api/incidents/{incident_id}/people/",
            {"person_id": suspect.pk, "involvement": "perpetrator"},
        )
        assert linked.status_code == 201
    assert RepeatFlag.objects.filter(person=suspect, kind="repeat_perpetrator").exists()

    # The casework group reviews it.
    meeting = factories.conference(kind="casework", title="Casework group")
    listed = _post(coordinator, f"/api/cases/reviews/{meeting.pk}/agenda/")
    assert listed.status_code == 201
    (review,) = listed.json()
    assert review["case"] == case["id"]
    assert _post(coordinator, f"/api/cases/reviews/{meeting.pk}/agenda/").status_code == 409
    chair = client_for("chair")
    _post(chair, f"/api/conferences/{meeting.pk}/open/")
    next_review = (timezone.localdate() + timedelta(days=28)).isoformat()
    recorded = _post(
        chair,
        f"/api/cases/reviews/items/{review['id']}/outcome/",
        {"outcome": "continue", "next_review_on": next_review, "notes": "Locks fitted."},
    )
    assert recorded.status_code == 200
    assert recorded.json()["outcome"] == "continue"
    detail = coordinator.get(f"/api/cases/{case['id']}/").json()
    assert detail["next_review_on"] == next_review
    assert detail["reviews"][0]["notes"] == "Locks fitted."
    shown = chair.get(f"/api/cases/reviews/{meeting.pk}/").json()["reviews"]
    assert shown[0]["outcome"] == "continue"
    assert shown[0]["notes"] is None  # the chair does not see the case itself

    # Information and tension.
    shared = _post(
        client_for("member"),
        "/api/information/",
        {
            "text": "More leaflets.",
            "source_grade": "2",
            "information_grade": "B",
            "area_id": area.pk,
        },
    )
    assert shared.status_code == 201
    rose = _post(
        client_for("crro"),
        "/api/tension/",
        {"area_id": area.pk, "level": "high", "reason": "Leaflets.", "source": "Patrol"},
    )
    assert rose.status_code == 201
    history = client_for("member").get(f"/api/tension/areas/{area.pk}/").json()
    assert history


def test_the_coordinator_reopens_a_closed_case_over_the_api(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident()
    case = services.case_open(actor=demo["coordinator"], incident_id=incident.pk)
    coordinator = client_for("coordinator")
    closed = _post(
        coordinator,
        f"/api/cases/{case.pk}/close/",
        {"outcome": "resolved", "victim_view": "Content."},
    )
    assert closed.status_code == 200
    assert (
        _post(client_for("crro"), f"/api/cases/{case.pk}/reopen/", {"reason": "x"}).status_code
        == 403
    )
    reopened = _post(coordinator, f"/api/cases/{case.pk}/reopen/", {"reason": "New threats."})
    assert reopened.status_code == 200
    assert reopened.json()["state"] == "open"
    assert (
        _post(coordinator, f"/api/cases/{case.pk}/reopen/", {"reason": "Again."}).status_code == 409
    )


def test_the_schema_builds_without_a_warning(tmp_path: Any) -> None:
    # A name collision among choice sets (two "outcome" enums) renames a component at random:
    # every enum the casework API shows is named in settings.SPECTACULAR's overrides.
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
