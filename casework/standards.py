"""The standards of victim contact, per risk level, and the due times they give.

Defaults (a partnership changes them on the case rules page): high risk, contact within 24 hours
and a visit within 3 working days (the issue's example); medium, contact within 2 working days
and a visit within 5; standard, contact within 3 working days and a visit within 10. The
follow-up is within 14 days of the visit (002). Due times come from the protocol's clock
(``escalation.deadlines``: UK wall-clock time, the partnership's calendar of bank holidays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casework.models import ContactStandard, TaskKind
from conference.models import RiskLevel
from escalation.deadlines import Deadline, DeadlineKind, deadline_compute
from partnership.calendar.selectors import BankHolidays
from partnership.models import Partnership

# The units a standard's step is counted in (the API's choice of them).
DEADLINE_UNITS = [
    DeadlineKind.HOURS.value,
    DeadlineKind.DAYS.value,
    DeadlineKind.WORKING_DAYS.value,
]


@dataclass(frozen=True)
class Step:
    kind: str
    amount: int


@dataclass(frozen=True)
class Standard:
    risk_level: str
    contact: Step
    visit: Step
    follow_up_days: int


DEFAULTS: dict[str, Standard] = {
    RiskLevel.HIGH: Standard(
        RiskLevel.HIGH, Step(DeadlineKind.HOURS, 24), Step(DeadlineKind.WORKING_DAYS, 3), 14
    ),
    RiskLevel.MEDIUM: Standard(
        RiskLevel.MEDIUM,
        Step(DeadlineKind.WORKING_DAYS, 2),
        Step(DeadlineKind.WORKING_DAYS, 5),
        14,
    ),
    RiskLevel.STANDARD: Standard(
        RiskLevel.STANDARD,
        Step(DeadlineKind.WORKING_DAYS, 3),
        Step(DeadlineKind.WORKING_DAYS, 10),
        14,
    ),
}


def standard_for(partnership: Partnership, risk_level: str) -> Standard:
    row = ContactStandard.objects.filter(partnership=partnership, risk_level=risk_level).first()
    if row is None:
        return DEFAULTS[risk_level]
    return Standard(
        row.risk_level,
        Step(row.contact_kind, row.contact_amount),
        Step(row.visit_kind, row.visit_amount),
        row.follow_up_days,
    )


def standards_for(partnership: Partnership) -> list[Standard]:
    return [standard_for(partnership, level) for level in reversed(RiskLevel.values)]


def step_of(standard: Standard, kind: str) -> Step:
    if kind == TaskKind.CONTACT:
        return standard.contact
    if kind == TaskKind.VISIT:
        return standard.visit
    if kind == TaskKind.FOLLOW_UP:
        return Step(DeadlineKind.DAYS, standard.follow_up_days)
    raise ValueError(f"{kind!r} is not a step of victim contact")


def step_words(step: Step) -> str:
    unit = {
        DeadlineKind.HOURS: "hour",
        DeadlineKind.DAYS: "day",
        DeadlineKind.WORKING_DAYS: "working day",
    }.get(DeadlineKind(step.kind), "")
    if not unit:
        return "immediately"
    return f"within {step.amount} {unit}{'' if step.amount == 1 else 's'}"


def step_due(
    *,
    partnership: Partnership,
    step: Step,
    start: datetime,
    why: str,
    bank_holidays: BankHolidays | None = None,
) -> Deadline:
    """When a step that starts at ``start`` is due, its reason first ("High risk: visit within 3
    working days"), then the computation in words."""
    deadline = deadline_compute(
        start=start,
        kind=step.kind,
        amount=step.amount,
        nation=partnership.division,
        bank_holidays=bank_holidays,
    )
    return Deadline(deadline.due_at, f"{why}: {deadline.explanation}")
