"""An oversight body's figures: for each of its partnerships, side by side, the figures the
partnership reports about itself, computed by the partnership's own report and compliance
(``review.reports``, ``review.compliance``) and published under the small-numbers rule
(``oversight.suppression``). Figures only: no incident, person or member is named, and nothing
is counted that the partnership's own pages do not count."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from oversight.models import OversightBody
from oversight.suppression import RULE, WITHHELD, Figure, breakdown, count, drawn_from, rate
from partnership.models import Area, Partnership
from review.compliance import ComplianceFilter, compliance_across, partnership_compliance_incidents
from review.reports import Period, partnership_report
from review.six_monthly import CONTACT_OUTCOMES, casework_contact

CONTACT_STANDARDS_NOTE = (
    "Contact standards: victim contact for the cases opened in the period (first contact and "
    "the visit within the partnership's standard times, the follow-up within its days of the "
    "visit). Met: of the steps done, those done by their standard time; shown only when every "
    "count it is made of is shown."
)


def _months(period: Period) -> list[str]:
    months: list[str] = []
    day = date(period.start.year, period.start.month, 1)
    while day <= period.end:
        months.append(f"{day:%Y-%m}")
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _figures(figures: dict[str, Figure]) -> dict[str, dict[str, Any]]:
    return {key: figure.as_dict() for key, figure in figures.items()}


@dataclass(frozen=True)
class StepRow:
    step: str
    description: str
    outcomes: dict[str, Figure]
    share_met: Figure
    median_to_complete: Figure

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "description": self.description,
            "outcomes": _figures(self.outcomes),
            "share_met": self.share_met.as_dict(),
            "median_to_complete": self.median_to_complete.as_dict(),
        }


@dataclass(frozen=True)
class ContactRow:
    """One step of victim contact (contact, visit, follow-up) over the period's cases."""

    step: str
    description: str
    outcomes: dict[str, Figure]  # keyed by ``review.six_monthly.CONTACT_OUTCOMES``' words
    share_on_time: Figure

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "description": self.description,
            "outcomes": _figures(self.outcomes),
            "share_on_time": self.share_on_time.as_dict(),
        }


@dataclass(frozen=True)
class PartnershipFigures:
    partnership: Partnership
    incidents: Figure
    declared: dict[str, Figure]  # "declared major" and "not major"
    by_strand: dict[str, Figure]
    by_area: dict[str, Figure]
    by_month: dict[str, Figure]
    high_tension_by_month: dict[str, Figure]
    victims: Figure
    repeat: dict[str, Figure]  # "repeat victims" and "victims once"
    repeat_rate: Figure
    actions_overdue: Figure
    compliance_incidents: Figure
    incidents_with_missed_steps: Figure
    steps: list[StepRow]
    cases_opened: Figure
    contact: list[ContactRow]
    contact_standards_met: Figure

    def as_dict(self) -> dict[str, Any]:
        return {
            "partnership": {"name": self.partnership.name, "slug": self.partnership.slug},
            "incidents": self.incidents.as_dict(),
            "declared": _figures(self.declared),
            "by_strand": _figures(self.by_strand),
            "by_area": _figures(self.by_area),
            "by_month": _figures(self.by_month),
            "high_tension_by_month": _figures(self.high_tension_by_month),
            "victims": self.victims.as_dict(),
            "repeat": _figures(self.repeat),
            "repeat_rate": self.repeat_rate.as_dict(),
            "actions_overdue": self.actions_overdue.as_dict(),
            "compliance": {
                "incidents": self.compliance_incidents.as_dict(),
                "incidents_with_missed_steps": self.incidents_with_missed_steps.as_dict(),
                "steps": [step.as_dict() for step in self.steps],
            },
            "casework": {
                "cases_opened": self.cases_opened.as_dict(),
                "steps": [row.as_dict() for row in self.contact],
            },
            "contact_standards_met": self.contact_standards_met.as_dict(),
        }


REPEAT, ONCE = "repeat victims", "victims once"
MAJOR, NOT_MAJOR = "declared major", "not major"


ON_TIME, LATE = CONTACT_OUTCOMES["on_time"], CONTACT_OUTCOMES["late"]


def _contact(partnership: Partnership, period: Period) -> tuple[Figure, list[ContactRow], Figure]:
    """Cases opened, each step's outcomes (a breakdown each), each step's share on time, and the
    standards met over all steps: a rate over the summed counts, published only when every
    step's counts of on time and late are shown (else a hidden count could be worked out from the
    total less the shown ones)."""
    opened, steps = casework_contact(partnership, period)
    rows = []
    for step in steps:
        outcomes = breakdown(
            {words: getattr(step, attribute) for attribute, words in CONTACT_OUTCOMES.items()}
        )
        rows.append(
            ContactRow(
                step=step.kind,
                description=step.label,
                outcomes=outcomes,
                share_on_time=rate(outcomes[ON_TIME], outcomes[LATE]),
            )
        )
    if any(row.outcomes[key].hidden for row in rows for key in (ON_TIME, LATE)):
        met = Figure(None, WITHHELD)
    else:
        met = rate(count(sum(s.on_time for s in steps)), count(sum(s.late for s in steps)))
    return count(opened), rows, met


def partnership_figures(partnership: Partnership, period: Period) -> PartnershipFigures:
    """One partnership's figures over ``period``, suppressed."""
    report = partnership_report(partnership, period)
    months = _months(period)
    areas = Area.objects.filter(partnership=partnership).values_list("name", flat=True)
    by_area = dict.fromkeys(areas, 0) | report["by_area"]
    repeat = breakdown(
        {REPEAT: report["repeat_victims"], ONCE: report["victims"] - report["repeat_victims"]}
    )
    compliance = compliance_across(
        partnership_compliance_incidents(
            partnership,
            ComplianceFilter(since=period.since, until=period.until - timedelta(microseconds=1)),
        )
    )
    steps = []
    for step in compliance["steps"]:
        outcomes = breakdown({key: step[key] for key in ("met", "missed", "waived", "open")})
        steps.append(
            StepRow(
                step=step["step"],
                description=step["description"],
                outcomes=outcomes,
                share_met=rate(outcomes["met"], outcomes["missed"]),
                median_to_complete=drawn_from(
                    step["median_to_complete"], outcomes["met"], outcomes["missed"]
                ),
            )
        )
    cases_opened, contact, contact_met = _contact(partnership, period)
    return PartnershipFigures(
        partnership=partnership,
        incidents=count(report["incidents"]),
        declared=breakdown(
            {
                MAJOR: report["declared_major"],
                NOT_MAJOR: report["incidents"] - report["declared_major"],
            }
        ),
        by_strand=breakdown(report["by_strand"]),
        by_area=breakdown(dict(sorted(by_area.items()))),
        by_month=breakdown({month: report["by_month"].get(month, 0) for month in months}),
        high_tension_by_month=breakdown(
            {month: report["high_tension_by_month"].get(month, 0) for month in months}
        ),
        victims=count(report["victims"]),
        repeat=repeat,
        repeat_rate=rate(repeat[REPEAT], repeat[ONCE]),
        actions_overdue=count(report["actions_overdue"]),
        compliance_incidents=count(compliance["incidents"]),
        incidents_with_missed_steps=count(len(compliance["incidents_with_missed_steps"])),
        steps=steps,
        cases_opened=cases_opened,
        contact=contact,
        contact_standards_met=contact_met,
    )


def body_figures(body: OversightBody, period: Period) -> list[PartnershipFigures]:
    return [partnership_figures(p, period) for p in body.partnerships.order_by("name")]


def figures_json(body: OversightBody, period: Period) -> dict[str, Any]:
    return {
        "body": {"name": body.name, "slug": body.slug, "kind": body.kind},
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label(),
        },
        "suppression": RULE,
        "contact_standards": CONTACT_STANDARDS_NOTE,
        "partnerships": [figures.as_dict() for figures in body_figures(body, period)],
    }


def _rows(prefix: str, value: Any) -> list[tuple[str, str]]:
    """Flatten a figures dict to (item, shown) rows."""
    if isinstance(value, dict) and set(value) == {"value", "shown"}:
        return [(prefix, str(value["shown"]))]
    if isinstance(value, dict):
        return [row for key, inner in value.items() for row in _rows(f"{prefix}: {key}", inner)]
    if isinstance(value, list):
        rows: list[tuple[str, str]] = []
        for inner in value:
            label = f"{prefix}: {inner.get('description') or inner.get('step')}"
            rows += _rows(
                label, {k: v for k, v in inner.items() if k not in ("step", "description")}
            )
        return rows
    return [(prefix, str(value))]


def figures_csv(data: dict[str, Any]) -> str:
    """Every figure, one per row (partnership, figure, shown), small numbers suppressed as on
    the page; the rule first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["partnership", "figure", "shown"])
    writer.writerow(["", "oversight body", data["body"]["name"]])
    writer.writerow(["", "period", data["period"]["label"]])
    writer.writerow(["", "small numbers", data["suppression"]])
    for figures in data["partnerships"]:
        name = figures["partnership"]["name"]
        for key, value in figures.items():
            if key == "partnership":
                continue
            for item, shown in _rows(key.replace("_", " "), value):
                writer.writerow([name, item, shown])
    return out.getvalue()
