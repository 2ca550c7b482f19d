"""The six-monthly report's figures: every figure of a half-year beside the same figure of the
half-year before, as rows (section, item, this period, previous period), plus the series its
charts draw. Aggregates only: no person is named. The partnership report's own figures
(``review.reports.partnership_report``) and compliance (``review.compliance``) are reused, not
recomputed."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from casework.compliance import StepCompliance, contact_compliance
from casework.models import Case
from conference.models import (
    RISK_CONFERENCE_KINDS,
    Action,
    ActionState,
    AgendaItem,
    Attendance,
    Conference,
    ConferenceKind,
    ConferenceState,
    FlagKind,
    IncidentPerson,
    Referral,
    RepeatFlag,
    ResearchContribution,
    RiskLevel,
)
from escalation.deadlines import LONDON
from escalation.models import Incident
from partnership.models import Partnership
from review.compliance import ComplianceFilter, compliance_across, partnership_compliance_incidents
from review.models import PlanAction, PlanActionNote, PlanActionState
from review.reports import Period, partnership_report


def _month_start(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def half_year_of(day: date, *, first_month: int = 1) -> Period:
    """The half-year containing ``day`` when the partnership's reporting year has its halves
    start in ``first_month`` and six months later (1: January-June and July-December, the
    default; 4: April-September and October-March)."""
    offset = (day.month - first_month) % 6
    start = _month_start(date(day.year, day.month, 1), -offset)
    return Period(start, _month_start(start, 6) - timedelta(days=1))


def previous_period(period: Period) -> Period:
    """The period just before ``period``: as many whole months before it when it is whole
    months (the half-year before a half-year), else as many days."""
    if period.start.day == 1 and (period.end + timedelta(days=1)).day == 1:
        months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
        start = _month_start(period.start, -(months + 1))
        return Period(start, period.start - timedelta(days=1))
    end = period.start - timedelta(days=1)
    return Period(end - (period.end - period.start), end)


@dataclass(frozen=True)
class Row:
    section: str
    item: str
    value: int | float | None
    previous: int | float | None


def _rows(section: str, now: dict[str, Any], before: dict[str, Any]) -> list[Row]:
    items = list(dict.fromkeys([*now, *before]))
    return [Row(section, str(item), now.get(item, 0), before.get(item, 0)) for item in items]


def _months(period: Period) -> list[str]:
    return [
        _month_start(period.start, n).strftime("%Y-%m")
        for n in range(6)
        if _month_start(period.start, n) <= period.end
    ]


def _actions_figures(
    conference_actions: QuerySet[Action], plan: QuerySet[PlanAction]
) -> dict[str, int]:
    """Actions due in the period: done by their date, done late, not done (cancelled aside)."""
    figures: Counter[str] = Counter()
    for completed, due, done in [
        *(
            (a.completed_at, a.due_at, a.state == ActionState.DONE)
            for a in conference_actions.exclude(state=ActionState.CANCELLED)
        ),
        *((a.completed_at, a.due_at, a.state == PlanActionState.DONE) for a in plan),
    ]:
        figures["due"] += 1
        if done and completed is not None and completed <= due:
            figures["done on time"] += 1
        elif done:
            figures["done late"] += 1
        else:
            figures["not done"] += 1
    return {key: figures[key] for key in ("due", "done on time", "done late", "not done")}


def _perpetrators(
    partnership: Partnership, period: Period, incidents: QuerySet[Incident]
) -> dict[str, int]:
    """People recorded as perpetrator or suspect in the period's incidents; of them, those in two
    or more of its incidents (as repeat victims are counted); and the repeat-perpetrator flags
    raised in the period (``conference.repeats``: the partnership's own window, which may reach
    back before the period)."""
    per_person = Counter(
        IncidentPerson.objects.filter(
            incident__in=incidents, involvement=IncidentPerson.Involvement.PERPETRATOR
        ).values_list("person_id", flat=True)
    )
    return {
        "perpetrators or suspects": len(per_person),
        "in two or more incidents of the period": sum(1 for n in per_person.values() if n >= 2),
        "repeat-perpetrator flags raised": RepeatFlag.objects.filter(
            person__partnership=partnership,
            kind=FlagKind.REPEAT_PERPETRATOR,
            raised_at__gte=period.since,
            raised_at__lt=period.until,
        ).count(),
    }


# How each step of victim contact is counted (``casework.compliance.StepCompliance``).
CONTACT_OUTCOMES = {
    "on_time": "done on time",
    "late": "done late",
    "open_in_time": "not yet done, still in time",
    "open_late": "not yet done, late",
    "cancelled": "cancelled when the case closed",
}


def casework_contact(partnership: Partnership, period: Period) -> tuple[int, list[StepCompliance]]:
    """Victim contact to the partnership's standard for the cases opened in ``period``: how many
    cases, and per step (contact, visit, follow-up) how many were done on time, late, are still
    open (in time or late), or were cancelled, counted by ``casework.compliance`` as the casework
    pages count them. The oversight bodies' figures read the same."""
    cases = Case.objects.filter(
        partnership=partnership, opened_at__gte=period.since, opened_at__lt=period.until
    )
    return cases.count(), contact_compliance(cases)


def _casework(partnership: Partnership, period: Period) -> dict[str, int]:
    opened, steps = casework_contact(partnership, period)
    figures = {"cases opened": opened}
    for step in steps:
        for attribute, words in CONTACT_OUTCOMES.items():
            figures[f"{step.label}: {words}"] = getattr(step, attribute)
    return figures


def _period_figures(partnership: Partnership, period: Period, *, now: datetime) -> dict[str, Any]:
    base = partnership_report(partnership, period)
    incidents = Incident.objects.filter(
        partnership=partnership, occurred_at__gte=period.since, occurred_at__lt=period.until
    )
    # Risk conferences only: the strategy group's meetings are counted with the plan they review,
    # the casework group's with its cases.
    conferences = Conference.objects.filter(
        partnership=partnership,
        starts_at__gte=period.since,
        starts_at__lt=period.until,
        kind__in=RISK_CONFERENCE_KINDS,
    )
    held = conferences.filter(state=ConferenceState.CONCLUDED)
    agreed = Counter(
        AgendaItem.objects.filter(conference__in=held)
        .exclude(agreed_risk="")
        .values_list("agreed_risk", flat=True)
    )
    referrals = Referral.objects.filter(
        partnership=partnership, created_at__gte=period.since, created_at__lt=period.until
    )
    in_period = Q(due_at__gte=period.since, due_at__lt=period.until)
    actions = _actions_figures(
        Action.objects.filter(in_period, conference__partnership=partnership),
        PlanAction.objects.filter(in_period, partnership=partnership, debrief__isnull=False),
    )
    plan = PlanAction.objects.filter(partnership=partnership, debrief__isnull=True)
    strategy = {
        **_actions_figures(Action.objects.none(), plan.filter(in_period)),
        "on the plan at the period's end": plan.filter(created_at__lt=period.until)
        .exclude(completed_at__lt=period.since)
        .count(),
        "progress notes": PlanActionNote.objects.filter(
            action__in=plan, written_at__gte=period.since, written_at__lt=period.until
        ).count(),
        "strategy group meetings held": Conference.objects.filter(
            partnership=partnership,
            kind=ConferenceKind.STRATEGY,
            state=ConferenceState.CONCLUDED,
            starts_at__gte=period.since,
            starts_at__lt=period.until,
        ).count(),
    }
    compliance = compliance_across(
        partnership_compliance_incidents(
            partnership,
            ComplianceFilter(since=period.since, until=period.until - timedelta(microseconds=1)),
        )
    )
    months = _months(period)
    agencies: dict[str, Counter[str]] = {}

    def add(kind: str, pairs: QuerySet[Any]) -> None:
        for name, n in pairs:
            agencies.setdefault(name, Counter())[kind] += n

    add(
        "incidents reported",
        incidents.values_list("reported_by__agency__name").annotate(n=Count("id")),
    )
    add(
        "referrals made",
        referrals.values_list("referring_agency__name").annotate(n=Count("id")),
    )
    add(
        "present at conferences held",
        Attendance.objects.filter(conference__in=held, status=Attendance.Status.PRESENT)
        .values_list("agency__name")
        .annotate(n=Count("id")),
    )
    add(
        "research shared",
        ResearchContribution.objects.filter(agenda_item__conference__in=conferences)
        .values_list("agency__name")
        .annotate(n=Count("id")),
    )
    add(
        "actions owned",
        Action.objects.filter(in_period, conference__partnership=partnership)
        .values_list("owner_agency__name")
        .annotate(n=Count("id")),
    )
    add(
        "actions owned",
        PlanAction.objects.filter(in_period, partnership=partnership)
        .values_list("owner_agency__name")
        .annotate(n=Count("id")),
    )
    return {
        "incidents": {
            "recorded": base["incidents"],
            "declared major": incidents.filter(declared_at__isnull=False).count(),
            "not declared major": incidents.filter(declared_at__isnull=True).count(),
        },
        "by_strand": base["by_strand"],
        "by_area": base["by_area"],
        "by_month": {f"month {n + 1}": base["by_month"].get(m, 0) for n, m in enumerate(months)},
        "high_tension_by_month": {
            f"month {n + 1}": base["high_tension_by_month"].get(m, 0) for n, m in enumerate(months)
        },
        "victims": {"victims": base["victims"], "repeat victims": base["repeat_victims"]},
        "perpetrators": _perpetrators(partnership, period, incidents),
        "referrals": {
            "referrals": base["referrals"],
            **{
                f"assessed {RiskLevel(level).label.lower()}": base["referrals_by_level"].get(
                    level, 0
                )
                for level in RiskLevel.values
            },
        },
        "agreed_risk": {RiskLevel(level).label: agreed.get(level, 0) for level in RiskLevel.values},
        "conferences": {
            "arranged": conferences.count(),
            "held": held.count(),
            "arranged, not held": conferences.exclude(state=ConferenceState.CONCLUDED)
            .filter(starts_at__lt=now)
            .count(),
        },
        "actions": actions,
        "strategy": strategy,
        "casework": _casework(partnership, period),
        "compliance": {
            f"{step['description']}: {outcome}": step[outcome]
            for step in compliance["steps"]
            for outcome in ("met", "missed", "waived", "open")
        },
        "agencies": {
            f"{agency}: {kind}": n
            for agency, kinds in sorted(agencies.items(), key=lambda pair: str(pair[0]))
            for kind, n in sorted(kinds.items())
        },
        "months": months,
    }


SECTIONS = {
    "incidents": "Incidents",
    "by_strand": "Incidents by strand",
    "by_area": "Incidents by area",
    "by_month": "Incidents by month of the period",
    "high_tension_by_month": "Incidents at high or critical tension, by month of the period",
    "victims": "Victims",
    "perpetrators": "Perpetrators and suspects",
    "referrals": "Referrals to the risk conference",
    "agreed_risk": "Risk levels agreed at conferences held",
    "conferences": "Risk conferences",
    "actions": "Actions due in the period (conference and debrief actions)",
    "strategy": "Strategy action plan (actions due in the period; the plan; its reviews)",
    "casework": "Casework: victim contact to the standard (cases opened in the period)",
    "compliance": "Protocol compliance per step (major incidents declared in the period)",
    "agencies": "Per-agency contributions",
}


def six_monthly_figures(
    partnership: Partnership, period: Period, *, now: datetime | None = None
) -> dict[str, Any]:
    """Every figure of ``period`` beside the period before, and the months each covers."""
    now = now or timezone.now()
    before_period = previous_period(period)
    this = _period_figures(partnership, period, now=now)
    before = _period_figures(partnership, before_period, now=now)
    rows = [row for section in SECTIONS for row in _rows(section, this[section], before[section])]
    return {
        "partnership": partnership.name,
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label(),
        },
        "previous": {
            "start": before_period.start.isoformat(),
            "end": before_period.end.isoformat(),
            "label": before_period.label(),
        },
        "months": this["months"],
        "previous_months": before["months"],
        "rows": [row.__dict__ for row in rows],
        "produced_at": timezone.localtime(now, LONDON).isoformat(),
    }


def six_monthly_csv(figures: dict[str, Any]) -> str:
    """Every figure, one a row: section, item, this period, the previous period."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", figures["period"]["label"], figures["previous"]["label"]])
    for row in figures["rows"]:
        writer.writerow(
            [
                SECTIONS[row["section"]],
                row["item"],
                "" if row["value"] is None else row["value"],
                "" if row["previous"] is None else row["previous"],
            ]
        )
    return out.getvalue()


def figure(figures: dict[str, Any], section: str, item: str) -> tuple[Any, Any]:
    """One figure and its previous value (what the tests and the PDF's charts read)."""
    for row in figures["rows"]:
        if row["section"] == section and row["item"] == item:
            return row["value"], row["previous"]
    raise KeyError(f"{section}: {item}")
