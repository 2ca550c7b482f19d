"""Templates follow the floors too. Python imports are checked by the structure check; a template's
``include``, ``extends``, ``load`` and ``static`` are links no import shows, so they are read here:
each names something of its own app or of an app below it, never above."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Bottom first (README "Layout"). An app on no floor fails below rather than go unchecked.
FLOORS = {
    "partnership": 0,
    "notifications": 1,
    "escalation": 2,
    "casework": 3,
    "conference": 3,
    "review": 4,
    # Issue 12's oversight body, if it gets its own app: above review, whose compliance it reuses.
    "oversight": 5,
    # Gold groups and incidents connected across partnerships: they read incidents, the live
    # room and the timeline, so above review; beside oversight (neither uses the other).
    "gold": 5,
}
APPS = [app for app in FLOORS if (ROOT / app).is_dir()]

TEMPLATE_LINK = re.compile(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""")
STATIC_LINK = re.compile(r"""{%\s*static\s+["']([^"']+)["']""")
LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")


def _owner(kind: str, name: str) -> str | None:
    """The project app whose ``templates/`` or ``static/`` folder holds ``name`` (None: Django's
    or a package's own)."""
    owners = [app for app in APPS if (ROOT / app / kind / name).is_file()]
    assert len(owners) <= 1, f"{kind}/{name} is in {owners}: one app owns each name"
    return owners[0] if owners else None


def _tag_library_owner(library: str) -> str | None:
    owners = [app for app in APPS if (ROOT / app / "templatetags" / f"{library}.py").is_file()]
    return owners[0] if owners else None


def _templates() -> list[tuple[str, Path]]:
    return [
        (app, path) for app in APPS for path in sorted((ROOT / app / "templates").rglob("*.html"))
    ]


def _links(text: str) -> list[tuple[str, str]]:
    links = [("templates", name) for name in TEMPLATE_LINK.findall(text)]
    links += [("static", name) for name in STATIC_LINK.findall(text)]
    for libraries in LOAD.findall(text):
        links += [("templatetags", library) for library in libraries.split()]
    return links


def test_every_project_app_is_on_a_floor() -> None:
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps <= set(FLOORS), f"put {sorted(apps - set(FLOORS))} on a floor in FLOORS"


@pytest.mark.parametrize(
    ("app", "template"), _templates(), ids=lambda value: getattr(value, "name", value)
)
def test_template_links_point_down(app: str, template: Path) -> None:
    above = []
    for kind, name in _links(template.read_text()):
        owner = _tag_library_owner(name) if kind == "templatetags" else _owner(kind, name)
        if owner is not None and owner != app and FLOORS[owner] >= FLOORS[app]:
            above.append(f"{kind} {name} ({owner})")
    assert above == [], f"{template.relative_to(ROOT)} uses what a higher or sibling app owns"


def test_the_page_toolkit_is_at_the_bottom() -> None:
    """The partials and tags every app's pages use belong to partnership, and every app uses
    them from there."""
    for name in ("_field.html", "_error_summary.html", "_conflict.html"):
        assert _owner("templates", f"partnership/{name}") == "partnership"
    assert _tag_library_owner("partnership_tags") == "partnership"
    used = {
        name
        for _app, template in _templates()
        for kind, name in _links(template.read_text())
        if kind == "templates"
    }
    assert {"partnership/_field.html", "partnership/_error_summary.html"} <= used


def test_links_are_found() -> None:
    """The patterns above really read the links (a test of the test: a pattern that matched
    nothing would pass every template)."""
    base = (ROOT / "partnership" / "templates" / "base.html").read_text()
    assert ("templatetags", "partnership_tags") in _links(base)
    assert any(kind == "static" for kind, _name in _links(base))
    room = (ROOT / "conference" / "templates" / "conference" / "room.html").read_text()
    assert ("static", "conference/room.js") in _links(room)
    assert _owner("static", "conference/room.js") == "conference"
    assert ("templates", "partnership/_field.html") in _links(room)
