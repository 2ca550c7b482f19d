"""Small numbers are not shown, so that nobody can be identified from an oversight body's figures.

The rule (stated on the figures page, in the CSV and in docs/decisions):

1. A count of 1 to 4 is shown as "fewer than 5". Zero is shown: that nothing happened identifies
   nobody.
2. In a breakdown (incidents by strand, by area, by month; a step's outcomes) where exactly one
   count is hidden by rule 1, the next smallest count above zero is hidden too ("not shown"), so
   the hidden one cannot be worked out by subtracting the others from the total.
3. A rate (a share met on time, a repeat rate) is shown only when both counts it is made of
   (those counted, and the rest of the whole) are shown; a median time only when the counts of
   the records it is drawn from are shown. A rate over shown counts cannot reveal a hidden one.

Why 5: the threshold UK public bodies use for published crime and health statistics (a count
below it in a small area can point at a household); see docs/decisions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

THRESHOLD = 5
FEWER = f"fewer than {THRESHOLD}"
WITHHELD = "not shown"
NOTHING = "nothing recorded"
RULE = (
    f"Counts from 1 to {THRESHOLD - 1} are shown as “{FEWER}”, so that nobody can be identified. "
    "Where that hides exactly one count of a breakdown, the next smallest is hidden too "
    f"(“{WITHHELD}”), so the first cannot be worked out from the total. A rate is shown only "
    "when both counts it is made of (those counted and the rest) are shown."
)


@dataclass(frozen=True)
class Figure:
    """A figure as it may be published: ``value`` is None when it is hidden, and ``shown`` is
    what a reader sees in its place."""

    value: int | float | str | None
    shown: str

    @property
    def hidden(self) -> bool:
        return self.value is None

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "shown": self.shown}


def count(n: int) -> Figure:
    if 0 < n < THRESHOLD:
        return Figure(None, FEWER)
    return Figure(n, str(n))


def breakdown(counts: Mapping[str, int]) -> dict[str, Figure]:
    """Each count under rule 1, and one more hidden when rule 1 hid exactly one (rule 2)."""
    figures = {key: count(n) for key, n in counts.items()}
    hidden = [key for key, figure in figures.items() if figure.hidden]
    if len(hidden) == 1:
        shown = [(n, key) for key, n in counts.items() if key not in hidden and n > 0]
        if shown:
            _, smallest = min(shown)
            figures[smallest] = Figure(None, WITHHELD)
    return figures


def rate(part: Figure, rest: Figure) -> Figure:
    """``part / (part + rest)`` to three places, under rule 3 (``part`` and ``rest`` are two
    counts of one breakdown, already suppressed)."""
    if not isinstance(part.value, int) or not isinstance(rest.value, int):
        return Figure(None, WITHHELD)
    whole = part.value + rest.value
    if not whole:
        return Figure(None, NOTHING)
    value = round(part.value / whole, 3)
    return Figure(value, f"{value:.0%}")


def drawn_from(text: str | None, *records: Figure) -> Figure:
    """A figure drawn from records (a median time, in words), shown only when the counts of
    those records are all shown and not all zero (rule 3)."""
    if text is None or any(not isinstance(r.value, int) for r in records):
        return Figure(None, WITHHELD)
    if not sum(r.value for r in records if isinstance(r.value, int)):
        return Figure(None, NOTHING)
    return Figure(text, text)
