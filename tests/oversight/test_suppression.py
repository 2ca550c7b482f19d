"""The small-numbers rule an oversight body's figures are published under."""

from __future__ import annotations

from oversight.suppression import (
    FEWER,
    NOTHING,
    WITHHELD,
    Figure,
    breakdown,
    count,
    drawn_from,
    rate,
)


def test_counts_of_one_to_four_are_shown_as_fewer_than_five() -> None:
    assert [count(n).shown for n in range(7)] == ["0", FEWER, FEWER, FEWER, FEWER, "5", "6"]
    assert [count(n).value for n in (0, 1, 4, 5)] == [0, None, None, 5]


def test_one_hidden_count_of_a_breakdown_hides_the_next_smallest_too() -> None:
    figures = breakdown({"race": 9, "religion": 3, "disability": 6, "sexual orientation": 0})
    assert figures["religion"] == Figure(None, FEWER)
    assert figures["disability"] == Figure(None, WITHHELD)  # else 18 - 9 - 6 gives the 3
    assert figures["race"] == Figure(9, "9")
    assert figures["sexual orientation"] == Figure(0, "0")


def test_two_hidden_counts_protect_each_other() -> None:
    figures = breakdown({"a": 2, "b": 3, "c": 7})
    assert [f.shown for f in figures.values()] == [FEWER, FEWER, "7"]


def test_a_breakdown_of_zeros_and_large_counts_hides_nothing() -> None:
    assert [f.value for f in breakdown({"a": 0, "b": 5, "c": 12}).values()] == [0, 5, 12]


def test_a_rate_is_shown_only_when_both_its_counts_are() -> None:
    assert rate(count(6), count(2)) == Figure(None, WITHHELD)  # 75% of 8 would give the 2
    assert rate(count(2), count(6)) == Figure(None, WITHHELD)
    assert rate(count(0), count(0)) == Figure(None, NOTHING)
    assert rate(count(6), count(14)) == Figure(0.3, "30%")
    assert rate(count(0), count(5)) == Figure(0.0, "0%")


def test_a_median_is_shown_only_when_the_records_it_is_drawn_from_are_counted_openly() -> None:
    assert drawn_from("2 h", count(5), count(0)) == Figure("2 h", "2 h")
    assert drawn_from("2 h", count(5), count(3)) == Figure(None, WITHHELD)
    assert drawn_from(None, count(5), count(5)) == Figure(None, WITHHELD)
    assert drawn_from("2 h", count(0), count(0)) == Figure(None, NOTHING)
