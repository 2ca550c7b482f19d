"""The API's schema (OpenAPI, the one ``/api/schema/`` serves) covers every door of issue 16:
gold groups (convening, seating, standing down, sharing), decisions, the communications plan,
debriefs and their actions, the 14-day report, the six-monthly reports and the strategy action
plan, each operation with the body it takes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from partnership.auth import token_issue
from partnership.models import Member

pytestmark = pytest.mark.django_db

# Path, method, and the body's fields the schema must name (none: no body).
OPERATIONS: list[tuple[str, str, tuple[str, ...]]] = [
    ("/api/gold-groups/", "get", ()),
    ("/api/gold-groups/", "post", ("incident_id", "title", "member_ids")),
    ("/api/gold-groups/{pk}/", "get", ()),
    ("/api/gold-groups/{pk}/share/", "post", ("shares",)),
    ("/api/gold-groups/{pk}/seats/", "post", ("member_ids",)),
    ("/api/gold-groups/{pk}/stand-down/", "post", ("reason",)),
    ("/api/gold-groups/{pk}/decisions/", "get", ()),
    (
        "/api/gold-groups/{pk}/decisions/",
        "post",
        ("information", "threat_and_risk", "powers_and_policies", "options", "review_at"),
    ),
    ("/api/gold-groups/{pk}/comms/", "get", ()),
    ("/api/gold-groups/{pk}/comms/", "post", ("audiences", "message", "channel", "approver_id")),
    ("/api/comms/{pk}/approve/", "post", ()),
    ("/api/comms/{pk}/sent/", "post", ()),
    ("/api/comms/{pk}/answer/", "post", ("response",)),
    ("/api/incidents/{pk}/debrief/", "get", ()),
    ("/api/incidents/{pk}/debrief/", "post", ("what_happened", "lessons", "actions")),
    ("/api/incidents/{pk}/debrief/actions/", "post", ("description", "owner_id", "due_on")),
    ("/api/plan-actions/{pk}/complete/", "post", ("outcome",)),
    ("/api/plan-actions/{pk}/notes/", "post", ("text",)),
    ("/api/incidents/{pk}/report/", "get", ()),
    ("/api/incidents/{pk}/report/", "post", ()),
    ("/api/incidents/{pk}/report/", "patch", ("what_members_should_do",)),
    ("/api/incidents/{pk}/report/approve/", "post", ()),
    ("/api/incidents/{pk}/report/pdf/", "get", ()),
    ("/api/reports/six-monthly/", "get", ()),
    ("/api/reports/six-monthly/", "post", ("start", "end")),
    ("/api/reports/six-monthly/{pk}/", "get", ()),
    ("/api/reports/six-monthly/{pk}/pdf/", "get", ()),
    ("/api/reports/six-monthly/{pk}/csv/", "get", ()),
    ("/api/strategy/actions/", "get", ()),
    ("/api/strategy/actions/", "post", ("description", "owner_id", "due_on")),
]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_the_schema_covers_gold_debriefs_reports_and_the_action_plan(
    demo: dict[str, Member],
) -> None:
    client = Client(
        headers={"Authorization": f"Token {token_issue(member=demo['coordinator']).key}"}
    )
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    paths = {path.replace("{id}", "{pk}"): ops for path, ops in schema["paths"].items()}
    missing, bodies = [], []
    for path, method, fields in OPERATIONS:
        operation = paths.get(path, {}).get(method)
        if operation is None:
            missing.append(f"{method.upper()} {path}")
            continue
        if fields:
            content = operation["requestBody"]["content"]["application/json"]["schema"]
            named = set(_resolve(schema, content).get("properties", {}))
            if not set(fields) <= named:
                bodies.append(f"{method.upper()} {path}: {sorted(set(fields) - named)}")
    assert not missing, f"operations missing from the schema: {missing}"
    assert not bodies, f"bodies missing fields: {bodies}"
    # Every operation is named apart (no two share an operationId).
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
