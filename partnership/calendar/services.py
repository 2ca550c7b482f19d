"""Changes to the calendar of working days: an administrator adds or removes a bank holiday with a
reason, or GOV.UK's published list is imported.

Each is one transaction holding the division's calendar lock. It writes the calendar's rows, then
calls the registered change handlers (apps that recompute the deadlines a change affects), then
records the change on the timeline: rows are locked before the timeline is written, as in every
service, so a handler that locks duties never waits for a scheduler run that holds one of them
and waits for the timeline.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partnership.calendar.govuk import GovukEvent, govuk_parse
from partnership.calendar.selectors import (
    FIRST_YEAR,
    LAST_YEAR,
    PACKAGE_DETAIL,
    calendar_lock_name,
    package_days,
)
from partnership.errors import ConflictError
from partnership.locks import advisory_xact_locks
from partnership.models import (
    CalendarDay,
    CalendarSource,
    CalendarYear,
    DayStatus,
    Division,
    Member,
    holiday_name,
)
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record

REASON_MAX = 500
TITLE_MAX = 200
# How much of a reason a deadline's explanation quotes (the timeline keeps all of it).
REASON_QUOTED = 150


# --- What changed, for those who keep deadlines over the calendar ---------------------------------
@dataclass(frozen=True)
class DayChange:
    date: date
    holiday: bool  # what the day is now
    name: str


def _day_words(day: date, at: datetime) -> str:
    """“Mon 15 Jun”, with the year when it is not the year of the change."""
    local = timezone.localtime(at)
    words = f"{day:%a} {day.day} {day:%b}"
    return words if day.year == local.year else f"{words} {day.year}"


@dataclass(frozen=True)
class CalendarChange:
    """One change to one division's calendar: the days whose status changed, who changed them,
    when, and how, in words."""

    id: str
    division: Division
    days: tuple[DayChange, ...]
    actor: Member | None
    at: datetime
    how: str  # "added 2 Jun by Alex Admin: …", "from GOV.UK's list imported 3 Jun by …"

    def describe(self, day: DayChange) -> str:
        """“Mon 15 Jun now a bank holiday in Scotland, added 2 Jun by Alex Admin: …”"""
        now_is = "now a bank holiday" if day.holiday else "no longer a bank holiday"
        return f"{_day_words(day.date, self.at)} {now_is} in {self.division.label}, {self.how}"


ChangeHandler = Callable[[CalendarChange], int]
_HANDLERS: list[ChangeHandler] = []


def calendar_change_register(handler: ChangeHandler) -> None:
    """Apps whose deadlines count working days register a handler (from ``AppConfig.ready``).

    It is called inside the transaction of every calendar change, after the calendar's rows are
    written and before the change's timeline events, and returns how many deadlines it
    recomputed. It must lock its own rows before it writes to the timeline."""
    if handler not in _HANDLERS:
        _HANDLERS.append(handler)


def _handlers_run(change: CalendarChange) -> int:
    if not change.days:
        return 0
    return sum(handler(change) for handler in _HANDLERS)


def _who(actor: Member | None) -> str:
    return str(actor) if actor is not None else "the service"


def _when(at: datetime) -> str:
    local = timezone.localtime(at)
    return f"{local.day} {local:%b}"


def _quoted(reason: str) -> str:
    return reason if len(reason) <= REASON_QUOTED else reason[: REASON_QUOTED - 1].rstrip() + "…"


# --- Holding a year as data -----------------------------------------------------------------------
def _division_clean(division: str) -> Division:
    if division not in Division.values:
        raise ValidationError(
            {"division": f"Choose one of GOV.UK's divisions: {', '.join(Division.values)}."}
        )
    return Division(division)


def _year_hold(division: Division, year: int, *, now: datetime) -> tuple[CalendarYear, bool]:
    """The year's row, copying the package's days in when the year was not yet held as data
    (then True: the caller records that on the timeline). Caller holds the division's lock."""
    held: CalendarYear | None = CalendarYear.objects.filter(division=division, year=year).first()
    if held is not None:
        return held, False
    held = CalendarYear.objects.create(
        division=division,
        year=year,
        source=CalendarSource.PACKAGE,
        detail=PACKAGE_DETAIL,
        loaded_at=now,
    )
    CalendarDay.objects.bulk_create(
        CalendarDay(
            calendar_year=held,
            date=seed.date,
            title=seed.title,
            notes=seed.notes,
            source=CalendarSource.PACKAGE,
            changed_at=now,
        )
        for seed in package_days(division, year)
    )
    return held, True


def _seeded_record(held: CalendarYear, *, actor: Member | None) -> None:
    audit_record(
        actor=actor,
        verb="calendar.seeded",
        subject=held,
        scope=Scope.calendar(held.division),
        changes={
            "division": held.division,
            "year": held.year,
            "source": held.detail,
            "days": [seed.date for seed in package_days(held.division, held.year)],
        },
    )


# --- An administrator's change --------------------------------------------------------------------
@dataclass(frozen=True)
class CalendarEdit:
    day: CalendarDay
    change: CalendarChange
    recomputed: int  # deadlines recomputed because of it


def _edit_check(day: date, reason: str, errors: dict[str, str]) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors["date"] = f"Give a date between {FIRST_YEAR} and {LAST_YEAR}."
    if not reason:
        errors["reason"] = "Say why, for the record: the proclamation, or what was wrong."
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"Keep the reason under {REASON_MAX} characters."


def _edit_finish(
    *, row: CalendarDay, actor: Member, verb: str, reason: str, now: datetime, seeded: bool
) -> CalendarEdit:
    """Handlers, then the timeline (see the module's docstring for why in that order)."""
    holiday = row.status == DayStatus.BANK_HOLIDAY
    division = Division(row.calendar_year.division)
    change = CalendarChange(
        id=uuid.uuid4().hex,
        division=division,
        days=(DayChange(date=row.date, holiday=holiday, name=row.name),),
        actor=actor,
        at=now,
        how=f"{'added' if holiday else 'removed'} {_when(now)} by {_who(actor)}: {_quoted(reason)}",
    )
    recomputed = _handlers_run(change)
    if seeded:
        _seeded_record(row.calendar_year, actor=actor)
    audit_record(
        actor=actor,
        verb=verb,
        subject=row,
        scope=Scope.calendar(division),
        changes={
            "division": division.value,
            "date": row.date,
            "title": row.name,
            "reason": reason,
            "change": change.id,
            "recomputed": recomputed,
        },
    )
    return CalendarEdit(day=row, change=change, recomputed=recomputed)


@transaction.atomic
def calendar_day_add(
    *,
    actor: Member,
    division: str,
    day: date,
    title: str,
    reason: str,
    now: datetime | None = None,
) -> CalendarEdit:
    """Make ``day`` a bank holiday in ``division`` (a holiday proclaimed at short notice, or one
    the list lacks). Pending deadlines counted over it are recomputed."""
    require(actor, "calendar.manage")
    division = _division_clean(division)
    title, reason = title.strip(), reason.strip()
    errors: dict[str, str] = {}
    _edit_check(day, reason, errors)
    if not title:
        errors["title"] = "Name the bank holiday as the proclamation does."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the name under {TITLE_MAX} characters."
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    advisory_xact_locks([calendar_lock_name(division)])
    held, seeded = _year_hold(division, day.year, now=now)
    row: CalendarDay | None = CalendarDay.objects.filter(calendar_year=held, date=day).first()
    if row is not None and row.status == DayStatus.BANK_HOLIDAY:
        raise ConflictError(
            f"{day:%a} {day.day} {day:%b %Y} is already a bank holiday in {division.label}: "
            f"{row.name}."
        )
    row = row or CalendarDay(calendar_year=held, date=day)
    row.title, row.notes, row.bunting = title, "", True
    row.status, row.source = DayStatus.BANK_HOLIDAY, CalendarSource.ADMINISTRATOR
    row.reason, row.changed_by, row.changed_at = reason, actor, now
    row.save()
    return _edit_finish(
        row=row, actor=actor, verb="calendar.day_added", reason=reason, now=now, seeded=seeded
    )


@transaction.atomic
def calendar_day_remove(
    *, actor: Member, division: str, day: date, reason: str, now: datetime | None = None
) -> CalendarEdit:
    """Make ``day`` a working day in ``division`` again (a holiday moved or cancelled). The
    removal outlives later imports: they report it rather than put the day back."""
    require(actor, "calendar.manage")
    division = _division_clean(division)
    reason = reason.strip()
    errors: dict[str, str] = {}
    _edit_check(day, reason, errors)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    advisory_xact_locks([calendar_lock_name(division)])
    held, seeded = _year_hold(division, day.year, now=now)
    row: CalendarDay | None = CalendarDay.objects.filter(
        calendar_year=held, date=day, status=DayStatus.BANK_HOLIDAY
    ).first()
    if row is None:
        raise ConflictError(
            f"{day:%a} {day.day} {day:%b %Y} is not a bank holiday in {division.label}."
        )
    row.status, row.source = DayStatus.REMOVED, CalendarSource.ADMINISTRATOR
    row.reason, row.changed_by, row.changed_at = reason, actor, now
    row.save()
    return _edit_finish(
        row=row, actor=actor, verb="calendar.day_removed", reason=reason, now=now, seeded=seeded
    )


# --- Importing GOV.UK's list ----------------------------------------------------------------------
@dataclass
class DivisionImport:
    """What one import did to one division, in lines a person reads."""

    division: Division
    years: list[int]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    kept: list[str] = field(
        default_factory=list
    )  # administrators' decisions the list disagrees with
    recomputed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.renamed)

    def summary(self) -> str:
        first, last = (self.years[0], self.years[-1]) if self.years else (0, 0)
        years = str(first) if first == last else f"{first}-{last}"
        return (
            f"{self.division.label} ({years}): {len(self.added)} added, {len(self.removed)} "
            f"removed, {len(self.renamed)} renamed, {len(self.kept)} kept as an administrator set "
            f"them; {self.recomputed} pending deadline{'' if self.recomputed == 1 else 's'} "
            "recomputed."
        )


@dataclass(frozen=True)
class ImportReport:
    source: str
    divisions: list[DivisionImport]

    @property
    def changed(self) -> bool:
        return any(d.changed for d in self.divisions)


def _line(day: date, name: str) -> str:
    return f"{day:%a} {day.day} {day:%b %Y} {name}"


def _govuk_row(held: CalendarYear, event: GovukEvent, now: datetime) -> CalendarDay:
    return CalendarDay(
        calendar_year=held,
        date=event.date,
        title=event.title,
        notes=event.notes,
        bunting=event.bunting,
        source=CalendarSource.GOVUK,
        changed_at=now,
    )


def _year_import(
    division: Division,
    year: int,
    events: list[GovukEvent],
    *,
    source: str,
    actor: Member | None,
    now: datetime,
    done: DivisionImport,
) -> list[DayChange]:
    """Bring one year in line with the list; returns the days whose status changed. Caller holds
    the division's calendar lock."""
    wanted = {event.date: event for event in events}
    held: CalendarYear | None = CalendarYear.objects.filter(division=division, year=year).first()
    rows: dict[date, CalendarDay] = {}
    if held is None:
        # Not yet data: deadlines were reading the package, so that is what the list changes.
        held = CalendarYear.objects.create(
            division=division,
            year=year,
            source=CalendarSource.GOVUK,
            detail=source,
            loaded_at=now,
            loaded_by=actor,
        )
        before = {seed.date: (seed.title, seed.notes) for seed in package_days(division, year)}
    else:
        rows = {row.date: row for row in held.days.select_related("changed_by")}
        before = {
            day: (row.title, row.notes)
            for day, row in rows.items()
            if row.status == DayStatus.BANK_HOLIDAY
        }
        if (held.source, held.detail) != (CalendarSource.GOVUK, source):
            held.source, held.detail = CalendarSource.GOVUK, source
            held.loaded_at, held.loaded_by = now, actor
            held.save()

    changes: list[DayChange] = []
    new_rows: list[CalendarDay] = []
    for day in sorted(set(wanted) | set(rows) | set(before)):
        event, row = wanted.get(day), rows.get(day)
        if row is not None and row.source == CalendarSource.ADMINISTRATOR:
            # An administrator's decision stands; say where the list disagrees with it.
            if (event is None) == (row.status == DayStatus.BANK_HOLIDAY):
                done.kept.append(
                    f"{_line(day, row.name)}: {'added' if event is None else 'removed'} by "
                    f"{_who(row.changed_by)} on {_when(row.changed_at)} ({_quoted(row.reason)}); "
                    f"GOV.UK's list {'does not have it' if event is None else 'has it'}"
                )
            continue
        if event is None:
            if row is not None:
                row.delete()
            if day in before:
                name = holiday_name(*before[day])
                done.removed.append(_line(day, name))
                changes.append(DayChange(date=day, holiday=False, name=name))
            continue
        fresh = _govuk_row(held, event, now)
        if row is None:
            new_rows.append(fresh)
        elif (row.title, row.notes, row.bunting, row.source) != (
            fresh.title,
            fresh.notes,
            fresh.bunting,
            fresh.source,
        ):
            row.title, row.notes, row.bunting = fresh.title, fresh.notes, fresh.bunting
            row.source, row.changed_at = fresh.source, now
            row.save()
        name = holiday_name(event.title, event.notes)
        if day not in before:
            done.added.append(_line(day, name))
            changes.append(DayChange(date=day, holiday=True, name=name))
        elif before[day] != (event.title, event.notes):
            done.renamed.append(f"{_line(day, holiday_name(*before[day]))} → {name}")
    CalendarDay.objects.bulk_create(new_rows)
    return changes


@transaction.atomic
def calendar_import(
    *, actor: Member | None, data: Any, source: str, now: datetime | None = None
) -> ImportReport:
    """Bring the calendar in line with GOV.UK's list (``data``: the parsed JSON; ``source``: which
    file, for the record). Running it again with the same list changes nothing.

    For each division and each year the list covers: days it adds become bank holidays, days it
    lacks stop being ones, names follow it; days an administrator added or removed stay as they
    are and are reported. Years it does not cover are left alone. Each division's import is on the
    timeline, changed or not."""
    if actor is not None:
        require(actor, "calendar.manage")
    parsed = govuk_parse(data)
    now = now or timezone.now()
    advisory_xact_locks([calendar_lock_name(division) for division in parsed])
    report = ImportReport(source=source, divisions=[])
    for division, events in sorted(parsed.items()):
        by_year: dict[int, list[GovukEvent]] = defaultdict(list)
        for event in events:
            by_year[event.date.year].append(event)
        done = DivisionImport(division=division, years=sorted(by_year))
        changes: list[DayChange] = []
        for year in done.years:
            changes += _year_import(
                division, year, by_year[year], source=source, actor=actor, now=now, done=done
            )
        change = CalendarChange(
            id=uuid.uuid4().hex,
            division=division,
            days=tuple(changes),
            actor=actor,
            at=now,
            how=f"from GOV.UK's list imported {_when(now)} by {_who(actor)}",
        )
        done.recomputed = _handlers_run(change)
        audit_record(
            actor=actor,
            verb="calendar.imported",
            subject_type="calendar",
            subject_id=division.value,
            scope=Scope.calendar(division),
            changes={
                "division": division.value,
                "source": source,
                "years": done.years,
                "added": done.added,
                "removed": done.removed,
                "renamed": done.renamed,
                "kept": done.kept,
                "change": change.id,
                "recomputed": done.recomputed,
            },
        )
        report.divisions.append(done)
    return report
