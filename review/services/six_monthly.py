"""The six-monthly report: produced and circulated by itself when each of the partnership's
half-years ends (the scheduler's job finds the work in the database, and a locked settings row
plus a unique constraint make it once per period however many schedulers run), and on demand
for a chosen period. Stored as produced: figures, CSV and the marked PDF with its charts."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, LongTable, Paragraph, Spacer, TableStyle

from escalation.deadlines import day_start
from notifications.models import Purpose
from notifications.services import notify
from partnership.audiences import Audience
from partnership.documents import handling_words, marked_pdf
from partnership.models import Member, Partnership
from partnership.permissions import require
from partnership.selectors import members_active
from partnership.timeline import audit_record
from review.models import ReportingSettings, SixMonthlyReport, SixMonthlyTrigger
from review.reports import Period, report_period
from review.six_monthly import (
    SECTIONS,
    half_year_of,
    six_monthly_csv,
    six_monthly_figures,
)

# The charts the PDF draws: each section's figures, this period beside the one before.
CHARTS = ("by_strand", "by_area", "high_tension_by_month", "conferences", "actions", "strategy")
THIS, BEFORE = colors.HexColor("#1d3b6f"), colors.HexColor("#9fb4d6")


def _chart(title: str, rows: list[dict[str, Any]], labels: tuple[str, str]) -> Drawing:
    """A horizontal bar chart of one section: two bars per item (this period, the one before),
    each with its number, readable in black and white."""
    items = [str(row["item"]) for row in rows]
    now = [row["value"] or 0 for row in rows]
    before = [row["previous"] or 0 for row in rows]
    height = 40 + 26 * max(len(items), 1)
    drawing = Drawing(170 * mm, height + 30)
    drawing.add(String(0, height + 18, title, fontName="Helvetica-Bold", fontSize=10))
    chart = HorizontalBarChart()
    chart.x, chart.y = 60 * mm, 20
    chart.width, chart.height = 95 * mm, height - 20
    chart.data = [before[::-1], now[::-1]]
    chart.categoryAxis.categoryNames = [item[:34] for item in items[::-1]]
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max([*now, *before, 1]) * 1.15
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = BEFORE
    chart.bars[1].fillColor = THIS
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 6
    chart.barLabels.nudge = 6
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 60 * mm, 8
    legend.fontSize = 7
    legend.columnMaximum = 1
    legend.alignment = "right"
    legend.colorNamePairs = [(THIS, labels[0]), (BEFORE, labels[1])]
    drawing.add(legend)
    return drawing


def _produced_words(stamp: str) -> str:
    # The figures keep an ISO time (the CSV's and the API's); a committee reads UK local time.
    local = timezone.localtime(datetime.fromisoformat(stamp))
    return f"{local:%A} {local.day} {local:%B %Y at %H:%M}"


def six_monthly_pdf(figures: dict[str, Any]) -> bytes:
    """A committee-ready document: the charts first, then every figure in a table, each beside the
    period before; marked OFFICIAL-SENSITIVE, numbered."""
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    this, before = figures["period"]["label"], figures["previous"]["label"]
    title = f"Six-monthly report: {figures['partnership']}"
    story: list[Flowable] = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(
                f"{this}, each figure beside the period before ({before}). Produced "
                f"{_produced_words(figures['produced_at'])}. Figures only: no person is "
                f"named. {handling_words()}"
            ),
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
    ]
    for section in CHARTS:
        rows = [row for row in figures["rows"] if row["section"] == section]
        if rows:
            story += [_chart(SECTIONS[section], rows, (this, before)), Spacer(1, 4 * mm)]
    data: list[list[Any]] = [
        [Paragraph(f"<b>{escape(h)}</b>", small) for h in ("Figure", this, before)]
    ]
    for section, heading in SECTIONS.items():
        data.append([Paragraph(f"<b>{escape(heading)}</b>", small), "", ""])
        for row in figures["rows"]:
            if row["section"] == section:
                data.append(
                    [
                        Paragraph(escape(str(row["item"])), small),
                        Paragraph(str(row["value"]), small),
                        Paragraph(str(row["previous"]), small),
                    ]
                )
    table = LongTable(data, colWidths=[110 * mm, 32 * mm, 32 * mm], repeatRows=1)
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
    return marked_pdf(title=title, story=story, footer=f"{figures['partnership']}: {this}")


def _produce(
    *,
    partnership: Partnership,
    period: Period,
    trigger: str,
    actor: Member | None,
    now: datetime,
) -> SixMonthlyReport:
    figures = six_monthly_figures(partnership, period, now=now)
    pdf = six_monthly_pdf(figures)
    members = list(members_active(partnership).filter(agency__isnull=False).order_by("pk"))
    report = SixMonthlyReport.objects.create(
        partnership=partnership,
        period_start=period.start,
        period_end=period.end,
        trigger=trigger,
        produced_at=now,
        produced_by=actor,
        figures=figures,
        csv=six_monthly_csv(figures),
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        recipients=len(members),
    )
    audit_record(
        actor=actor,
        verb="six_monthly.produced",
        subject=report,
        changes={
            "start": period.start,
            "end": period.end,
            "trigger": trigger,
            "recipients": len(members),
            "pdf_sha256": report.pdf_sha256,
        },
    )
    notify(
        audiences=[Audience.member(m.pk) for m in members],
        title=f"Six-monthly report of {partnership.name}: {period.label()}",
        body=(
            f"The partnership's report for {period.label()} is ready, each figure beside the "
            f"period before: {reverse('six-monthly-report', args=[report.pk])} (PDF and CSV)."
        ),
        purposes=[Purpose.SITUATION],
        cause=f"six-monthly:{report.pk}:circulated",
        subject=report,
        scope=None,
        sender=actor,
        ack_ladder=[],
    )
    return report


@transaction.atomic
def six_monthly_produce(*, actor: Member, start: date, end: date) -> SixMonthlyReport:
    """On demand: the report of the member's partnership for the period ``start``..``end``
    (checked as every report's dates are), produced and circulated now."""
    require(actor, "six_monthly.produce")
    period = report_period(start, end)
    partnership = actor.partnership
    assert partnership is not None  # noqa: S101 (the rule needs one)
    return _produce(
        partnership=partnership,
        period=period,
        trigger=SixMonthlyTrigger.ON_DEMAND,
        actor=actor,
        now=timezone.now(),
    )


def _settings_locked(partnership_id: int, today: date) -> ReportingSettings:
    """The partnership's settings row, made if missing (reporting from ``today``) and locked:
    the one row every scheduler producing this partnership's report waits on."""
    ReportingSettings.objects.get_or_create(
        partnership_id=partnership_id, defaults={"reports_from": today}
    )
    settings: ReportingSettings = ReportingSettings.objects.select_for_update().get(
        partnership_id=partnership_id
    )
    if settings.reports_from is None:
        settings.reports_from = today
        settings.save(update_fields=["reports_from"])
    return settings


def last_ended_period(today: date, first_month: int) -> Period:
    """The half-year that ended most recently before ``today``."""
    current = half_year_of(today, first_month=first_month)
    return half_year_of(current.start - timedelta(days=1), first_month=first_month)


@transaction.atomic
def six_monthly_scheduled(*, partnership_id: int, now: datetime | None = None) -> bool:
    """The report of the half-year that last ended, if it is due and not yet produced: True when
    this run produced (and circulated) it. Safe to run late, twice or from two schedulers at
    once: the second waits on the settings row, then finds the report made."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    settings = _settings_locked(partnership_id, today)
    period = last_ended_period(today, settings.half_year_first_month)
    assert settings.reports_from is not None  # noqa: S101 (set above)
    if period.end < settings.reports_from:
        return False
    done = SixMonthlyReport.objects.filter(
        partnership_id=partnership_id,
        period_start=period.start,
        period_end=period.end,
        trigger=SixMonthlyTrigger.SCHEDULED,
    ).exists()
    if done:
        return False
    _produce(
        partnership=Partnership.objects.get(pk=partnership_id),
        period=period,
        trigger=SixMonthlyTrigger.SCHEDULED,
        actor=None,
        now=now,
    )
    return True


def six_monthly_next_due(today: date) -> datetime:
    """When the next half-year ends, for any partnership (the start of the next month: halves
    begin on a month's first day)."""
    first = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return day_start(first)


@transaction.atomic
def six_monthly_download_record(*, actor: Member, report: SixMonthlyReport, file: str) -> None:
    """A copy taken away is on the timeline: who, which report, which file."""
    audit_record(
        actor=actor,
        verb="six_monthly.downloaded",
        subject=report,
        changes={"format": file, "start": report.period_start, "end": report.period_end},
    )
