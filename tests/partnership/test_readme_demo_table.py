"""The README's table of demo logins says what the service shows (issue 14: it gave `rec` a role
the service does not know): each login's roles in each partnership, by the names the pages use,
and their agency."""

from __future__ import annotations

import re
from pathlib import Path

from partnership.demo import DEMO_PARTNERSHIPS

README = Path(__file__).resolve().parent.parent.parent / "README.md"


def _table() -> dict[str, list[str]]:
    text = README.read_text()
    start = text.index("| login | Milton Keynes | Aylesbury Vale | agency |")
    rows: dict[str, list[str]] = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[1:]
    return rows


def _roles_said(cell: str) -> str:
    """The roles a cell names: what comes before a note in brackets or after a semicolon."""
    return re.split(r" \(|;", cell, maxsplit=1)[0].strip()


def test_the_readme_demo_table_matches_the_demo() -> None:
    table = _table()
    expected: dict[str, list[str]] = {}
    agencies: dict[str, str] = {}
    for column, partnership in enumerate(DEMO_PARTNERSHIPS):
        for member in partnership.members:
            cells = expected.setdefault(member.username, ["", ""])
            cells[column] = ", ".join(str(role.label) for role in member.roles)
            agencies[member.username] = member.agency
    assert sorted(table) == sorted(expected)
    for username, cells in table.items():
        said = [_roles_said(cells[0]), _roles_said(cells[1])]
        assert said == expected[username], username
        assert cells[2] == agencies[username], username
