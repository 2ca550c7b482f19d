from __future__ import annotations

import copy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from escalation import services
from escalation.models import ProtocolState, ProtocolStep
from escalation.protocol import DEFAULT_STEPS
from partnership.errors import ConflictError
from partnership.models import Member
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def test_a_new_version_never_changes_a_running_incident(demo: dict[str, Member]) -> None:
    running = factories.incident_declared()
    before = list(running.duties.order_by("order").values_list("description", "due_at", "ladder"))

    steps = copy.deepcopy(DEFAULT_STEPS)
    steps[1]["description"] = "Telephone the Racial Equality Council"
    steps[5]["deadline_kind"], steps[5]["deadline_amount"] = "hours", 4
    v2 = services.protocol_version_create(
        partnership=factories.partnership(), actor=demo["admin"], name="Local protocol", steps=steps
    )
    services.protocol_version_publish(actor=demo["admin"], version=v2)
    # Even an edit behind the product's back to the old version's steps changes nothing running.
    ProtocolStep.objects.filter(version=running.protocol).update(description="edited")

    after = list(running.duties.order_by("order").values_list("description", "due_at", "ladder"))
    assert after == before
    assert running.protocol is not None
    running.protocol.refresh_from_db()
    assert running.protocol.state == ProtocolState.RETIRED

    newer = factories.incident_declared()
    assert newer.protocol == v2
    assert (
        newer.duties.get(step_code="inform-rec").description
        == "Telephone the Racial Equality Council"
    )
    staff = newer.duties.get(step_code="inform-operational-staff")
    assert staff.due_explanation.startswith("4 hours from")


def test_only_administrators_manage_versions(demo: dict[str, Member]) -> None:
    with pytest.raises(PermissionDenied):
        services.protocol_version_create(
            partnership=factories.partnership(),
            actor=demo["coordinator"],
            name="x",
            steps=DEFAULT_STEPS,
        )


def test_invalid_steps_are_refused(demo: dict[str, Member]) -> None:
    steps = copy.deepcopy(DEFAULT_STEPS)
    steps[1]["waits_for"] = ["partnership-report"]  # a later step
    with pytest.raises(ValidationError, match="not an earlier step"):
        services.protocol_version_create(
            partnership=factories.partnership(), actor=demo["admin"], name="bad", steps=steps
        )
    steps = copy.deepcopy(DEFAULT_STEPS)
    steps[2]["informs"] = ["role:astronaut"]
    with pytest.raises(ValidationError, match="is not an audience"):
        services.protocol_version_create(
            partnership=factories.partnership(), actor=demo["admin"], name="bad", steps=steps
        )


def test_publishing_twice_is_a_conflict(demo: dict[str, Member]) -> None:
    version = services.protocol_version_create(
        partnership=factories.partnership(), actor=demo["admin"], name="v", steps=DEFAULT_STEPS
    )
    services.protocol_version_publish(actor=demo["admin"], version=version)
    with pytest.raises(ConflictError, match="not a draft"):
        services.protocol_version_publish(actor=demo["admin"], version=version)


def test_admin_edits_steps_of_a_draft_only(client_for: ClientFor, demo: dict[str, Member]) -> None:
    published = services.protocol_current(factories.partnership())
    admin = client_for("admin")
    assert admin.get("/admin/escalation/protocolversion/").status_code == 200
    page = admin.get(f"/admin/escalation/protocolversion/{published.pk}/change/")
    assert page.status_code == 200
    assert b'name="steps-0-description"' not in page.content  # read-only once published
    assert client_for("coordinator").get("/admin/escalation/protocolversion/").status_code == 302
