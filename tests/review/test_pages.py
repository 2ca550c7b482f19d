"""The gold group's review pages: a timeline with its integrity, filters, exports, replay and
compliance; compliance across incidents; the partnership report; the access log."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from conference.models import Person, PersonAccess
from conference.services import incident_person_link
from escalation.models import Incident
from partnership.models import Area, AuditEvent, Member
from review.timeline import event_describe
from tests import factories
from tests.tampering import behind_the_back
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _declared(*, hours_ago: float = 0) -> Incident:
    """An incident that happened an hour before it was declared: now, or (recorded now)
    ``hours_ago``."""
    at = timezone.now() - timedelta(hours=hours_ago)
    return factories.incident_declared(
        occurred_at=at - timedelta(hours=1), at=at if hours_ago else None
    )


def _complete(demo: dict[str, Member], incident: Incident, step: str, who: str) -> None:
    factories.duty_done(incident, step, by=demo[who])


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _row_kinds(page: str) -> list[str]:
    return re.findall(r'<tr id="event-\d+" data-kind="([a-z_]+)"', page)


def _events(incident: Incident) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(scope=f"incident:{incident.pk}").order_by("seq"))


# --- The incident's timeline ---------------------------------------------------------------------
def test_gold_reads_the_timeline_with_its_integrity_and_every_event(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = _declared()
    _complete(demo, incident, "inform-rec", "crro")
    response = client_for("gold").get(f"/incidents/{incident.pk}/timeline/")
    assert response.status_code == 200
    page = _text(response)
    # The check covers the chain of the incident's partnership, not the other partnership's.
    total = AuditEvent.objects.filter(partnership=incident.partnership).count()
    assert total < AuditEvent.objects.count()
    assert f"The timeline verifies: {total} events" in page
    assert "BROKEN" not in page
    events = _events(incident)
    assert len(_row_kinds(page)) == len(events)
    for event in events:
        assert event_describe(event) in page
    assert "Determined a MAJOR incident: Likely to generate disorder: crowds gathering." in page
    for export in ("pdf", "csv", "json"):
        assert f"/incidents/{incident.pk}/timeline/export/?as={export}" in page


def test_people_outside_review_get_404_or_403(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = _declared()
    # Operational staff are not told until their duty is done: they may not even know of it.
    staff = client_for("staff")
    assert staff.get(f"/incidents/{incident.pk}/timeline/").status_code == 404
    assert staff.get(f"/incidents/{incident.pk}/timeline/export/?as=csv").status_code == 404
    # The CRRO sees the incident but not its full timeline.
    crro = client_for("crro")
    assert crro.get(f"/incidents/{incident.pk}/timeline/").status_code == 403
    assert crro.get(f"/incidents/{incident.pk}/timeline/export/?as=csv").status_code == 403
    assert client_for("gold").get("/incidents/999999/timeline/").status_code == 404
    assert not AuditEvent.objects.filter(verb="timeline.exported").exists()


def test_the_incident_page_links_to_the_timeline_for_reviewers_only(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = _declared()
    link = f'href="/incidents/{incident.pk}/timeline/"'
    assert link in client_for("gold").get(f"/incidents/{incident.pk}/").content.decode()
    assert link not in client_for("crro").get(f"/incidents/{incident.pk}/").content.decode()


def test_filters_reduce_the_rows(demo: dict[str, Member], client_for: ClientFor) -> None:
    incident = _declared()
    _complete(demo, incident, "inform-rec", "crro")
    _complete(demo, incident, "inform-csp-coordinator", "crro")
    _complete(demo, incident, "inform-operational-staff", "coordinator")
    gold = client_for("gold")
    url = f"/incidents/{incident.pk}/timeline/"
    everything = _row_kinds(_text(gold.get(url)))
    assert {"incident", "protocol", "duty", "notification"} <= set(everything)

    duties = _row_kinds(_text(gold.get(url, {"kind": "duty"})))
    assert duties
    assert set(duties) == {"duty"}
    assert len(duties) < len(everything)

    two_kinds = _row_kinds(_text(gold.get(url, {"kind": ["duty", "incident"]})))
    assert set(two_kinds) == {"duty", "incident"}

    council = demo["coordinator"].agency_id
    assert council is not None
    page = _text(gold.get(url, {"agency": council}))
    by_council = _row_kinds(page)
    assert 0 < len(by_council) < len(everything)
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "Milton Keynes Council" in table
    assert "Thames Valley Police" not in table

    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    later = gold.get(url, {"since": future})
    assert _row_kinds(_text(later)) == []
    assert "No events match these filters." in _text(later)

    # The export links carry the filter along.
    assert "export/?as=csv&amp;kind=duty" in gold.get(url, {"kind": "duty"}).content.decode()
    bad = gold.get(url, {"kind": "nonsense"})
    assert bad.status_code == 400
    assert "There is a problem" in bad.content.decode()


def test_the_next_page_link_continues_after_the_last_row(
    demo: dict[str, Member], client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from review import timeline

    incident = _declared()
    events = _events(incident)
    # Pages of three rows rather than a hundred.
    original = timeline.timeline_page

    def small_pages(*args: Any, **kwargs: Any) -> Any:
        kwargs["limit"] = 3
        return original(*args, **kwargs)

    monkeypatch.setattr(timeline, "timeline_page", small_pages)
    gold = client_for("gold")
    first = gold.get(f"/incidents/{incident.pk}/timeline/").content.decode()
    assert len(_row_kinds(first)) == 3
    assert f"after={events[2].seq}" in first
    assert "Next page" in first
    second = gold.get(f"/incidents/{incident.pk}/timeline/", {"after": events[2].seq})
    assert f'id="event-{events[3].seq}"' in second.content.decode()
    assert f'id="event-{events[0].seq}"' not in second.content.decode()


def test_a_tampered_row_is_shown_as_broken_on_the_page_and_in_the_csv(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = _declared()
    edited = AuditEvent.objects.get(scope=f"incident:{incident.pk}", verb="protocol.started")
    behind_the_back(
        "UPDATE partnership_auditevent SET verb = 'duty.waived' WHERE id = %s", [edited.pk]
    )
    gold = client_for("gold")
    page = _text(gold.get(f"/incidents/{incident.pk}/timeline/"))
    assert f"The timeline is BROKEN at event {edited.seq}:" in page
    assert 'role="alert"' in page
    assert "The timeline verifies" not in page
    text = gold.get(f"/incidents/{incident.pk}/timeline/export/?as=csv").content.decode()
    first_line = text.split("\n", 1)[0]
    assert first_line.startswith(f"# The timeline is broken at event {edited.seq}")


def test_exports_are_files_with_the_integrity_statement_and_are_recorded(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = _declared()
    _complete(demo, incident, "inform-rec", "crro")
    events = _events(incident)
    gold = client_for("gold")
    url = f"/incidents/{incident.pk}/timeline/export/"

    pdf = gold.get(url, {"as": "pdf"})
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(pdf.content))
    words = " ".join(page.extract_text() for page in reader.pages)
    assert "The timeline verifies" in words
    flat = " ".join(words.split())
    for event in events:
        assert event_describe(event).split(":")[0][:25] in flat

    text = gold.get(url, {"as": "csv"}).content.decode()
    comment, body = text.split("\n", 1)
    assert comment.startswith("# The timeline verifies")
    # The PDF export just before is in it; the CSV's own export record comes after it.
    seqs = [int(r["Event"]) for r in csv.DictReader(io.StringIO(body))]
    assert seqs == [e.seq for e in _events(incident)][:-1]
    assert len(seqs) == len(events) + 1
    assert seqs[: len(events)] == [e.seq for e in events]

    as_json = json.loads(gold.get(url, {"as": "json"}).content)
    assert as_json["integrity"]["verifies"] is True
    assert {e["kind"] for e in as_json["events"]} >= {"incident", "duty"}

    duty_only = gold.get(url, {"as": "csv", "kind": "duty"}).content.decode()
    shown = [int(r["Event"]) for r in csv.DictReader(io.StringIO(duty_only.split("\n", 1)[1]))]
    assert shown
    assert shown == [e.seq for e in _events(incident) if e.verb.startswith("duty.")]

    refused = gold.get(url, {"as": "docx"})
    assert refused.status_code == 400
    assert "choose PDF, CSV or JSON" in refused.content.decode()
    exports = AuditEvent.objects.filter(
        verb="timeline.exported", scope=f"incident:{incident.pk}"
    ).order_by("seq")
    assert [e.changes["format"] for e in exports] == ["pdf", "csv", "json", "csv"]
    assert {e.actor for e in exports} == {demo["gold"]}
    assert exports[0].changes["events"] == len(events)


def test_replay_shows_the_incident_as_it_stood(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    def replay(incident: Incident, at: Any) -> str:
        page = _text(
            gold.get(f"/incidents/{incident.pk}/timeline/", {"at": at.strftime("%Y-%m-%dT%H:%M")})
        )
        return page.split('id="replay-title"')[1].split('id="compliance-title"')[0]

    gold = client_for("gold")
    soon = timezone.localtime() + timedelta(minutes=2)
    incident = _declared()
    now = replay(incident, soon)
    assert "Declared major" in now.split("data-replay-state>")[1][:40]
    assert '<span class="tag done">Done</span>' in now  # referred to the CRRO on declaring
    assert '<span class="tag pending">Pending</span>' in now
    assert "Who had not yet answered" in now
    # Declared (after the fact) three hours ago: the immediate steps were due two hours ago.
    late = replay(_declared(hours_ago=3), soon)
    assert '<span class="tag overdue">Overdue</span>' in late
    before = timezone.localtime() - timedelta(days=3)
    early = _text(
        gold.get(f"/incidents/{incident.pk}/timeline/", {"at": before.strftime("%Y-%m-%dT%H:%M")})
    )
    assert "Not yet reported" in early
    assert gold.get(f"/incidents/{incident.pk}/timeline/", {"at": "soon"}).status_code == 400


def test_compliance_on_the_timeline_and_across_incidents(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    late = _declared(hours_ago=3)
    _complete(demo, late, "inform-rec", "crro")  # two hours after it was due
    on_time = _declared()
    _complete(demo, on_time, "inform-rec", "crro")
    gold = client_for("gold")

    page = _text(gold.get(f"/incidents/{late.pk}/timeline/"))
    compliance = page.split('id="compliance-title"')[1]
    assert "Missed" in compliance
    assert "2 h late" in compliance

    response = gold.get("/compliance/")
    assert response.status_code == 200
    across = _text(response)
    assert "(2 major incidents)" in across
    assert "50%" in across  # the REC was told on time once out of twice
    assert f'href="/incidents/{late.pk}/timeline/#compliance"' in across
    assert f'href="/incidents/{on_time.pk}/timeline/#compliance"' not in across

    other = Area.objects.exclude(name="Bletchley").first()
    assert other is not None
    elsewhere = _text(gold.get("/compliance/", {"area": other.pk}))
    assert "(0 major incidents)" in elsewhere
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "(0 major incidents)" in _text(gold.get("/compliance/", {"start": tomorrow}))
    assert gold.get("/compliance/", {"start": tomorrow, "end": "2000-01-01"}).status_code == 400
    assert client_for("staff").get("/compliance/").status_code == 403


# --- A case's timeline ---------------------------------------------------------------------------
def _person(demo: dict[str, Member], incident: Incident | None = None) -> Person:
    person = factories.person(full_name="Amina Example")
    if incident is not None:
        incident_person_link(actor=demo["officer"], incident=incident, person=person)
    return person


def test_the_case_timeline_is_logged_and_guarded(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = _declared()
    person = _person(demo, incident)
    gold = client_for("gold")
    response = gold.get(f"/people/{person.pk}/timeline/")
    assert response.status_code == 200
    page = _text(response)
    assert "The timeline verifies" in page
    assert person.reference in page
    assert "Amina" not in page  # timelines name no victim
    assert "Determined a MAJOR incident" in page
    assert PersonAccess.objects.filter(person=person, member=demo["gold"], what="timeline").exists()

    text = gold.get(f"/people/{person.pk}/timeline/export/", {"as": "csv"}).content.decode()
    assert text.startswith("# The timeline verifies")
    assert AuditEvent.objects.filter(
        verb="timeline.exported", scope=f"person:{person.pk}", actor=demo["gold"]
    ).exists()

    # The member who recorded the person sees the record but not the whole case timeline.
    assert client_for("panel-police").get(f"/people/{person.pk}/timeline/").status_code == 403
    assert client_for("staff").get(f"/people/{person.pk}/timeline/").status_code == 404
    assert (
        not PersonAccess.objects.filter(person=person, what="timeline")
        .exclude(member=demo["gold"])
        .exists()
    )


# --- Partnership report --------------------------------------------------------------------------
def test_the_report_has_charts_tables_and_a_csv(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    _declared()
    gold = client_for("gold")
    response = gold.get("/reports/partnership/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") == 4
    assert "Incidents by hate strand" in page
    # Tension over time: the declared incident was reported at high tension.
    assert "Incidents at high or critical tension, by month" in page
    assert "<td>1</td>" in page
    start = timezone.localdate().replace(day=1)
    assert "/reports/partnership.csv?start=" in page
    download = gold.get(
        "/reports/partnership.csv",
        {"start": start.isoformat(), "end": timezone.localdate().isoformat()},
    )
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["section", "item", "value"]
    assert ["totals", "incidents", "1"] in rows
    assert ["by_strand", "Race", "1"] in rows
    assert ["high_tension_by_month", f"{timezone.localdate():%Y-%m}", "1"] in rows

    assert gold.get("/reports/partnership/", {"start": start.isoformat()}).status_code == 400
    assert client_for("staff").get("/reports/partnership/").status_code == 403
    assert client_for("staff").get("/reports/partnership.csv").status_code == 403


# --- Access log ----------------------------------------------------------------------------------
def test_the_access_log_lists_who_viewed_a_person(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    person = _person(demo)
    viewed = client_for("panel-police").get(f"/api/people/{person.pk}/")
    assert viewed.status_code == 200
    gold = client_for("gold")
    response = gold.get("/access-log/")
    assert response.status_code == 200
    page = _text(response)
    assert person.reference in page
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "(panel-police)" in table
    assert "Thames Valley Police" in table
    assert "record" in table

    by_reference = _text(gold.get("/access-log/", {"person": person.reference}))
    assert "(panel-police)" in by_reference
    nobody = _text(gold.get("/access-log/", {"person": "P-99999"}))
    assert "No views match these filters." in nobody
    by_other_member = _text(gold.get("/access-log/", {"member": demo["chair"].pk}))
    assert person.reference not in by_other_member
    assert gold.get("/access-log/", {"person": "Amina"}).status_code == 400
    assert client_for("coordinator").get("/access-log/").status_code == 403


def test_the_review_link_is_in_the_navigation_for_those_it_serves(client_for: ClientFor) -> None:
    def nav(client: Client) -> str:
        return client.get("/").content.decode().split("</nav>")[0]

    assert ">Review</a>" in nav(client_for("gold"))
    assert ">Review</a>" in nav(client_for("member"))  # partnership report only
    assert ">Review</a>" not in nav(client_for("staff"))
