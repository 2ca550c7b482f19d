"""Gold group review: a full protocol run's timeline, replay, exports, integrity, compliance."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from escalation import services
from escalation.jobs import escalation_run
from escalation.models import Incident
from partnership.models import AuditEvent, Member
from review.compliance import compliance_across, incident_compliance
from tests import factories
from tests.tampering import behind_the_back
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _full_run(demo: dict[str, Member]) -> Incident:
    incident = factories.incident_declared()

    def complete(step: str, who: str, message: str) -> None:
        factories.duty_done(incident, step, by=demo[who], message=message)

    complete("inform-rec", "crro", "REC told.")
    complete("inform-csp-coordinator", "crro", "Co-ordinator told.")
    complete("tell-safeguarding-steps", "crro", "Patrols doubled.")
    complete("notify-chief-officer", "coordinator", "Chief told.")
    complete("inform-operational-staff", "coordinator", "Staff told.")
    factories.duty_done(
        incident,
        "organise-debrief",
        by=demo["ppc"],
        meeting=factories.debrief(
            invitees=[demo["crro"]],
            starts_at=timezone.now() + timedelta(days=2),
            hours=1,
            location="HQ",
        ),
    )
    factories.situation_report(incident=incident, purposes=["accuracy"], message="Right?")
    services.incident_stand_down(actor=demo["officer"], incident_id=incident.pk, reason="Calm.")
    complete("partnership-report", "coordinator", "Partnership told.")
    services.incident_close(actor=demo["coordinator"], incident_id=incident.pk)
    return incident


def _all_pages(client: Client, incident: Incident, query: str = "") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    after = 0
    while True:
        page = client.get(
            f"/api/incidents/{incident.pk}/timeline/?limit=7&after_seq={after}{query}"
        ).json()
        rows += page["events"]
        if page["next_after_seq"] is None:
            return rows
        after = page["next_after_seq"]


def test_the_timeline_of_a_full_run_has_every_event_in_order(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = _full_run(demo)
    rows = _all_pages(client_for("gold"), incident)
    recorded = list(
        AuditEvent.objects.filter(scope=f"incident:{incident.pk}")
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert [r["seq"] for r in rows] == recorded
    verbs = [r["verb"] for r in rows]
    milestones = [
        "incident.reported",
        "incident.declared_major",
        "protocol.started",
        "notification.sent",
        "duty.completed",
        "meeting.scheduled",
        "situation_report.sent",
        "incident.stood_down",
        "incident.closed",
    ]
    positions = [verbs.index(v) for v in milestones]
    assert positions == sorted(positions)
    assert verbs.count("duty.completed") == 8
    declared = rows[verbs.index("incident.declared_major")]
    assert (
        declared["description"]
        == "Determined a MAJOR incident: Likely to generate disorder: crowds gathering."
    )
    assert declared["actor"] == "officer"  # the username, for machines
    assert declared["who"] == "Olivia Okafor, Senior police officer"


def test_filters_by_kind_agency_and_time(demo: dict[str, Member], client_for: ClientFor) -> None:
    incident = _full_run(demo)
    gold = client_for("gold")
    duties = _all_pages(gold, incident, "&kind=duty")
    assert {r["kind"] for r in duties} == {"duty"}
    council = demo["coordinator"].agency_id
    by_council = _all_pages(gold, incident, f"&agency={council}")
    assert by_council
    assert {r["agency"] for r in by_council} == {"Milton Keynes Council"}
    future = (timezone.now() + timedelta(days=1)).isoformat().replace("+", "%2B")
    assert _all_pages(gold, incident, f"&since={future}") == []
    assert gold.get(f"/api/incidents/{incident.pk}/timeline/?agency=x").status_code == 400


def test_only_reviewers_read_the_timeline(demo: dict[str, Member], client_for: ClientFor) -> None:
    incident = factories.incident_declared()
    assert client_for("staff").get(f"/api/incidents/{incident.pk}/timeline/").status_code == 404
    assert client_for("crro").get(f"/api/incidents/{incident.pk}/timeline/").status_code == 403
    assert (
        client_for("coordinator").get(f"/api/incidents/{incident.pk}/timeline/").status_code == 200
    )


def test_pdf_csv_and_json_contain_the_same_events_and_are_recorded(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = _full_run(demo)
    gold = client_for("gold")

    def expected() -> list[int]:
        return list(
            AuditEvent.objects.filter(scope=f"incident:{incident.pk}")
            .order_by("seq")
            .values_list("seq", flat=True)
        )

    before = expected()

    as_json = json.loads(gold.get(f"/api/incidents/{incident.pk}/timeline/export/?as=json").content)
    assert [e["seq"] for e in as_json["events"]] == before
    before = expected()  # now with the JSON export recorded
    assert as_json["integrity"]["verifies"] is True

    text = gold.get(f"/api/incidents/{incident.pk}/timeline/export/?as=csv").content.decode()
    comment, body = text.split("\n", 1)
    assert comment.startswith("# The timeline verifies")
    assert [int(r["Event"]) for r in csv.DictReader(io.StringIO(body))] == before

    pdf = gold.get(f"/api/incidents/{incident.pk}/timeline/export/?as=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    words = " ".join(page.extract_text() for page in pages)
    assert "The timeline verifies" in words
    for row in as_json["events"]:
        assert row["description"].split(":")[0][:25] in words
    # The PDF names the hash of the last event recorded before it was made.
    pdf_record = AuditEvent.objects.filter(verb="timeline.exported").order_by("-seq").first()
    assert pdf_record is not None
    previous = AuditEvent.objects.get(partnership=incident.partnership, seq=pdf_record.seq - 1)
    assert previous.hash[:40] in words.replace("\n", "")

    exports = AuditEvent.objects.filter(verb="timeline.exported", scope=f"incident:{incident.pk}")
    assert [e.changes["format"] for e in exports] == ["json", "csv", "pdf"]
    assert {e.actor for e in exports} == {demo["gold"]}


def _tamper(event: AuditEvent) -> None:
    behind_the_back(
        "UPDATE partnership_auditevent SET verb = 'duty.waived' WHERE id = %s", [event.pk]
    )


def test_an_edited_row_is_reported_on_the_page_and_in_the_export(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    edited = AuditEvent.objects.filter(
        scope=f"incident:{incident.pk}", verb="protocol.started"
    ).get()
    _tamper(edited)
    gold = client_for("gold")
    integrity = gold.get(f"/api/incidents/{incident.pk}/timeline/").json()["integrity"]
    assert integrity["verifies"] is False
    assert integrity["broken_at_seq"] == edited.seq
    text = gold.get(f"/api/incidents/{incident.pk}/timeline/export/?as=csv").content.decode()
    assert text.startswith(f"# The timeline is broken at event {edited.seq}")
    pdf = gold.get(f"/api/incidents/{incident.pk}/timeline/export/?as=pdf").content
    assert f"broken at event {edited.seq}" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_replay_as_at_a_time_matches_what_the_duties_were_then(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    now = timezone.now()
    incident = factories.incident_declared(at=now - timedelta(hours=3))
    rec = incident.duties.get(step_code="inform-rec")  # due now - 2 h
    escalation_run(now=now)
    services.duty_complete(actor=demo["crro"], duty_id=rec.pk, message="REC told, late.")
    gold = client_for("gold")

    def replay(at: Any) -> dict[str, Any]:
        stamp = at.isoformat().replace("+", "%2B")
        body: dict[str, Any] = gold.get(f"/api/incidents/{incident.pk}/replay/?at={stamp}").json()
        return body

    def state(body: dict[str, Any], step: str) -> str:
        return str(next(d["state"] for d in body["duties"] if d["step"] == step))

    before = replay(now - timedelta(hours=2, minutes=30))
    assert before["state"] == "declared_major"  # from the decision, though recorded later
    assert state(before, "inform-rec") == "pending"
    late = replay(now - timedelta(hours=1))
    assert state(late, "inform-rec") == "overdue"
    assert state(late, "organise-debrief") == "pending"
    after = replay(timezone.now() + timedelta(seconds=1))
    assert after["state"] == "declared_major"
    assert state(after, "inform-rec") == "done"
    assert state(after, "refer-to-crro") == "done"
    assert any(w["recipient"] == "Ravi Chandra" for w in after["not_yet_answered"])
    assert state(after, "inform-csp-coordinator") == "escalated"  # rungs beyond the owner fired
    assert replay(now - timedelta(days=2))["state"] == "not yet reported"


def test_compliance_matches_a_hand_built_history(demo: dict[str, Member]) -> None:
    now = timezone.now()
    incident = factories.incident_declared(
        at=now - timedelta(hours=3)
    )  # immediate steps due now - 2 h
    duty = {d.step_code: d for d in incident.duties.all()}
    services.duty_complete(
        actor=demo["crro"], duty_id=duty["inform-rec"].pk, message="Late by two hours."
    )
    services.duty_complete(
        actor=demo["crro"], duty_id=duty["inform-csp-coordinator"].pk, message="m"
    )
    services.duty_complete(
        actor=demo["coordinator"], duty_id=duty["inform-operational-staff"].pk, message="On time."
    )
    services.duty_waive(
        actor=demo["coordinator"],
        duty_id=duty["tell-safeguarding-steps"].pk,
        reason="Told in person.",
    )

    rows = {r["step"]: r for r in incident_compliance(incident)}
    assert rows["inform-rec"]["outcome"] == "missed"
    assert rows["inform-rec"]["by"] == "2 h late"
    assert 2 * 3600 <= rows["inform-rec"]["by_seconds"] < 2 * 3600 + 60
    assert rows["inform-operational-staff"]["outcome"] == "met"
    assert rows["inform-operational-staff"]["by"].endswith("early")
    assert rows["tell-safeguarding-steps"]["outcome"] == "waived"
    assert rows["tell-safeguarding-steps"]["reason"] == "Told in person."
    assert rows["organise-debrief"]["outcome"] == "open"
    # The decision was recorded three hours after it was made, so the engine's referral was late.
    assert rows["refer-to-crro"]["outcome"] == "missed"

    across = compliance_across(Incident.objects.filter(pk=incident.pk))
    steps = {s["step"]: s for s in across["steps"]}
    assert steps["inform-rec"]["share_met"] == 0.0
    assert steps["inform-operational-staff"]["share_met"] == 1.0
    assert steps["tell-safeguarding-steps"]["waived"] == 1
    assert steps["inform-rec"]["worst_to_complete"] == "3 h"
    assert across["incidents_with_missed_steps"] == [
        {
            "incident_id": incident.pk,
            "steps": ["refer-to-crro", "inform-rec", "inform-csp-coordinator"],
        }
    ]


def test_the_report_period_is_checked_the_same_on_the_page_and_in_the_api(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    gold = client_for("gold")
    start = timezone.localdate().replace(day=1)
    for query in ({"start": start.isoformat()}, {"end": start.isoformat()}):
        assert gold.get("/reports/partnership/", query).status_code == 400
        response = gold.get("/api/reports/partnership/", query)
        assert response.status_code == 400
        assert "Give both the start and the end dates, or neither." in json.dumps(response.json())
    backwards = {"start": start.isoformat(), "end": (start - timedelta(days=1)).isoformat()}
    assert gold.get("/reports/partnership/", backwards).status_code == 400
    response = gold.get("/api/reports/partnership/", backwards)
    assert response.status_code == 400
    assert response.json() == {"end": ["The end date must not be before the start date."]}
    both = {"start": start.isoformat(), "end": timezone.localdate().isoformat()}
    assert gold.get("/api/reports/partnership/", both).json()["period"]["start"] == both["start"]


@pytest.mark.parametrize(
    ("door", "csv_wanted"),
    [
        ("/api/reports/partnership/", False),
        ("/api/reports/partnership/", True),
        ("/reports/partnership/", False),
        ("/reports/partnership.csv", True),
    ],
)
def test_a_report_period_in_the_far_future_or_past_is_refused_with_the_bounds(
    demo: dict[str, Member], client_for: ClientFor, door: str, csv_wanted: bool
) -> None:
    gold = client_for("gold")
    latest = f"31 December {timezone.localdate().year + 1}"
    for query, field, given in (
        ({"start": "2025-04-01", "end": "9999-12-31"}, "end", "31 December 9999"),
        ({"start": "0001-01-01", "end": "2025-09-30"}, "start", "1 January 1"),
    ):
        if door.startswith("/api/") and csv_wanted:
            query = {**query, "download": "1"}
        response = gold.get(door, query)
        assert response.status_code == 400
        message = (
            f"A report covers dates from 1 January 2000 to {latest}; "
            f"the {field} date you gave is {given}."
        )
        if door.startswith("/api/"):
            assert response.json() == {field: [message]}
        else:
            assert response["Content-Type"].startswith("text/html")
            assert message in response.content.decode()
