"""The 14-day report (protocol step 8): composed from the incident, edited and approved by the CSP
Co-ordinator, sent to every member of the partnership, acknowledged on the notifications it went
out on, stored as sent, and downloadable as a PDF marked OFFICIAL-SENSITIVE with page numbers
(read back here: text and page count)."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from escalation.models import DutyState
from notifications.models import Notification
from partnership.auth import token_issue
from partnership.demo import NEIGHBOUR_SLUG, demo_load
from partnership.models import AuditEvent, Member
from partnership.selectors import members_active
from review.models import FourteenDayReport
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db

ADVICE = "Reassure staff at every mosque and community centre; report any further graffiti."


def _api(member: Member, partnership: str | None = None) -> Client:
    headers = {"Authorization": f"Token {token_issue(member=member).key}"}
    if partnership is not None:
        headers["X-Partnership"] = partnership
    return Client(headers=headers)


def _json(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json"
    )


def _declared(demo: dict[str, Member]) -> int:
    """A major incident whose CRRO has informed the co-ordinator (what step 8 waits for)."""
    incident = factories.incident_declared(rationale="Crowds gathering outside the mosque.")
    factories.duty_done(incident, "inform-csp-coordinator", by=demo["crro"])
    return incident.pk


def _text(pdf: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), [page.extract_text() for page in reader.pages]


def test_the_report_is_composed_from_the_incident(demo: dict[str, Member]) -> None:
    pk = _declared(demo)
    response = _json(_api(demo["coordinator"]), "post", f"/api/incidents/{pk}/report/")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "draft"
    assert "Racist graffiti sprayed on the centre" in data["what_happened"]
    assert "Crowds gathering outside the mosque." in data["immediate_outcome"]
    assert "Patrols doubled around the centre overnight." in data["immediate_outcome"]
    assert "Inform the Community Safety Partnership Co-ordinator" in data["actions_taken"]
    assert data["current_tension"] == "High."
    assert data["what_members_should_do"] == ""
    again = _json(_api(demo["coordinator"]), "post", f"/api/incidents/{pk}/report/")
    assert again.status_code == 409


def test_the_approved_report_reaches_every_member_and_records_who_acknowledged(
    demo: dict[str, Member],
) -> None:
    pk = _declared(demo)
    coordinator = _api(demo["coordinator"])
    _json(coordinator, "post", f"/api/incidents/{pk}/report/")
    # Without what members should do it is not approved, and nothing is sent.
    refused = _json(coordinator, "post", f"/api/incidents/{pk}/report/approve/")
    assert refused.status_code == 400
    assert "what_members_should_do" in refused.json()
    assert not Notification.objects.filter(subject_type="review.fourteendayreport").exists()

    edited = _json(
        coordinator, "patch", f"/api/incidents/{pk}/report/", {"what_members_should_do": ADVICE}
    )
    assert edited.status_code == 200, edited.content
    sent = _json(coordinator, "post", f"/api/incidents/{pk}/report/approve/")
    assert sent.status_code == 200, sent.content

    members = set(
        members_active(factories.partnership())
        .filter(agency__isnull=False)
        .values_list("username", flat=True)
    )
    assert len(members) > 10
    report = FourteenDayReport.objects.get(incident_id=pk)
    notes = Notification.objects.filter(
        subject_type="review.fourteendayreport", subject_id=str(report.pk)
    )
    assert sorted(notes.values_list("recipient__username", flat=True)) == sorted(members)
    assert report.recipients == len(members)
    assert all(ADVICE in body for body in notes.values_list("body", flat=True))
    # The step is done, by the report (its own message sent nothing more).
    duty = factories.duty(report.incident, "partnership-report")
    assert duty.state == DutyState.DONE
    assert not Notification.objects.filter(subject_type="escalation.duty", subject_id=str(duty.pk))

    for username in ("member", "panel-health"):
        note = notes.get(recipient__username=username)
        acked = _json(_api(demo[username]), "post", f"/api/notifications/{note.pk}/acknowledge/")
        assert acked.status_code == 200, acked.content
    shown = _json(_api(demo["gold"]), "get", f"/api/incidents/{pk}/report/").json()
    acknowledged = {d["recipient"] for d in shown["deliveries"] if d["acknowledged_at"]}
    assert acknowledged == {"member", "panel-health"}
    assert {d["recipient"] for d in shown["deliveries"]} == members

    # Stored as sent: no more edits, no second sending.
    late_edit = _json(
        coordinator, "patch", f"/api/incidents/{pk}/report/", {"current_tension": "Low."}
    )
    assert late_edit.status_code == 409
    assert _json(coordinator, "post", f"/api/incidents/{pk}/report/approve/").status_code == 409
    assert notes.count() == len(members)


def test_the_pdf_is_marked_on_every_page_numbered_and_stored_as_sent(
    demo: dict[str, Member],
) -> None:
    pk = _declared(demo)
    coordinator = _api(demo["coordinator"])
    _json(coordinator, "post", f"/api/incidents/{pk}/report/")
    assert _json(coordinator, "get", f"/api/incidents/{pk}/report/pdf/").status_code == 409
    # Long enough to run over a page.
    actions = "\n".join(f"- Patrol {n} of the Queensway estate completed." for n in range(80))
    _json(
        coordinator,
        "patch",
        f"/api/incidents/{pk}/report/",
        {"what_members_should_do": ADVICE, "actions_taken": actions},
    )
    _json(coordinator, "post", f"/api/incidents/{pk}/report/approve/")
    report = FourteenDayReport.objects.get(incident_id=pk)

    response = _api(demo["member"]).get(f"/api/incidents/{pk}/report/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert hashlib.sha256(pdf).hexdigest() == report.pdf_sha256
    pages, texts = _text(pdf)
    assert pages >= 2
    for number, text in enumerate(texts, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, text  # header and footer
        assert f"Page {number} of {pages}" in text
    whole = "\n".join(texts)
    for heading in ("What happened", "The immediate outcome", "Actions taken", "Current tension"):
        assert heading in whole
    assert "Patrol 79 of the Queensway estate completed." in whole
    assert "mosque and community centre" in whole
    assert AuditEvent.objects.filter(
        verb="fourteen_day.downloaded", actor=demo["member"], subject_id=str(report.pk)
    ).exists()
    # The page's download is the same stored file.
    client = Client()
    client.force_login(demo["gold"])
    assert client.get(f"/incidents/{pk}/report.pdf").content == pdf


def test_who_may_compose_and_who_may_see(demo: dict[str, Member]) -> None:
    pk = _declared(demo)
    url = f"/api/incidents/{pk}/report/"
    assert _json(_api(demo["crro"]), "post", url).status_code == 403
    assert _json(_api(demo["coordinator"]), "post", url).status_code == 201
    # Health's panel member has not been told of the incident (until the report is sent).
    assert _json(_api(demo["panel-health"]), "get", url).status_code == 404
    # An incident not declared major has no 14-day report.
    minor = factories.incident()
    refused = _json(_api(demo["coordinator"]), "post", f"/api/incidents/{minor.pk}/report/")
    assert refused.status_code == 409
    demo_load(with_neighbour=True)
    outsider = _api(Member.objects.get(username="av-coordinator"), NEIGHBOUR_SLUG)
    assert _json(outsider, "get", url).status_code == 404
    assert _json(outsider, "post", f"{url}approve/").status_code == 404


def test_the_co_ordinator_composes_edits_and_sends_it_through_the_pages(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    pk = _declared(demo)
    page = client_for("coordinator")
    url = f"/incidents/{pk}/report/"
    assert "Compose the report" in page.get(url).content.decode()
    assert page.post(f"{url}compose/").status_code == 302
    draft = FourteenDayReport.objects.get(incident_id=pk)
    fields = {
        "what_happened": draft.what_happened,
        "immediate_outcome": draft.immediate_outcome,
        "actions_taken": draft.actions_taken,
        "current_tension": "Elevated: two further reports overnight.",
        "what_members_should_do": "",
    }
    assert page.post(url, fields).status_code == 302
    refused = page.post(f"{url}approve/")
    assert refused.status_code == 400
    assert "What members should do" in refused.content.decode()
    assert page.post(url, {**fields, "what_members_should_do": ADVICE}).status_code == 302
    assert page.post(f"{url}approve/").status_code == 302
    shown = page.get(url).content.decode()
    assert "Approved and sent" in shown
    assert "Download the report as sent (PDF)" in shown
    assert "Not yet" in shown
    assert "Elevated: two further reports overnight." in shown


def test_retention_removes_the_report_and_the_debrief_with_the_incident_s_narrative(
    demo: dict[str, Member],
) -> None:
    from escalation.services import incidents_personal_data_remove
    from review.models import Debrief, PlanAction

    pk = _declared(demo)
    coordinator = _api(demo["coordinator"])
    _json(coordinator, "post", f"/api/incidents/{pk}/report/")
    _json(coordinator, "patch", f"/api/incidents/{pk}/report/", {"what_members_should_do": ADVICE})
    _json(coordinator, "post", f"/api/incidents/{pk}/report/approve/")
    incident = FourteenDayReport.objects.get(incident_id=pk).incident
    factories.duty_done(
        incident,
        "organise-debrief",
        by=demo["ppc"],
        meeting=factories.debrief(invitees=[demo["rec"]]),
    )
    debrief = Debrief.objects.get(incident=incident)
    Debrief.objects.filter(pk=debrief.pk).update(lessons="Lessons about the Queensway family.")
    rec_agency = demo["rec"].agency
    assert rec_agency is not None
    PlanAction.objects.create(
        partnership=debrief.partnership,
        debrief=debrief,
        description="Visit the Queensway family.",
        owner=demo["rec"],
        owner_agency=rec_agency,
        due_at=debrief.due_at,
        created_by=demo["ppc"],
        created_at=debrief.due_at,
    )

    incidents_personal_data_remove(incident_ids=[pk], removed="[removed]")

    report = FourteenDayReport.objects.get(incident_id=pk)
    assert report.what_happened == report.what_members_should_do == "[removed]"
    assert bytes(report.pdf) == b""
    assert Debrief.objects.get(pk=debrief.pk).lessons == "[removed]"
    assert PlanAction.objects.get(debrief=debrief).description == "[removed]"
    gone = _json(_api(demo["gold"]), "get", f"/api/incidents/{pk}/report/pdf/")
    assert gone.status_code == 409
    assert "retention" in gone.json()["detail"]
