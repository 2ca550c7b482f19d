"""The calendar page: a division's bank holidays for a year, where each came from, and (for
administrators) adding or removing a day with a reason.

A service's ``ValidationError`` goes back on the form (400); a ``ConflictError`` is shown as it
stands (409); ``PermissionDenied`` is Django's 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from partnership.calendar import selectors, services
from partnership.calendar.forms import (
    CalendarChoiceForm,
    DayAddForm,
    DayRemoveForm,
    remove_form,
)
from partnership.models import Division, Member
from partnership.pages import CONFLICTS, conflict_text, member_of, submit_once
from partnership.permissions import can, require


def _page_url(division: str, year: int) -> str:
    return f"{reverse('calendar')}?{urlencode({'division': division, 'year': year})}"


def _page(
    request: HttpRequest,
    member: Member,
    division: Division,
    year: int,
    *,
    status: int = 200,
    choice: CalendarChoiceForm | None = None,
    add_form: DayAddForm | None = None,
    failed_remove: DayRemoveForm | None = None,
    conflict: str = "",
) -> HttpResponse:
    view = selectors.calendar_year(division, year)
    manage = can(member, "calendar.manage")
    rows: list[tuple[selectors.DayRow, forms.Form | None]] = []
    for day in view.holidays:
        form: forms.Form | None = None
        if manage:
            form = remove_form(division, day.date.isoformat())
            if failed_remove is not None and failed_remove.auto_id == form.auto_id:
                form = failed_remove
        rows.append((day, form))
    context: dict[str, Any] = {
        "view": view,
        "rows": rows,
        "choice": choice or CalendarChoiceForm(initial={"division": division, "year": year}),
        "divisions": Division.choices,
        "years_held": selectors.calendar_years_held(division),
        "installed": selectors.division_installed(),
        "add_form": (add_form or DayAddForm(initial={"division": division})) if manage else None,
        "failed_form": add_form if add_form is not None else failed_remove,
        "conflict": conflict,
        "previous_year": year - 1 if year > selectors.FIRST_YEAR else None,
        "next_year": year + 1 if year < selectors.LAST_YEAR else None,
    }
    return render(request, "partnership/calendar.html", context, status=status)


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "calendar.view")
    today = timezone.localdate()
    data = {
        "division": request.GET.get("division", selectors.division_installed()),
        "year": request.GET.get("year", today.year),
    }
    choice = CalendarChoiceForm(data)
    if not choice.is_valid():
        return _page(
            request,
            member,
            selectors.division_installed(),
            today.year,
            status=400,
            choice=choice,
        )
    return _page(
        request, member, Division(choice.cleaned_data["division"]), choice.cleaned_data["year"]
    )


def _where(form: forms.Form) -> tuple[Division, int]:
    """The division and year a posted form is about, for the page to show it on."""
    division = form.data.get("division", "")
    try:
        year = date.fromisoformat(str(form.data.get("date", ""))).year
    except ValueError:
        year = timezone.localdate().year
    if division not in Division.values or not selectors.FIRST_YEAR <= year <= selectors.LAST_YEAR:
        return selectors.division_installed(), timezone.localdate().year
    return Division(division), year


def _told(edit: services.CalendarEdit) -> str:
    n = edit.recomputed
    if n == 0:
        return "No pending deadline was counted over it."
    if n == 1:
        return "1 pending deadline counted over it was recomputed and its owner told."
    return f"{n} pending deadlines counted over it were recomputed and their owners told."


def _edit(
    request: HttpRequest,
    member: Member,
    form: forms.Form,
    change: Callable[[dict[str, Any]], services.CalendarEdit],
    now_is: str,
) -> HttpResponse:
    """Make the change a valid form asks for, and say what it did; or show the form again."""
    division, year = _where(form)
    if form.is_valid():
        try:
            edit = change(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except CONFLICTS as error:
            return _page(request, member, division, year, status=409, conflict=conflict_text(error))
        else:
            day = edit.day.date
            messages.success(
                request,
                f"{day:%a} {day.day} {day:%B %Y} is now {now_is} in {division.label}. "
                + _told(edit),
            )
            return redirect(_page_url(division, day.year))
    return _page(
        request,
        member,
        division,
        year,
        status=400,
        add_form=form if isinstance(form, DayAddForm) else None,
        failed_remove=form if isinstance(form, DayRemoveForm) else None,
    )


@require_POST
@submit_once
def calendar_day_add(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "calendar.manage")
    return _edit(
        request,
        member,
        DayAddForm(request.POST),
        lambda data: services.calendar_day_add(
            actor=member,
            division=data["division"],
            day=data["date"],
            title=data["title"],
            reason=data["reason"],
        ),
        "a bank holiday",
    )


@require_POST
def calendar_day_remove(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "calendar.manage")
    division = str(request.POST.get("division", ""))
    return _edit(
        request,
        member,
        remove_form(division, str(request.POST.get("date", "")), request.POST),
        lambda data: services.calendar_day_remove(
            actor=member, division=data["division"], day=data["date"], reason=data["reason"]
        ),
        "a working day",
    )
