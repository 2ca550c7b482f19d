"""Files a reviewer takes away: a timeline as CSV, JSON or a PDF for a gold group's papers, each
opening with the chain's integrity statement, and the partnership report's figures as CSV. Pages
and the API both answer with ``timeline_file`` and ``report_file``."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from partnership.documents import marked_pdf, plain_table
from partnership.models import AuditEvent, Member
from partnership.scopes import Scope
from review.reports import report_csv
from review.services import timeline_export_record
from review.timeline import (
    TimelineFilter,
    actor_roles,
    edited_seqs,
    event_row,
    events_filtered,
    integrity,
    when_words,
)

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}

# What a person reads in the spreadsheet: UK times, names and sentences (the JSON export keeps
# the machine forms: ISO times, usernames, verbs and subjects).
EXPORT_COLUMNS = ["seq", "when", "who", "agency", "description", "hash"]
CSV_HEADINGS = {
    "seq": "Event",
    "when": "When (UK time)",
    "who": "Who",
    "agency": "Agency",
    "description": "What happened",
    "hash": "Hash",
}

INTEGRITY_MEANS = (
    "What this means: every event is chained to the one before it by a hash, and the chain is "
    "signed at checkpoints. If anything recorded had been changed, added or removed since, the "
    "check would fail and say at which event. “Verifies” means the events below are exactly "
    "what was recorded at the time."
)


def checkpoint_words(statement: dict[str, Any]) -> str:
    """What a reader keeps to compare with a later export: the signed checkpoint the check began
    from and the hash the chain ends with now."""
    words = (
        f"Hash of the last event of the timeline of {statement['chain']}: {statement['last_hash']}."
    )
    checkpoint = statement["checkpoint"]
    if checkpoint is not None:
        words += (
            f" Checkpoint {checkpoint['number']} "
            f"({when_words(datetime.fromisoformat(checkpoint['made_at']))}) signed event "
            f"{checkpoint['seq']} with hash {checkpoint['head_hash']}, signature "
            f"{checkpoint['signature']}."
        )
    return words


def export_csv(rows: list[dict[str, Any]], statement: dict[str, Any]) -> str:
    out = io.StringIO()
    # One comment line, so that the rest reads as CSV with its header first.
    out.write(f"# {statement['statement']} {checkpoint_words(statement)}\n")
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writerow(CSV_HEADINGS)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def export_json(title: str, rows: list[dict[str, Any]], statement: dict[str, Any]) -> str:
    return json.dumps(
        {
            "title": title,
            "generated_at": timezone.now().isoformat(),
            "protective_marking": settings.PROTECTIVE_MARKING,
            "integrity": statement,
            "events": rows,
        },
        indent=2,
        default=str,
    )


def _when(occurred_at: str, zone: tzinfo) -> str:
    when = datetime.fromisoformat(occurred_at).astimezone(zone)
    return f"{when:%H:%M:%S} on {when:%a} {when.day} {when:%b %Y}"


def export_pdf(
    title: str, rows: list[dict[str, Any]], statement: dict[str, Any], *, exported_by: str
) -> bytes:
    """A readable document for a gold group's papers: the integrity statement first, then every
    event in order, and the hash of the last event of the whole timeline."""
    from xml.sax.saxutils import escape

    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    zone = timezone.get_current_timezone()  # once, not for each of thousands of rows
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
        Paragraph(escape(INTEGRITY_MEANS), small),
        Paragraph(escape(checkpoint_words(statement)), small),
        Spacer(1, 6 * mm),
    ]
    # Thousands of events: a plain table (``plain_table``) lays them out in linear time, where
    # reportlab's own Table took 74 s for 20,000.
    story.append(
        plain_table(
            ("#", "When", "Who", "Agency", "What"),
            (
                (
                    str(row["seq"]),
                    _when(row["occurred_at"], zone),
                    row["who"],
                    row["agency"],
                    row["description"],
                )
                for row in rows
            ),
            [14 * mm, 34 * mm, 56 * mm, 40 * mm, 126 * mm],
        )
    )
    return marked_pdf(title, story, landscape=True)


def timeline_file(
    *,
    events: QuerySet[AuditEvent],
    wanted: TimelineFilter,
    export_type: str,
    member: Member,
    scope: Scope,
    title: str,
) -> HttpResponse:
    """The whole filtered timeline as a file (for the API and the pages alike); the export is
    itself recorded on the timeline. ``export_type`` is one of ``EXPORT_TYPES``."""
    rows, edited = [], []
    found = list(events_filtered(events, wanted).iterator(chunk_size=2000))
    roles = actor_roles(found)
    for event in found:
        rows.append(event_row(event, roles))
        edited.extend(edited_seqs([event]))
    statement = integrity(scope, edited=edited)
    if export_type == "csv":
        body: bytes | str = export_csv(rows, statement)
    elif export_type == "json":
        body = export_json(title, rows, statement)
    else:
        body = export_pdf(title, rows, statement, exported_by=str(member))
    timeline_export_record(
        actor=member,
        scope=scope,
        export_format=export_type,
        events=len(rows),
        last_seq=rows[-1]["seq"] if rows else None,
    )
    response = HttpResponse(body, content_type=EXPORT_TYPES[export_type])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="timeline-{scope.kind}-{scope.key}-{stamp}.{export_type}"'
    )
    return response


def report_file(report: dict[str, Any]) -> HttpResponse:
    """The partnership report's every figure as a CSV download (``reports.report_csv``)."""
    response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="partnership-report-{report["period"]["start"]}-'
        f'{report["period"]["end"]}.csv"'
    )
    return response
