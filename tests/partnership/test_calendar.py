"""The calendar of working days as data: GOV.UK imports, administrators' changes, the page and
the API, and who may do what."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from escalation.deadlines import LONDON, deadline_compute
from partnership.calendar import services
from partnership.calendar.selectors import BankHolidays, calendar_year, package_days
from partnership.errors import ConflictError
from partnership.models import (
    AuditEvent,
    CalendarDay,
    CalendarSource,
    CalendarYear,
    DayStatus,
    Division,
    Member,
)
from tests import factories
from tests.bank_holidays import (
    SCOTLAND_2026,
    WORLD_CUP_HOLIDAY,
    govuk_2026,
    govuk_file,
    govuk_list,
)
from tests.world import ClientFor

pytestmark = pytest.mark.django_db

JUNE_12 = datetime(2026, 6, 12, 10, 0, tzinfo=LONDON)  # a Friday


def _import(tmp_path: Path, data: dict[str, Any], *args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_bank_holidays", str(govuk_file(tmp_path, data)), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def govuk_imported(tmp_path: Path) -> None:
    """GOV.UK's 2026 list, without Scotland's short-notice holiday of Mon 15 Jun."""
    _import(tmp_path, govuk_2026())


def _next_working_day_in_scotland() -> str:
    return deadline_compute(start=JUNE_12, kind="working_days", amount=1, nation="SCT").explanation


# --- Importing GOV.UK's list ---------------------------------------------------------------------
def test_the_package_seeds_the_calendar_until_a_year_is_held_as_data() -> None:
    assert not CalendarYear.objects.exists()
    view = calendar_year(Division.SCOTLAND, 2026)
    assert not view.held
    assert view.source == CalendarSource.PACKAGE
    # The package has the short-notice holiday of Mon 15 Jun 2026.
    assert date(2026, 6, 15) in [day.date for day in view.holidays]
    assert BankHolidays().name(date(2026, 6, 15), Division.SCOTLAND) is not None


def test_an_import_replaces_the_package_for_the_years_the_list_covers(
    tmp_path: Path, demo: dict[str, Member]
) -> None:
    out = _import(tmp_path, govuk_2026(), "--by", "admin")

    assert "Scotland (2026): 0 added, 2 removed, 5 renamed, 0 kept" in out
    assert "  removed: Mon 15 Jun 2026 Scotland's participation in the FIFA World Cup final" in out
    assert "  renamed: Fri 2 Jan 2026 New Year Holiday → 2nd January" in out
    scotland = CalendarYear.objects.get(division=Division.SCOTLAND, year=2026)
    assert scotland.source == CalendarSource.GOVUK
    assert scotland.detail.startswith("bank-holidays.json (sha256 ")
    assert scotland.loaded_by == demo["admin"]
    assert [
        (day.date.isoformat(), day.title, day.notes)
        for day in CalendarDay.objects.filter(calendar_year=scotland)
    ] == SCOTLAND_2026
    # Years the list does not cover are still read from the package.
    assert not CalendarYear.objects.filter(year=2027).exists()
    # The import itself is on the timeline, per division, with who ran it and from what.
    event = AuditEvent.objects.get(verb="calendar.imported", subject_id="scotland")
    assert event.actor == demo["admin"]
    assert event.scope == "calendar:scotland"
    assert event.changes["source"] == scotland.detail
    assert (
        "Mon 15 Jun 2026 Scotland's participation in the FIFA World Cup final"
        in (event.changes["removed"])
    )


def test_the_scotland_short_notice_holiday_follows_the_data_not_the_package(
    tmp_path: Path,
) -> None:
    # The package says Mon 15 Jun 2026 is a bank holiday in Scotland ...
    assert _next_working_day_in_scotland().endswith(
        "→ Tue 16 Jun 10:00 (bank holidays of Scotland)"
    )
    # ... GOV.UK's list (as imported) does not: the data wins.
    _import(tmp_path, govuk_2026())
    deadline = deadline_compute(start=JUNE_12, kind="working_days", amount=1, nation="SCT")
    assert deadline.due_at == datetime(2026, 6, 15, 10, 0, tzinfo=LONDON)
    assert deadline.explanation == (
        "1 working day from Fri 12 Jun 2026 10:00 → Mon 15 Jun 10:00 (bank holidays of Scotland)"
    )
    # England and Wales never had it.
    england = deadline_compute(start=JUNE_12, kind="working_days", amount=1, nation="ENG")
    assert england.due_at == datetime(2026, 6, 15, 10, 0, tzinfo=LONDON)

    # When it is proclaimed, an administrator adds it, and the clock follows.
    services.calendar_day_add(
        actor=Member.objects.create(username="root", is_superuser=True),
        division="scotland",
        day=date(2026, 6, 15),
        title=WORLD_CUP_HOLIDAY[1],
        reason="Proclaimed on 2 Jun.",
    )
    assert _next_working_day_in_scotland() == (
        "1 working day from Fri 12 Jun 2026 10:00: Mon 15 Jun Bank holiday for the World Cup "
        "match in Scotland skipped → Tue 16 Jun 10:00 (bank holidays of Scotland)"
    )


def test_importing_the_same_list_again_changes_nothing_and_is_still_recorded(
    tmp_path: Path,
) -> None:
    _import(tmp_path, govuk_2026())
    before = list(
        CalendarDay.objects.order_by("pk").values_list("pk", "date", "title", "changed_at")
    )
    years = list(CalendarYear.objects.order_by("pk").values_list("pk", "detail", "loaded_at"))

    out = _import(tmp_path, govuk_2026())

    assert "Nothing changed: the calendar already matches this list." in out
    assert "Scotland (2026): 0 added, 0 removed, 0 renamed" in out
    assert (
        list(CalendarDay.objects.order_by("pk").values_list("pk", "date", "title", "changed_at"))
        == before
    )
    assert list(CalendarYear.objects.order_by("pk").values_list("pk", "detail", "loaded_at")) == (
        years
    )
    assert AuditEvent.objects.filter(verb="calendar.imported").count() == 6  # 3 divisions, twice


def test_a_later_list_adds_renames_and_removes_days(tmp_path: Path) -> None:
    _import(tmp_path, govuk_2026())
    newer = [*SCOTLAND_2026[:2], WORLD_CUP_HOLIDAY, *SCOTLAND_2026[3:]]  # Good Friday gone
    newer[1] = ("2026-01-02", "2 January", "")

    out = _import(tmp_path, govuk_list(scotland=newer))

    assert "Scotland (2026): 1 added, 1 removed, 1 renamed" in out
    assert f"  added: Mon 15 Jun 2026 {WORLD_CUP_HOLIDAY[1]}" in out
    assert "  removed: Fri 3 Apr 2026 Good Friday" in out
    assert "  renamed: Fri 2 Jan 2026 2nd January → 2 January" in out
    holidays = BankHolidays()
    assert holidays.name(date(2026, 6, 15), Division.SCOTLAND) == WORLD_CUP_HOLIDAY[1]
    assert holidays.name(date(2026, 4, 3), Division.SCOTLAND) is None
    # Only the divisions in the file are touched.
    assert BankHolidays().name(date(2026, 4, 3), Division.ENGLAND_AND_WALES) == "Good Friday"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not JSON"),
        ("[]", "This is not GOV.UK's bank holidays format"),
        (json.dumps({"wales": {"division": "wales", "events": []}}), "Unknown division 'wales'"),
        (
            json.dumps(govuk_list(scotland=[("2026-02-30", "Leap day that is not", "")])),
            "scotland.events[0].date '2026-02-30' is not a date written YYYY-MM-DD.",
        ),
        (
            json.dumps(govuk_list(scotland=[("2026-06-15", "", "")])),
            "scotland.events[0].title must be a non-empty string.",
        ),
        (
            json.dumps(govuk_list(scotland=[SCOTLAND_2026[0], SCOTLAND_2026[0]])),
            "scotland lists 2026-01-01 twice.",
        ),
    ],
)
def test_a_file_not_in_govuks_format_is_refused_clearly_and_changes_nothing(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bank-holidays.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import_bank_holidays", str(path))
    assert message in str(refused.value)
    assert not CalendarYear.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="calendar.").exists()


def test_a_missing_file_or_unknown_importer_is_refused(
    tmp_path: Path, demo: dict[str, Member]
) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_bank_holidays", str(tmp_path / "nowhere.json"))
    path = govuk_file(tmp_path, govuk_2026())
    with pytest.raises(CommandError, match="No active member is called 'nobody'"):
        call_command("import_bank_holidays", str(path), "--by", "nobody")
    with pytest.raises(CommandError, match="Only administrators"):
        call_command("import_bank_holidays", str(path), "--by", "coordinator")
    assert not CalendarYear.objects.exists()


# --- Administrators' changes ---------------------------------------------------------------------
def test_an_administrators_change_is_recorded_with_who_and_why(demo: dict[str, Member]) -> None:
    edit = services.calendar_day_remove(
        actor=demo["admin"],
        division="scotland",
        day=date(2026, 11, 30),
        reason="Moved to Mon 7 Dec this year.",
    )
    assert (edit.day.status, edit.day.source) == (DayStatus.REMOVED, CalendarSource.ADMINISTRATOR)
    assert edit.day.changed_by == demo["admin"]
    assert BankHolidays().name(date(2026, 11, 30), Division.SCOTLAND) is None
    removed = AuditEvent.objects.get(verb="calendar.day_removed")
    assert removed.actor == demo["admin"]
    assert removed.scope == "calendar:scotland"
    assert removed.changes["date"] == "2026-11-30"
    assert removed.changes["title"] == "Saint Andrew's Day"
    assert removed.changes["reason"] == "Moved to Mon 7 Dec this year."
    # The year was the package's: its days were copied in first, and that is recorded too.
    seeded = AuditEvent.objects.get(verb="calendar.seeded")
    assert seeded.changes["source"].startswith("holidays ")
    assert seeded.changes["days"] == [d.date.isoformat() for d in package_days("scotland", 2026)]

    services.calendar_day_add(
        actor=demo["admin"],
        division="england-and-wales",
        day=date(2027, 6, 7),
        title="Extra bank holiday",
        reason="Proclaimed on 20 May.",
    )
    added = AuditEvent.objects.get(verb="calendar.day_added")
    assert (added.actor, added.scope) == (demo["admin"], "calendar:england-and-wales")
    assert added.changes["reason"] == "Proclaimed on 20 May."
    assert AuditEvent.objects.filter(verb="calendar.seeded").count() == 2
    assert BankHolidays().name(date(2027, 6, 7), Division.ENGLAND_AND_WALES) == (
        "Extra bank holiday"
    )


def test_an_import_keeps_what_administrators_decided(
    tmp_path: Path, demo: dict[str, Member]
) -> None:
    _import(tmp_path, govuk_2026())
    services.calendar_day_add(
        actor=demo["admin"],
        division="scotland",
        day=date(2026, 6, 15),
        title=WORLD_CUP_HOLIDAY[1],
        reason="Proclaimed on 2 Jun.",
    )
    services.calendar_day_remove(
        actor=demo["admin"],
        division="scotland",
        day=date(2026, 11, 30),
        reason="Moved to Mon 7 Dec.",
    )

    out = _import(tmp_path, govuk_2026())  # an older list: no 15 Jun, still 30 Nov

    assert "Scotland (2026): 0 added, 0 removed, 0 renamed, 2 kept" in out
    assert "GOV.UK's list does not have it" in out
    assert "GOV.UK's list has it" in out
    holidays = BankHolidays()
    assert holidays.name(date(2026, 6, 15), Division.SCOTLAND) == WORLD_CUP_HOLIDAY[1]
    assert holidays.name(date(2026, 11, 30), Division.SCOTLAND) is None
    day = CalendarDay.objects.get(calendar_year__division="scotland", date=date(2026, 11, 30))
    assert (day.status, day.reason) == (DayStatus.REMOVED, "Moved to Mon 7 Dec.")


def test_adding_a_day_that_is_already_a_holiday_or_removing_one_that_is_not_conflicts(
    demo: dict[str, Member],
) -> None:
    with pytest.raises(ConflictError, match="Fri 25 Dec 2026 is already a bank holiday in England"):
        services.calendar_day_add(
            actor=demo["admin"],
            division="england-and-wales",
            day=date(2026, 12, 25),
            title="Christmas",
            reason="Twice.",
        )
    with pytest.raises(ConflictError, match="Wed 24 Jun 2026 is not a bank holiday in Scotland"):
        services.calendar_day_remove(
            actor=demo["admin"], division="scotland", day=date(2026, 6, 24), reason="Not one."
        )


def test_only_administrators_change_the_calendar(demo: dict[str, Member]) -> None:
    from django.core.exceptions import PermissionDenied

    for username in ("coordinator", "officer", "gold"):
        with pytest.raises(PermissionDenied, match="Only administrators"):
            services.calendar_day_add(
                actor=demo[username],
                division="scotland",
                day=date(2026, 6, 15),
                title="A day off",
                reason="Why not.",
            )
    assert not CalendarYear.objects.exists()


# --- The page ------------------------------------------------------------------------------------
def test_the_page_shows_a_year_and_where_each_day_came_from(
    client_for: ClientFor, demo: dict[str, Member], govuk_imported: None
) -> None:
    services.calendar_day_add(
        actor=demo["admin"],
        division="scotland",
        day=date(2026, 6, 15),
        title=WORLD_CUP_HOLIDAY[1],
        reason="Proclaimed on 2 Jun.",
    )
    response = client_for("member").get("/calendar/?division=scotland&year=2026")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bank holidays in Scotland, 2026" in page
    assert "Bank holiday for the World Cup match in Scotland" in page
    assert f"Added by {demo['admin']} on " in page
    assert "Proclaimed on 2 Jun." in page
    assert "Remove this bank holiday" not in page  # not an administrator
    admin_page = client_for("admin").get("/calendar/?division=scotland&year=2026").content.decode()
    assert "Remove this bank holiday" in admin_page
    assert "Add a bank holiday" in admin_page


def test_the_page_refuses_a_year_or_division_it_does_not_know(client_for: ClientFor) -> None:
    response = client_for("member").get("/calendar/?division=wales&year=20x6")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose England and Wales, Scotland or Northern Ireland." in page
    assert "Give the year as four digits, such as 2026." in page


def test_an_administrator_adds_and_removes_a_day_on_the_page(
    client_for: ClientFor, demo: dict[str, Member], govuk_imported: None
) -> None:
    admin = client_for("admin")
    response = admin.post(
        "/calendar/days/",
        {
            "division": "scotland",
            "date": "2026-06-15",
            "title": WORLD_CUP_HOLIDAY[1],
            "reason": "Proclaimed on 2 Jun.",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/calendar/?division=scotland&year=2026", 302)]
    assert "Mon 15 June 2026 is now a bank holiday in Scotland." in response.content.decode()

    response = admin.post(
        "/calendar/days/remove/",
        {"division": "scotland", "date": "2026-06-15", "reason": "Withdrawn."},
        follow=True,
    )
    assert "Mon 15 June 2026 is now a working day in Scotland." in response.content.decode()
    assert BankHolidays().name(date(2026, 6, 15), Division.SCOTLAND) is None


def test_bad_input_on_the_page_is_a_400_with_the_reason_and_changes_nothing(
    client_for: ClientFor,
) -> None:
    admin = client_for("admin")
    response = admin.post(
        "/calendar/days/",
        {"division": "scotland", "date": "15 June", "title": "", "reason": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the date as day, month and year" in page
    assert "Name the bank holiday." in page
    assert "Say why you are adding it." in page
    response = admin.post(
        "/calendar/days/",
        {"division": "scotland", "date": "1999-06-15", "title": "Old", "reason": "Long ago."},
    )
    assert response.status_code == 400
    assert "Give a date between 2000 and 2099." in response.content.decode()
    response = admin.post(
        "/calendar/days/",
        {"division": "scotland", "date": "2026-12-25", "title": "X", "reason": "Y"},
    )
    assert response.status_code == 409
    assert "already a bank holiday in Scotland" in response.content.decode()
    assert not CalendarDay.objects.filter(source=CalendarSource.ADMINISTRATOR).exists()


@pytest.mark.parametrize("username", ["coordinator", "officer", "member", "gold"])
def test_members_who_are_not_administrators_are_refused_on_the_page(
    client_for: ClientFor, username: str
) -> None:
    client = client_for(username)
    add = client.post(
        "/calendar/days/",
        {"division": "scotland", "date": "2026-06-15", "title": "Day", "reason": "Why."},
    )
    remove = client.post(
        "/calendar/days/remove/",
        {"division": "scotland", "date": "2026-12-25", "reason": "Why."},
    )
    assert (add.status_code, remove.status_code) == (403, 403)
    assert "Only administrators change the bank holidays" in add.content.decode()
    assert not CalendarYear.objects.exists()


# --- The API -------------------------------------------------------------------------------------
def test_the_api_lists_calendars_and_a_years_days(client_for: ClientFor) -> None:
    calendars = client_for("member").get("/api/calendars/").json()
    assert [(c["division"], c["used_by_deadlines"]) for c in calendars] == [
        ("england-and-wales", True),
        ("scotland", False),
        ("northern-ireland", False),
    ]
    year = client_for("member").get("/api/calendars/scotland/days/?year=2026").json()
    assert (year["held"], year["origin"]) == (False, "package")
    assert {"date": "2026-12-28", "name": "Boxing Day (substitute day)"}.items() <= next(
        day for day in year["days"] if day["date"] == "2026-12-28"
    ).items()


def test_an_administrator_adds_and_removes_a_day_through_the_api(
    client_for: ClientFor, demo: dict[str, Member], govuk_imported: None
) -> None:
    admin = client_for("admin")
    response = admin.post(
        "/api/calendars/scotland/days/",
        {"date": "2026-06-15", "title": WORLD_CUP_HOLIDAY[1], "reason": "Proclaimed on 2 Jun."},
        "application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["day"]["origin"] == "administrator"
    assert body["day"]["changed_by"] == "admin"
    assert body["day"]["reason"] == "Proclaimed on 2 Jun."
    assert body["recomputed"] == 0

    response = admin.post(
        "/api/calendars/scotland/days/remove/",
        {"date": "2026-06-15", "reason": "Withdrawn."},
        "application/json",
    )
    assert response.status_code == 200
    assert response.json()["day"]["status"] == "removed"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"date": "2026-02-30", "title": "Day", "reason": "Why."},
            {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"date": "2026-06-15", "title": "Day"}, {"reason": ["This field is required."]}),
        (
            {"date": "2026-06-15", "title": "Day", "reason": "x" * 501},
            {"reason": ["Ensure this field has no more than 500 characters."]},
        ),
        (
            {"date": "2150-06-15", "title": "Day", "reason": "Why."},
            {"date": ["Give a date between 2000 and 2099."]},
        ),
        (
            {"date": "2026-06-15", "title": "  ", "reason": "Why."},
            {"title": ["This field may not be blank."]},
        ),
    ],
)
def test_bad_input_to_the_api_is_a_clear_400_and_changes_nothing(
    client_for: ClientFor, body: dict[str, str], errors: dict[str, list[str]]
) -> None:
    response = client_for("admin").post("/api/calendars/scotland/days/", body, "application/json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not CalendarYear.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="calendar.").exists()


def test_the_api_answers_404_for_a_division_that_does_not_exist(client_for: ClientFor) -> None:
    response = client_for("member").get("/api/calendars/wales/days/")
    assert response.status_code == 404
    assert (
        "GOV.UK's divisions are england-and-wales, scotland, northern-ireland"
        in (response.json()["detail"])
    )


def test_the_api_refuses_a_change_from_anyone_but_an_administrator(client_for: ClientFor) -> None:
    for username in ("coordinator", "officer", "member"):
        response = client_for(username).post(
            "/api/calendars/scotland/days/",
            {"date": "2026-06-15", "title": "Day", "reason": "Why."},
            "application/json",
        )
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Only administrators change the bank holidays deadlines count."
        }
    assert not CalendarYear.objects.exists()


def test_an_account_without_an_agency_may_not_read_the_calendar(demo: dict[str, Member]) -> None:
    from django.test import Client

    system = factories.member(username="system", agency=None)
    client = Client()
    client.force_login(system)
    assert client.get("/calendar/").status_code == 403
    assert client.get("/api/calendars/").status_code == 403
