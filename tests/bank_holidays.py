"""Bank holiday lists in GOV.UK's published format (https://www.gov.uk/bank-holidays.json), made
here for the tests: never a downloaded copy.

Scotland's 2026 list is the one GOV.UK published before Mon 15 Jun 2026 was proclaimed at short
notice, while the installed ``holidays`` package already has that day: where they disagree, the
data in the database must win.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SUBSTITUTE = "Substitute day"

ENGLAND_AND_WALES_2026 = [
    ("2026-01-01", "New Year's Day", ""),
    ("2026-04-03", "Good Friday", ""),
    ("2026-04-06", "Easter Monday", ""),
    ("2026-05-04", "Early May bank holiday", ""),
    ("2026-05-25", "Spring bank holiday", ""),
    ("2026-08-31", "Summer bank holiday", ""),
    ("2026-12-25", "Christmas Day", ""),
    ("2026-12-28", "Boxing Day", SUBSTITUTE),
]
SCOTLAND_2026 = [
    ("2026-01-01", "New Year's Day", ""),
    ("2026-01-02", "2nd January", ""),
    ("2026-04-03", "Good Friday", ""),
    ("2026-05-04", "Early May bank holiday", ""),
    ("2026-05-25", "Spring bank holiday", ""),
    ("2026-08-03", "Summer bank holiday", ""),
    ("2026-11-30", "St Andrew's Day", ""),
    ("2026-12-25", "Christmas Day", ""),
    ("2026-12-28", "Boxing Day", SUBSTITUTE),
]
NORTHERN_IRELAND_2026 = [
    ("2026-01-01", "New Year's Day", ""),
    ("2026-03-17", "St Patrick's Day", ""),
    ("2026-04-03", "Good Friday", ""),
    ("2026-04-06", "Easter Monday", ""),
    ("2026-05-04", "Early May bank holiday", ""),
    ("2026-05-25", "Spring bank holiday", ""),
    ("2026-07-13", "Battle of the Boyne (Orangemen's Day)", SUBSTITUTE),
    ("2026-08-31", "Summer bank holiday", ""),
    ("2026-12-25", "Christmas Day", ""),
    ("2026-12-28", "Boxing Day", SUBSTITUTE),
]
WORLD_CUP_HOLIDAY = ("2026-06-15", "Bank holiday for the World Cup match in Scotland", "")


def govuk_list(**divisions: list[tuple[str, str, str]]) -> dict[str, Any]:
    """GOV.UK's format: keyword names are divisions with "_" for "-"."""
    return {
        key.replace("_", "-"): {
            "division": key.replace("_", "-"),
            "events": [
                {"title": title, "date": day, "notes": notes, "bunting": True}
                for day, title, notes in events
            ],
        }
        for key, events in divisions.items()
    }


def govuk_2026() -> dict[str, Any]:
    return govuk_list(
        england_and_wales=ENGLAND_AND_WALES_2026,
        scotland=SCOTLAND_2026,
        northern_ireland=NORTHERN_IRELAND_2026,
    )


def govuk_file(directory: Path, data: dict[str, Any], name: str = "bank-holidays.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
