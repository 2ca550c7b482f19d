"""Deadline rules in Europe/London: working days, bank holidays of each nation, clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escalation.deadlines import LONDON, deadline_compute

# Bank holidays are read from the calendar in the database.
pytestmark = pytest.mark.django_db


def london(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_christmas_2026_one_working_day_in_england() -> None:
    deadline = deadline_compute(start=london(2026, 12, 24, 15, 0), kind="working_days", amount=1)
    assert deadline.due_at == london(2026, 12, 29, 15, 0)
    assert deadline.explanation == (
        "1 working day from Thu 24 Dec 2026 15:00: Fri 25 Dec Christmas Day, "
        "Mon 28 Dec Boxing Day (substitute day) skipped → Tue 29 Dec 15:00"
    )


def test_weekend_is_skipped() -> None:
    deadline = deadline_compute(start=london(2026, 11, 20, 9, 30), kind="working_days", amount=1)
    assert deadline.due_at == london(2026, 11, 23, 9, 30)  # Fri → Mon
    assert "skipped" not in deadline.explanation


def test_declared_on_a_saturday_is_due_on_the_first_working_day_after() -> None:
    deadline = deadline_compute(start=london(2026, 11, 21, 22, 0), kind="working_days", amount=1)
    assert deadline.due_at == london(2026, 11, 23, 22, 0)


@pytest.mark.parametrize(
    ("nation", "due_day", "named"),
    [
        # New Year 2027: Fri 1 Jan everywhere; Scotland also keeps 2 Jan (a Saturday, so Mon 4 Jan).
        ("ENG", 4, []),
        ("SCT", 5, ["Mon 4 Jan New Year Holiday (substitute day)"]),
        ("NIR", 4, []),
    ],
)
def test_new_year_differs_by_nation(nation: str, due_day: int, named: list[str]) -> None:
    deadline = deadline_compute(
        start=london(2026, 12, 31, 12, 0), kind="working_days", amount=1, nation=nation
    )
    assert deadline.due_at == london(2027, 1, due_day, 12, 0)
    assert "Fri 1 Jan New Year's Day" in deadline.explanation
    for text in named:
        assert text in deadline.explanation


def test_st_patricks_day_counts_only_in_northern_ireland() -> None:
    start = london(2027, 3, 16, 10, 0)  # Tue; 17 March 2027 is a Wednesday
    eng = deadline_compute(start=start, kind="working_days", amount=1, nation="ENG")
    nir = deadline_compute(start=start, kind="working_days", amount=1, nation="NIR")
    assert eng.due_at == london(2027, 3, 17, 10, 0)
    assert nir.due_at == london(2027, 3, 18, 10, 0)
    assert "Wed 17 Mar Saint Patrick's Day skipped" in nir.explanation


def test_unknown_nation_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown nation"):
        deadline_compute(start=london(2026, 1, 5, 9, 0), kind="working_days", amount=1, nation="XX")


def test_spring_clock_change_keeps_the_wall_clock_for_calendar_days() -> None:
    # Clocks go forward at 01:00 GMT on Sun 29 Mar 2026.
    deadline = deadline_compute(start=london(2026, 3, 27, 10, 0), kind="days", amount=3)
    assert deadline.due_at == london(2026, 3, 30, 10, 0)
    # 3 calendar days across the change is 71 elapsed hours, not 72: no hour shift on the wall.
    elapsed = deadline.due_at.astimezone(UTC) - london(2026, 3, 27, 10, 0).astimezone(UTC)
    assert elapsed == timedelta(hours=71)
    assert deadline.due_at.astimezone(LONDON).hour == 10


def test_autumn_clock_change_keeps_the_wall_clock_for_working_days() -> None:
    # Clocks go back at 02:00 BST on Sun 25 Oct 2026.
    start = london(2026, 10, 23, 15, 0)  # Friday
    deadline = deadline_compute(start=start, kind="working_days", amount=1)
    assert deadline.due_at == london(2026, 10, 26, 15, 0)
    assert deadline.due_at.astimezone(UTC).hour == 15  # GMT again
    assert start.astimezone(UTC).hour == 14  # was BST


def test_wall_time_in_the_spring_gap_moves_forward() -> None:
    deadline = deadline_compute(start=london(2026, 3, 28, 1, 30), kind="days", amount=1)
    # 01:30 on 29 March does not exist in London; 02:30 BST is the same instant as 01:30 GMT.
    assert deadline.due_at.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_immediate_is_elapsed_time_even_across_a_clock_change() -> None:
    start = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST, just before clocks go back
    deadline = deadline_compute(start=start, kind="immediate", immediate_target=timedelta(hours=1))
    assert deadline.due_at - start == timedelta(hours=1)
    assert deadline.explanation.startswith("Immediately (target 1 hour) from Sun 25 Oct 2026 01:30")


def test_fourteen_days_and_three_days_are_calendar_days() -> None:
    start = london(2026, 12, 23, 18, 45)
    assert deadline_compute(start=start, kind="days", amount=3).due_at == london(
        2026, 12, 26, 18, 45
    )
    fourteen = deadline_compute(start=start, kind="days", amount=14)
    assert fourteen.due_at == london(2027, 1, 6, 18, 45)
    assert fourteen.explanation == "14 days from Wed 23 Dec 2026 18:45 → Wed 6 Jan 2027 18:45"


def test_naive_start_and_missing_amount_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_compute(start=datetime(2026, 1, 5, 9, 0), kind="days", amount=1)  # noqa: DTZ001
    with pytest.raises(ValueError, match="at least 1"):
        deadline_compute(start=london(2026, 1, 5, 9, 0), kind="days", amount=0)
