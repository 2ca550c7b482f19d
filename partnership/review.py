"""Reading the audit timeline for review: one case's events in order, filtered and paged, with
the chain's integrity stated, and exported as CSV, JSON or PDF.

Events are read from the append-only table, never reconstructed, so what a gold group reads is
what was recorded at the time. Descriptions are written from event data (ids and codes), so
timelines name no victim.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from partnership.models import AuditEvent
from partnership.timeline import ChainReport, timeline_verify

PAGE_SIZE = 100

# Plain-words templates for the verbs a reader meets most; anything else is shown by its verb.
_DESCRIPTIONS: dict[str, str] = {
    "incident.reported": "Incident reported",
    "incident.assessment_started": "Assessment started",
    "incident.declared_major": "Determined a MAJOR incident: {rationale}",
    "incident.found_not_major": "Determined not major (casework route): {rationale}",
    "incident.stood_down": "Stood down: {reason}",
    "incident.closed": "Incident closed",
    "incident.linked": "Linked to incident {other_id} as a series of connected events",
    "incident.person_linked": "Person {person_id} linked ({involvement})",
    "protocol.started": "Protocol v{protocol_version} started: duties created",
    "duty.completed": "Duty done: {step}",
    "duty.waived": "Duty waived: {step} ({reason})",
    "duty.overdue": "Duty OVERDUE: {step}",
    "duty.escalated": "Duty escalated: {step}, rung {rung} to {audience}",
    "notification.sent": "Sent “{title}” to {recipient_count} ({audiences})",
    "notification.delivered": "Delivered by {channel}",
    "notification.delivery_failed": "Delivery failed by {channel} after {attempts} attempts",
    "notification.acknowledged": "Acknowledged (via {via})",
    "notification.replied": "Replied ({kind})",
    "notification.escalated": "Not acknowledged: ladder rung {rung} to {to}",
    "notification.ladder_stopped": "Ladder stopped: acknowledged by someone it reached",
    "situation_report.sent": "Situation report sent ({purposes})",
    "meeting.scheduled": "Debrief scheduled for {starts_at} at {location}",
    "timeline.exported": "Timeline exported as {format}",
    "referral.created": "Referral made ({reason}, {level} risk)",
    "repeat.flagged": "Repeat rule fired: {kind}",
    "room.risk_agreed": "Risk agreed at conference",
    "room.action": "Action agreed at conference",
    "action.overdue": "Conference action OVERDUE",
    "action.completed": "Conference action done",
    "duty.deadline_recomputed": "Deadline recomputed: {step}, now due {due_at} ({why})",
    "calendar.day_added": "Bank holiday added in {division}: {date} {title} ({reason})",
    "calendar.day_removed": "Bank holiday removed in {division}: {date} {title} ({reason})",
    "calendar.imported": "GOV.UK's bank holidays imported for {division} from {source}",
    "calendar.seeded": "Bank holidays of {division} {year} copied from {source}",
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def event_describe(event: AuditEvent) -> str:
    changes: dict[str, Any] = dict(event.changes)
    if event.verb == "notification.sent":
        changes["recipient_count"] = f"{len(changes.get('recipients', []))} people"
        changes["audiences"] = ", ".join(changes.get("audiences", []))
    if isinstance(changes.get("purposes"), list):
        changes["purposes"] = ", ".join(changes["purposes"])
    template = _DESCRIPTIONS.get(event.verb)
    if template is None:
        return event.verb.replace("_", " ").replace(".", ": ", 1)
    return template.format_map(_Blank(changes))


@dataclass(frozen=True)
class TimelineFilter:
    kinds: tuple[str, ...] = ()
    agency_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def events_in(scopes: Iterable[str]) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(scope__in=list(scopes))


def events_filtered(
    query: QuerySet[AuditEvent], wanted: TimelineFilter = TimelineFilter()
) -> QuerySet[AuditEvent]:
    query = query.select_related("agency")
    if wanted.kinds:
        kinds = Q()
        for kind in wanted.kinds:
            kinds |= Q(verb__startswith=f"{kind}.")
        query = query.filter(kinds)
    if wanted.agency_id is not None:
        query = query.filter(agency_id=wanted.agency_id)
    if wanted.since is not None:
        query = query.filter(occurred_at__gte=wanted.since)
    if wanted.until is not None:
        query = query.filter(occurred_at__lte=wanted.until)
    return query.order_by("seq")


def event_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor_label,
        "agency": event.agency.name if event.agency else "",
        "kind": event.verb.split(".", 1)[0],
        "verb": event.verb,
        "description": event_describe(event),
        "subject": f"{event.subject_type}:{event.subject_id}",
        "changes": event.changes,
        "hash": event.hash,
    }


@dataclass(frozen=True)
class TimelinePage:
    rows: list[dict[str, Any]]
    next_after_seq: int | None


def timeline_page(
    query: QuerySet[AuditEvent],
    wanted: TimelineFilter,
    *,
    after_seq: int = 0,
    limit: int = PAGE_SIZE,
) -> TimelinePage:
    """One page, keyed on the sequence number (fast at any depth: no OFFSET)."""
    events = list(events_filtered(query, wanted).filter(seq__gt=after_seq)[: limit + 1])
    more = len(events) > limit
    events = events[:limit]
    return TimelinePage(
        rows=[event_row(e) for e in events],
        next_after_seq=events[-1].seq if more and events else None,
    )


def integrity_statement(report: ChainReport) -> dict[str, Any]:
    return {
        "verifies": report.ok,
        "checked_events": report.checked,
        "broken_at_seq": report.broken_seq,
        "statement": report.describe(),
        "last_hash": report.last_hash,
    }


def integrity() -> dict[str, Any]:
    return integrity_statement(timeline_verify())


# --- Exports -------------------------------------------------------------------------------------
EXPORT_COLUMNS = [
    "seq",
    "occurred_at",
    "actor",
    "agency",
    "kind",
    "verb",
    "description",
    "subject",
    "hash",
]


def export_csv(rows: list[dict[str, Any]], statement: dict[str, Any]) -> str:
    out = io.StringIO()
    out.write(f"# {statement['statement']}\n")
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def export_json(title: str, rows: list[dict[str, Any]], statement: dict[str, Any]) -> str:
    return json.dumps(
        {
            "title": title,
            "generated_at": timezone.now().isoformat(),
            "integrity": statement,
            "events": rows,
        },
        indent=2,
        default=str,
    )


def export_pdf(
    title: str, rows: list[dict[str, Any]], statement: dict[str, Any], *, exported_by: str
) -> bytes:
    """A readable document for a gold group's papers: the integrity statement first, then every
    event in order, and the hash of the last event of the whole timeline."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author="Hate crime partnership coordinator",
    )
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story: list[Any] = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(
                f"Exported {timezone.localtime():%d %B %Y %H:%M} by {exported_by}. "
                f"{len(rows)} events."
            ),
            styles["BodyText"],
        ),
        Paragraph(
            "<b>Integrity:</b> " + escape(statement["statement"]),
            styles["BodyText"],
        ),
        Paragraph(
            escape(f"Hash of the last event of the whole timeline: {statement['last_hash']}"), small
        ),
        Spacer(1, 6 * mm),
    ]
    data: list[list[Any]] = [
        [Paragraph(f"<b>{h}</b>", small) for h in ("#", "When", "Who", "Agency", "What")]
    ]
    for row in rows:
        when = timezone.localtime(datetime.fromisoformat(row["occurred_at"]))
        data.append(
            [
                Paragraph(str(row["seq"]), small),
                Paragraph(f"{when:%d %b %Y %H:%M:%S}", small),
                Paragraph(escape(row["actor"]), small),
                Paragraph(escape(row["agency"]), small),
                Paragraph(escape(row["description"]), small),
            ]
        )
    table = LongTable(data, colWidths=[16 * mm, 38 * mm, 30 * mm, 50 * mm, 136 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dddddd")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    doc.build(story)
    return buffer.getvalue()
