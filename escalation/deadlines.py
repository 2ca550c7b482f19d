"""Due times of protocol steps, computed once and explained in words.

All arithmetic is in Europe/London wall-clock time, so a clock change never moves a due time by an
hour: "3 days from Fri 27 Mar 2026 10:00" is Mon 30 Mar 10:00 whatever happened to the clocks on
the Sunday. "Immediately" is an elapsed target (an hour is an hour), measured on the absolute clock.

Bank holidays come from the calendar of working days (``partnership.calendar``), which is data an
administrator can correct: each computation reads it afresh, once per year it needs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from partnership.calendar.selectors import BankHolidays, division_of
from partnership.models import Division

LONDON = ZoneInfo("Europe/London")


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in the UK, as an instant (the clocks never change at
    midnight here, so it always exists and happens once)."""
    return datetime.combine(day, time.min, tzinfo=LONDON)


class DeadlineKind(enum.StrEnum):
    IMMEDIATE = "immediate"
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    explanation: str


def _fmt(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def _fmt_result(moment: datetime, start: datetime) -> str:
    """The due time, without the year when it is the start's year."""
    local = moment.astimezone(LONDON)
    if local.year != start.astimezone(LONDON).year:
        return _fmt(moment)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _fmt_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _wall_clock(day: date, clock: time) -> datetime:
    """The instant a London wall clock shows ``clock`` on ``day``.

    In the spring gap (01:00-02:00 does not exist) the time moves forward by the gap; in the autumn
    overlap the first of the two instants is taken.
    """
    naive = datetime.combine(day, clock)
    candidate = naive.replace(tzinfo=LONDON, fold=0)
    # A wall time in the gap does not survive the round trip through UTC.
    roundtrip = candidate.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None)
    if roundtrip != naive:
        candidate = (naive + timedelta(hours=1)).replace(tzinfo=LONDON, fold=0)
    return candidate


def deadline_compute(
    *,
    start: datetime,
    kind: DeadlineKind | str,
    amount: int = 0,
    nation: str = "ENG",
    immediate_target: timedelta = timedelta(hours=1),
    bank_holidays: BankHolidays | None = None,
) -> Deadline:
    """When a step that starts at ``start`` is due, and why, in words a person can check.

    ``nation`` names whose bank holidays are not working days: a code of the settings (ENG, SCT,
    NIR) or a GOV.UK division. Pass one ``bank_holidays`` to several computations in a transaction
    to read each year of the calendar once."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    kind = DeadlineKind(kind)
    division = division_of(nation)
    if kind is not DeadlineKind.IMMEDIATE and amount < 1:
        raise ValueError(f"a {kind.value} deadline needs an amount of at least 1")
    local = start.astimezone(LONDON)

    if kind is DeadlineKind.IMMEDIATE:
        due = start + immediate_target
        minutes = int(immediate_target.total_seconds() // 60)
        target = f"{minutes} minutes" if minutes % 60 else _plural(minutes // 60, "hour")
        return Deadline(
            due, f"Immediately (target {target}) from {_fmt(start)} → {_fmt_result(due, start)}"
        )

    if kind is DeadlineKind.HOURS:
        due = start + timedelta(hours=amount)
        return Deadline(
            due, f"{_plural(amount, 'hour')} from {_fmt(start)} → {_fmt_result(due, start)}"
        )

    if kind is DeadlineKind.DAYS:
        due = _wall_clock(local.date() + timedelta(days=amount), local.time())
        return Deadline(
            due, f"{_plural(amount, 'day')} from {_fmt(start)} → {_fmt_result(due, start)}"
        )

    bank_holidays = bank_holidays or BankHolidays()
    day = local.date()
    counted = 0
    skipped: list[str] = []
    while counted < amount:
        day += timedelta(days=1)
        holiday = bank_holidays.name(day, division)
        if holiday is not None:
            # Weekends are skipped without comment; a bank holiday is named, because that is the
            # part of the rule a reader might not expect.
            if day.weekday() < 5:
                skipped.append(f"{_fmt_day(day)} {holiday}")
            continue
        if day.weekday() >= 5:
            continue
        counted += 1
    due = _wall_clock(day, local.time())
    explanation = f"{_plural(amount, 'working day')} from {_fmt(start)}"
    if skipped:
        explanation += f": {', '.join(skipped)} skipped"
    explanation += f" → {_fmt_result(due, start)}"
    if division != Division.ENGLAND_AND_WALES:
        explanation += f" (bank holidays of {division.label})"
    return Deadline(due, explanation)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
