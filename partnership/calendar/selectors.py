"""Which days are bank holidays, per division and year.

A year held as data (a ``CalendarYear`` row) is read from its ``CalendarDay`` rows only. A year not
yet held is read from the ``holidays`` package installed with the service: the seed that lets
deadlines work on a fresh machine with no network. Importing GOV.UK's list or an administrator's
edit turns a year into data, and from then on the package no longer speaks for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib.metadata import version

import holidays
from django.conf import settings

from partnership.locks import advisory_xact_lock_shared
from partnership.models import (
    CalendarDay,
    CalendarSource,
    CalendarYear,
    DayStatus,
    Division,
    Member,
)
from partnership.models import holiday_name as _name

# The settings' nation codes (PROTOCOL_HOLIDAY_NATION), which the holidays package also uses.
NATION_DIVISIONS: dict[str, Division] = {
    "ENG": Division.ENGLAND_AND_WALES,
    "SCT": Division.SCOTLAND,
    "NIR": Division.NORTHERN_IRELAND,
}
_PACKAGE_SUBDIVISIONS = {division: code for code, division in NATION_DIVISIONS.items()}
# Administrators edit years within these bounds: wide enough for any deadline, narrow enough to
# catch a mistyped year.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def division_of(nation: str) -> Division:
    """The division a nation code (ENG, SCT, NIR) or a GOV.UK division name stands for."""
    if nation in NATION_DIVISIONS:
        return NATION_DIVISIONS[nation]
    if nation in Division.values:
        return Division(nation)
    raise ValueError(
        f"unknown nation {nation!r}: choose one of {', '.join(NATION_DIVISIONS)} "
        f"(or {', '.join(Division.values)})"
    )


def division_installed() -> Division:
    """The division whose bank holidays the service's deadlines use (``PROTOCOL_HOLIDAY_NATION``)
    until each partnership names its own."""
    return division_of(settings.PROTOCOL_HOLIDAY_NATION)


def calendar_lock_name(division: str) -> str:
    return f"partnership.calendar:{division}"


def calendar_hold(division: str) -> None:
    """Keep ``division``'s calendar as it is until the caller's transaction ends.

    A transaction that stores deadlines computed over the calendar calls this before it writes to
    the timeline (rows are locked before the timeline everywhere), so that a calendar change either
    finishes first, and the deadlines are computed over it, or starts after, and finds them to
    recompute. Changes to the calendar take the same lock exclusively."""
    advisory_xact_lock_shared(calendar_lock_name(division))


# --- The seed: the holidays package ---------------------------------------------------------------
@dataclass(frozen=True)
class SeedDay:
    date: date
    title: str
    notes: str


PACKAGE_DETAIL = f"holidays {version('holidays')}"


@cache
def package_days(division: str, year: int) -> tuple[SeedDay, ...]:
    """The bank holidays the installed ``holidays`` package gives, in GOV.UK's terms."""
    found = holidays.country_holidays(
        "GB", subdiv=_PACKAGE_SUBDIVISIONS[Division(division)], years=year
    )
    days = []
    for day, label in sorted(found.items()):
        # The package marks a substitute day "(observed)"; GOV.UK says so in the notes.
        observed = label.endswith(" (observed)")
        days.append(
            SeedDay(
                date=day,
                title=label.removesuffix(" (observed)"),
                notes="Substitute day" if observed else "",
            )
        )
    return tuple(days)


# --- Reading a year -------------------------------------------------------------------------------
def _year_names(division: str, year: int) -> dict[date, str]:
    # One query: the year's row joined to its days (a held year may have none).
    rows = CalendarYear.objects.filter(division=division, year=year).values_list(
        "days__date", "days__title", "days__notes", "days__status"
    )
    found = list(rows)
    if not found:
        return {seed.date: _name(seed.title, seed.notes) for seed in package_days(division, year)}
    return {
        day: _name(title, notes)
        for day, title, notes, status in found
        if day is not None and status == DayStatus.BANK_HOLIDAY
    }


class BankHolidays:
    """Bank holidays as deadlines read them, each (division, year) loaded once per instance.

    Make one per computation, or share one across the computations of one transaction (a
    declaration computes a deadline per step). It never outlives that: a calendar change must be
    seen by the next computation, in whichever process it runs."""

    def __init__(self) -> None:
        self._years: dict[tuple[str, int], dict[date, str]] = {}

    def name(self, day: date, division: str) -> str | None:
        """The bank holiday ``day`` is in ``division``, or None for a working day or weekend."""
        key = (division, day.year)
        names = self._years.get(key)
        if names is None:
            names = self._years[key] = _year_names(division, day.year)
        return names.get(day)


# --- The calendar page and API --------------------------------------------------------------------
@dataclass(frozen=True)
class DayRow:
    date: date
    title: str
    notes: str
    name: str
    status: str
    source: str
    reason: str
    changed_by: Member | None
    changed_at: datetime | None

    @property
    def is_holiday(self) -> bool:
        return self.status == DayStatus.BANK_HOLIDAY


@dataclass(frozen=True)
class YearView:
    division: Division
    year: int
    held: bool  # False: read from the package, not yet data
    source: str
    detail: str
    loaded_at: datetime | None
    loaded_by: Member | None
    days: list[DayRow]  # bank holidays and days an administrator removed, by date

    @property
    def source_label(self) -> str:
        return CalendarSource(self.source).label

    @property
    def holidays(self) -> list[DayRow]:
        return [day for day in self.days if day.is_holiday]

    @property
    def removed(self) -> list[DayRow]:
        return [day for day in self.days if not day.is_holiday]


def calendar_year(division: Division, year: int) -> YearView:
    held = (
        CalendarYear.objects.filter(division=division, year=year)
        .select_related("loaded_by")
        .first()
    )
    if held is None:
        return YearView(
            division=division,
            year=year,
            held=False,
            source=CalendarSource.PACKAGE,
            detail=PACKAGE_DETAIL,
            loaded_at=None,
            loaded_by=None,
            days=[
                DayRow(
                    date=seed.date,
                    title=seed.title,
                    notes=seed.notes,
                    name=_name(seed.title, seed.notes),
                    status=DayStatus.BANK_HOLIDAY,
                    source=CalendarSource.PACKAGE,
                    reason="",
                    changed_by=None,
                    changed_at=None,
                )
                for seed in package_days(division, year)
            ],
        )
    days = CalendarDay.objects.filter(calendar_year=held).select_related("changed_by")
    return YearView(
        division=division,
        year=year,
        held=True,
        source=held.source,
        detail=held.detail,
        loaded_at=held.loaded_at,
        loaded_by=held.loaded_by,
        days=[
            DayRow(
                date=day.date,
                title=day.title,
                notes=day.notes,
                name=day.name,
                status=day.status,
                source=day.source,
                reason=day.reason,
                changed_by=day.changed_by,
                changed_at=day.changed_at,
            )
            for day in days.order_by("date")
        ],
    )


def calendar_years_held(division: Division) -> list[int]:
    return list(
        CalendarYear.objects.filter(division=division)
        .order_by("year")
        .values_list("year", flat=True)
    )
