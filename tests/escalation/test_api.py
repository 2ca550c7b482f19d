from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from escalation.models import Incident
from escalation.services import duty_waiting_for
from partnership.models import Area, Member
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _post(client: Client, path: str, body: dict[str, object] | None = None) -> Any:
    return client.post(path, body or {}, content_type="application/json")


def test_report_declare_and_list_duties(client_for: ClientFor, demo: dict[str, Member]) -> None:
    officer = client_for("officer")
    created = _post(officer, "/api/incidents/", factories.incident_body())
    assert created.status_code == 201, created.content
    incident = created.json()
    assert incident["state"] == "reported"
    assert incident["strands"] == ["race", "religion"]

    declared = _post(
        officer,
        f"/api/incidents/{incident['id']}/determination/",
        {"is_major": True, "rationale": "Disorder likely tonight."},
    )
    assert declared.status_code == 201, declared.content
    assert declared.json()["state"] == "declared_major"
    assert declared.json()["protocol_version"] == 1

    duties = client_for("crro").get(f"/api/incidents/{incident['id']}/duties/").json()
    assert [d["step"] for d in duties][:3] == [
        "refer-to-crro",
        "inform-rec",
        "inform-csp-coordinator",
    ]
    first, second = duties[0], duties[1]
    assert first["state"] == "done"
    assert first["completed_by"] is None
    assert second["owner_role"] == "crro"
    assert second["due_explanation"].startswith("Immediately (target 1 hour)")
    assert set(second) >= {
        "step",
        "description",
        "owner_role",
        "state",
        "due_at",
        "due_explanation",
        "completed_at",
        "completed_by",
    }
    staff = next(d for d in duties if d["step"] == "notify-chief-officer")
    assert staff["waiting_for"] == ["inform-csp-coordinator"]

    done = _post(
        client_for("crro"), f"/api/duties/{second['id']}/complete/", {"message": "REC told."}
    )
    assert done.status_code == 200
    assert done.json()["state"] == "done"
    assert done.json()["completed_by"] == "crro"


def test_bad_report_is_a_400_that_names_the_fields_and_changes_nothing(
    client_for: ClientFor,
) -> None:
    response = _post(
        client_for("officer"),
        "/api/incidents/",
        factories.incident_body(strands=["weather"], tension_level="apocalyptic", area_id=99999),
    )
    assert response.status_code == 400
    assert {"strands", "tension_level"} <= set(response.json())
    future = _post(
        client_for("officer"),
        "/api/incidents/",
        factories.incident_body(occurred_at=timezone.now() + timedelta(days=1)),
    )
    assert future.status_code == 400
    assert "future" in future.json()["occurred_at"][0]
    assert Incident.objects.count() == 0


def test_illegal_moves_are_409_with_a_clear_message(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    officer = client_for("officer")
    again = _post(
        officer,
        f"/api/incidents/{incident.pk}/determination/",
        {"is_major": False, "rationale": "x"},
    )
    assert again.status_code == 409
    assert "already been declared major" in again.json()["detail"]
    close = _post(client_for("coordinator"), f"/api/incidents/{incident.pk}/close/")
    assert close.status_code == 409
    assert "stand it down first" in close.json()["detail"]
    waiting = incident.duties.get(step_code="notify-chief-officer")
    response = _post(
        client_for("coordinator"), f"/api/duties/{waiting.pk}/complete/", {"message": "m"}
    )
    assert response.status_code == 409
    assert "waits for" in response.json()["detail"]


def test_determination_in_the_future_is_a_400(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident()
    response = _post(
        client_for("officer"),
        f"/api/incidents/{incident.pk}/determination/",
        {
            "is_major": True,
            "rationale": "r",
            "determined_at": (timezone.now() + timedelta(hours=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "future" in response.json()["determined_at"][0]


def test_wrong_role_is_403_and_unshared_incident_is_404(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    response = _post(
        client_for("crro"), f"/api/incidents/{incident.pk}/stand-down/", {"reason": "calm"}
    )
    assert response.status_code == 403
    assert "senior police officer" in response.json()["detail"]
    # Another agency's panel member was never told about it: its existence is not disclosed.
    hidden = client_for("panel-housing").get(f"/api/incidents/{incident.pk}/")
    assert hidden.status_code == 404
    assert incident.title not in hidden.content.decode()
    assert client_for("panel-housing").get("/api/incidents/").json() == []
    # Any agency may record an incident, and then sees the ones it recorded.
    mine = client_for("panel-housing").post(
        "/api/incidents/", factories.incident_body(), content_type="application/json"
    )
    assert mine.status_code == 201
    listed = client_for("panel-housing").get("/api/incidents/").json()
    assert [i["id"] for i in listed] == [mine.json()["id"]]


def test_people_told_about_an_incident_can_read_it(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    from escalation import services

    incident = factories.incident_declared()
    assert client_for("staff").get(f"/api/incidents/{incident.pk}/").status_code == 404
    services.duty_complete(
        actor=demo["crro"],
        duty_id=incident.duties.get(step_code="inform-csp-coordinator").pk,
        message="m",
    )
    services.duty_complete(
        actor=demo["coordinator"],
        duty_id=incident.duties.get(step_code="inform-operational-staff").pk,
        message="Staff: alert.",
    )
    assert client_for("staff").get(f"/api/incidents/{incident.pk}/").status_code == 200
    assert [i["id"] for i in client_for("staff").get("/api/incidents/").json()] == [incident.pk]


def test_list_filters_by_state_area_and_strand(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    declared = factories.incident_declared(strands=["disability"])
    reported = factories.incident(area=Area.objects.get(name="Wolverton"), strands=["race"])
    gold = client_for("gold")

    def ids(query: str) -> list[int]:
        return [i["id"] for i in gold.get(f"/api/incidents/?{query}").json()]

    assert ids("state=declared_major") == [declared.pk]
    assert ids(f"area={reported.area_id}") == [reported.pk]
    assert ids("strand=disability") == [declared.pk]
    assert gold.get("/api/incidents/?state=exploded").status_code == 400


def test_waive_and_stand_down_then_close(demo: dict[str, Member], client_for: ClientFor) -> None:
    incident = factories.incident_declared()
    coordinator = client_for("coordinator")
    for duty in incident.duties.exclude(state="done"):
        response = _post(coordinator, f"/api/duties/{duty.pk}/waive/", {"reason": "Exercise only."})
        assert response.status_code == 200, response.content
    assert (
        _post(coordinator, f"/api/duties/{duty.pk}/waive/", {"reason": "again"}).status_code == 409
    )
    assert (
        _post(client_for("officer"), f"/api/incidents/{incident.pk}/stand-down/", {}).status_code
        == 400
    )
    assert (
        _post(
            client_for("officer"), f"/api/incidents/{incident.pk}/stand-down/", {"reason": "Calm."}
        ).status_code
        == 200
    )
    closed = _post(coordinator, f"/api/incidents/{incident.pk}/close/")
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed"


def test_schema_describes_the_escalation_endpoints(client_for: ClientFor) -> None:
    schema = client_for("admin").get("/api/schema/?format=json").json()
    for path in (
        "/api/incidents/",
        "/api/incidents/{id}/determination/",
        "/api/incidents/{id}/duties/",
        "/api/duties/{id}/complete/",
        "/api/duties/{id}/waive/",
    ):
        assert path in schema["paths"], path
    assert client_for("admin").get("/api/docs/").status_code == 200


def test_linking_incidents_as_a_series(demo: dict[str, Member], client_for: ClientFor) -> None:
    first, second = factories.incident(), factories.incident()
    linked = _post(client_for("crro"), f"/api/incidents/{first.pk}/links/", {"other_id": second.pk})
    assert linked.status_code == 201
    assert linked.json()["connected"] == [second.pk]
    assert client_for("gold").get(f"/api/incidents/{second.pk}/").json()["connected"] == [first.pk]
    assert (
        _post(
            client_for("crro"), f"/api/incidents/{first.pk}/links/", {"other_id": first.pk}
        ).status_code
        == 400
    )
    assert (
        _post(
            client_for("staff"), f"/api/incidents/{first.pk}/links/", {"other_id": second.pk}
        ).status_code
        == 404
    )
    assert (
        _post(
            client_for("panel-police"), f"/api/incidents/{first.pk}/links/", {"other_id": second.pk}
        ).status_code
        == 403
    )


def test_an_incidents_duties_are_listed_in_the_same_queries_however_many_wait(
    demo: dict[str, Member], client_for: ClientFor, django_assert_max_num_queries: Any
) -> None:
    """Each open duty's ``waiting_for`` comes from the list already read (it was a query per
    waiting duty), with the same answer as asking for the one duty."""
    incident = factories.incident_declared()
    client = client_for("crro")
    client.get(f"/api/incidents/{incident.pk}/duties/")  # the session and the member, warmed
    with django_assert_max_num_queries(9):
        duties = client.get(f"/api/incidents/{incident.pk}/duties/").json()
    waiting = [d for d in duties if d["waiting_for"]]
    assert waiting, "no duty waits: the test tests nothing"
    for duty in waiting:
        one = incident.duties.get(pk=duty["id"])
        assert duty["waiting_for"] == [d.step_code for d in duty_waiting_for(one)]
