"""GOV.UK's published bank holidays (the format of https://www.gov.uk/bank-holidays.json).

::

    {"england-and-wales": {"division": "england-and-wales",
                           "events": [{"title": "Boxing Day", "date": "2026-12-28",
                                       "notes": "Substitute day", "bunting": true}, ...]},
     "scotland": {...}, "northern-ireland": {...}}

``govuk_parse`` checks a whole file before anything is changed, and says where it is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from partnership.calendar.selectors import FIRST_YEAR, LAST_YEAR
from partnership.models import Division

TITLE_MAX = 200


@dataclass(frozen=True)
class GovukEvent:
    date: date
    title: str
    notes: str
    bunting: bool


def _text(value: Any, where: str, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(f"{where} must be {'a non-empty' if required else 'a'} string.")
    if len(value.strip()) > TITLE_MAX:
        raise ValidationError(f"{where} is longer than {TITLE_MAX} characters.")
    return value.strip()


def _event(raw: Any, where: str) -> GovukEvent:
    if not isinstance(raw, dict):
        raise ValidationError(f"{where} must be an object with a title and a date.")
    if not isinstance(raw.get("date"), str):
        raise ValidationError(f"{where}.date must be a date written YYYY-MM-DD.")
    try:
        day = date.fromisoformat(raw["date"])
    except ValueError:
        raise ValidationError(
            f"{where}.date {raw['date']!r} is not a date written YYYY-MM-DD."
        ) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(
            f"{where}.date {raw['date']!r} is not between {FIRST_YEAR} and {LAST_YEAR}."
        )
    bunting = raw.get("bunting", True)
    if not isinstance(bunting, bool):
        raise ValidationError(f"{where}.bunting must be true or false.")
    return GovukEvent(
        date=day,
        title=_text(raw.get("title"), f"{where}.title", required=True),
        notes=_text(raw.get("notes"), f"{where}.notes", required=False),
        bunting=bunting,
    )


def govuk_parse(data: Any) -> dict[Division, list[GovukEvent]]:
    """The events of each division in ``data`` (parsed JSON), by date; ``ValidationError`` naming
    the first thing that is not in GOV.UK's format."""
    if not isinstance(data, dict) or not data:
        raise ValidationError(
            "This is not GOV.UK's bank holidays format: expected an object keyed by division "
            f"({', '.join(Division.values)})."
        )
    parsed: dict[Division, list[GovukEvent]] = {}
    for key, body in data.items():
        if key not in Division.values:
            raise ValidationError(
                f"Unknown division {key!r}: GOV.UK's divisions are {', '.join(Division.values)}."
            )
        if not isinstance(body, dict) or not isinstance(body.get("events"), list):
            raise ValidationError(f"{key} must be an object with a list of events.")
        if body.get("division", key) != key:
            raise ValidationError(f"{key}.division says {body['division']!r}, not {key!r}.")
        events = [_event(raw, f"{key}.events[{i}]") for i, raw in enumerate(body["events"])]
        seen: set[date] = set()
        for event in events:
            if event.date in seen:
                raise ValidationError(f"{key} lists {event.date.isoformat()} twice.")
            seen.add(event.date)
        parsed[Division(key)] = sorted(events, key=lambda event: event.date)
    return parsed
