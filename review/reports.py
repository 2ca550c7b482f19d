"""Partnership data for a period (six-monthly by default): the figures partnerships report, and
bar charts drawn here as SVG (no scripts, no CDN). Aggregates only: no person is named."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from conference.models import (
    RISK_CONFERENCE_KINDS,
    Action,
    ActionState,
    Conference,
    ConferenceState,
    IncidentPerson,
    Referral,
)
from escalation.deadlines import LONDON, day_start
from escalation.models import Incident, IncidentStrand, Strand, TensionLevel
from partnership.models import Partnership

# Tension over time counts the incidents recorded at these levels.
HIGH_TENSION = (TensionLevel.HIGH, TensionLevel.CRITICAL)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def since(self) -> datetime:
        return day_start(self.start)

    @property
    def until(self) -> datetime:
        return day_start(self.end + timedelta(days=1))

    def label(self) -> str:
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"


def half_year_containing(day: date) -> Period:
    """The six-month reporting period (April-September or October-March) containing ``day``."""
    if 4 <= day.month <= 9:
        return Period(date(day.year, 4, 1), date(day.year, 9, 30))
    year = day.year if day.month >= 10 else day.year - 1
    return Period(date(year, 10, 1), date(year + 1, 3, 31))


# Reports cover what a partnership can have recorded: nothing before this service's data could
# begin, and nothing past the end of next year (a half-year that has begun may end next year).
# Dates far outside (9999-12-31) are typing mistakes, and past the calendar's range they would
# overflow when turned into times.
REPORT_EARLIEST = date(2000, 1, 1)


def report_latest(today: date) -> date:
    return date(today.year + 1, 12, 31)


def _day(day: date) -> str:
    return f"{day.day} {day:%B} {day.year}"


def report_period(start: date | None, end: date | None) -> Period:
    """The period between two dates (both inclusive), or the current half-year when neither is
    given. The one check of a report's dates, for the page and the API alike."""
    if start is None and end is None:
        return half_year_containing(timezone.localdate())
    if start is None or end is None:
        missing = "start" if start is None else "end"
        raise ValidationError({missing: "Give both the start and the end dates, or neither."})
    latest = report_latest(timezone.localdate())
    bounds = f"A report covers dates from {_day(REPORT_EARLIEST)} to {_day(latest)}"
    errors: dict[str, str] = {}
    if start < REPORT_EARLIEST or start > latest:
        errors["start"] = f"{bounds}; the start date you gave is {_day(start)}."
    if end < REPORT_EARLIEST or end > latest:
        errors["end"] = f"{bounds}; the end date you gave is {_day(end)}."
    if errors:
        raise ValidationError(errors)
    if end < start:
        raise ValidationError({"end": "The end date must not be before the start date."})
    return Period(start, end)


def partnership_report(partnership: Partnership | None, period: Period) -> dict[str, Any]:
    """The figures of one partnership over ``period`` (nothing of any other partnership)."""
    incidents = Incident.objects.filter(
        partnership=partnership, occurred_at__gte=period.since, occurred_at__lt=period.until
    )
    by_strand = Counter(
        dict(
            IncidentStrand.objects.filter(incident__in=incidents)
            .values_list("strand")
            .annotate(n=Count("id"))
            .values_list("strand", "n")
        )
    )
    by_area = dict(
        incidents.values_list("area__name").annotate(n=Count("id")).values_list("area__name", "n")
    )
    by_month: Counter[str] = Counter()
    high_tension_by_month: Counter[str] = Counter()
    for occurred, tension in incidents.values_list("occurred_at", "tension_level"):
        month = timezone.localtime(occurred, LONDON).strftime("%Y-%m")
        by_month[month] += 1
        if tension in HIGH_TENSION:
            high_tension_by_month[month] += 1
    declared = incidents.filter(declared_at__isnull=False).count()

    victims = IncidentPerson.objects.filter(incident__in=incidents, involvement="victim")
    per_person = Counter(victims.values_list("person_id", flat=True))
    people = len(per_person)
    repeat_people = sum(1 for n in per_person.values() if n >= 2)

    referrals = Referral.objects.filter(
        partnership=partnership, created_at__gte=period.since, created_at__lt=period.until
    )
    # Risk conferences only: the strategy and casework groups' meetings are not panels.
    conferences = Conference.objects.filter(
        partnership=partnership,
        starts_at__gte=period.since,
        starts_at__lt=period.until,
        kind__in=RISK_CONFERENCE_KINDS,
    )
    actions = Action.objects.filter(
        conference__partnership=partnership,
        created_at__gte=period.since,
        created_at__lt=period.until,
    )
    now = timezone.now()
    return {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label(),
        },
        "incidents": incidents.count(),
        "declared_major": declared,
        "by_strand": {Strand(code).label: by_strand.get(code, 0) for code in Strand.values},
        "by_area": dict(sorted(by_area.items())),
        "by_month": dict(sorted(by_month.items())),
        "high_tension_by_month": dict(sorted(high_tension_by_month.items())),
        "victims": people,
        "repeat_victims": repeat_people,
        "repeat_rate": round(repeat_people / people, 3) if people else None,
        "referrals": referrals.count(),
        "referrals_by_level": dict(
            referrals.values_list("level").annotate(n=Count("id")).values_list("level", "n")
        ),
        "conferences_held": conferences.filter(state=ConferenceState.CONCLUDED).count(),
        "emergency_conferences": conferences.filter(kind="emergency").count(),
        "actions_agreed": actions.count(),
        "actions_done": actions.filter(state=ActionState.DONE).count(),
        "actions_overdue": actions.filter(
            state__in=(ActionState.OPEN, ActionState.OVERDUE, ActionState.ESCALATED), due_at__lt=now
        ).count(),
    }


def report_csv(report: dict[str, Any]) -> str:
    """Every figure, one per row: section, item, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "value"])
    writer.writerow(["period", "from", report["period"]["start"]])
    writer.writerow(["period", "to", report["period"]["end"]])
    for key, value in report.items():
        if key == "period":
            continue
        if isinstance(value, dict):
            for item, n in value.items():
                writer.writerow([key, item, n])
        else:
            writer.writerow(["totals", key, "" if value is None else value])
    return out.getvalue()


def bar_chart_svg(title: str, values: dict[str, int], *, width: int = 560) -> str:
    """A horizontal bar chart with its numbers printed, readable without colour."""
    bar_height, gap, label_width = 22, 8, 180
    height = 40 + len(values) * (bar_height + gap)
    top = max(values.values(), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(values.items()):
        y = 32 + i * (bar_height + gap)
        length = int((width - label_width - 60) * value / top)
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{escape(str(label))}</text>')
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" '
            'fill="#1d3b6f"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 6}" y="{y + 16}" font-size="13">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
