"""Every response carries the Content-Security-Policy and the other security headers, and no page
needs what the policy forbids (inline script, inline style, event-handler attributes)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from partnership.middleware import CONTENT_SECURITY_POLICY
from partnership.models import Member
from tests.world import partnership_at_work

ROOT = Path(__file__).resolve().parent.parent
# The project's own apps, from the settings (an app added later is checked without editing this).
PROJECT_APPS = tuple(app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir())
# First path segment of a page → the model its ``<int:pk>`` names.
IDS_OF = {
    "incidents": "escalation.Incident",
    "duties": "escalation.Duty",
    "inbox": "notifications.Notification",
    # people/merges/<pk>/ gets a person's id: its page's 404 has the headers too.
    "people": "conference.Person",
    "flags": "conference.RepeatFlag",
    "referrals": "conference.Referral",
    "conferences": "conference.Conference",
    "agenda-items": "conference.AgendaItem",
    "actions": "conference.Action",
    "scrutiny": "oversight.ScrutinyRequest",
    "plan-actions": "review.PlanAction",
    "reports": "review.SixMonthlyReport",
    "connections": "gold.IncidentLink",
    "gold-groups": "gold.GoldGroup",
    "comms": "gold.CommsItem",
    # Rules and tasks under cases/ get a case's id: their page's 404 has the headers too.
    "cases": "casework.Case",
    "intake": "casework.PublicReport",
    "tension": "partnership.Area",
}


def _assert_headers(response: Any, where: str) -> None:
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, where
    assert response["X-Frame-Options"] == "DENY", where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where


class _Inline(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "style":
            self.found.append("<style>")
        if tag == "script":
            kind = dict(attrs).get("type") or "text/javascript"
            # A JSON data block is never run, so the policy allows it.
            self._in_script = "src" not in names and "json" not in kind
        if "style" in names:
            self.found.append(f"<{tag} style=…>")
        self.found += [f"<{tag} {name}=…>" for name in names if name.startswith("on")]
        self.found += [
            f"<{tag} {name}=javascript:…>"
            for name, value in attrs
            if value and value.strip().lower().startswith("javascript:")
        ]

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}…")


def _inline(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.found


def _templates() -> list[Path]:
    return sorted(
        path
        for app in PROJECT_APPS
        for path in (ROOT / app / "templates").rglob("*.html")
        if path.is_file()
    )


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_need_no_inline_script_or_style(template: Path) -> None:
    # Template tags may stand where attributes go; the parser reads them as junk, which is fine.
    assert _inline(template.read_text()) == []


def test_scripts_do_not_write_inline_styles_or_evaluate_strings() -> None:
    forbidden = re.compile(
        r"""setAttribute\(\s*["'](style|on\w+)["']|\beval\(|new Function\(|"""
        r"""set(Timeout|Interval)\(\s*["'`]|\bstyle=|\bon\w+=["']"""
    )
    # Every app keeps its own scripts (room.js in conference, board.js in escalation, ...).
    scripts = sorted(path for app in PROJECT_APPS for path in (ROOT / app / "static").rglob("*.js"))
    assert {script.name for script in scripts} >= {
        "alerts.js",
        "board.js",
        "countdown.js",
        "room.js",
    }
    for script in scripts:
        assert not forbidden.findall(script.read_text()), script.name


def _pages() -> list[str]:
    """Every page route (not the API or the admin, tested apart), as a pattern."""

    def walk(patterns: list[Any], prefix: str) -> list[str]:
        found = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append(prefix + str(pattern.pattern))
        return found

    return [
        route
        for route in walk(get_resolver().url_patterns, "")
        if not route.startswith(("api/", "admin/"))
    ]


def _fill(route: str) -> str:
    if "<int:pk>" in route:
        model = apps.get_model(IDS_OF[route.split("/")[0]])
        # A real row where the partnership has one (else the page's 404, headers all the same).
        pk = model.objects.order_by("pk").values_list("pk", flat=True).first() or 1
        route = route.replace("<int:pk>", str(pk))
    return "/" + re.sub(r"<[^>]+>", "not-a-token", route)


@pytest.mark.django_db
def test_every_page_sends_the_security_headers_to_everyone(demo: dict[str, Member]) -> None:
    partnership_at_work(demo)
    pages = [_fill(route) for route in _pages()]
    assert len(pages) > 40
    clients = {"anonymous": Client()}
    for username in ("coordinator", "chair", "panel-housing", "gold", "admin"):
        clients[username] = Client()
        clients[username].force_login(demo[username])
    html = 0
    for who, client in clients.items():
        for page in [*pages, "/no/such/page/", "/admin/", "/api/docs/", "/api/schema/"]:
            response = client.get(page)
            _assert_headers(response, f"{page} ({who})")
            if response["Content-Type"].startswith("text/html") and response.status_code == 200:
                html += 1
                assert _inline(response.content.decode()) == [], f"{page} ({who})"
    # Most pages were actually rendered, not only refused.
    assert html > 60


@pytest.mark.django_db
def test_api_docs_load_their_script_from_the_same_origin(demo: dict[str, Member]) -> None:
    client = Client()
    client.force_login(demo["coordinator"])
    page = client.get("/api/docs/")
    assert page.status_code == 200
    _assert_headers(page, "/api/docs/")
    html = page.content.decode()
    assert _inline(html) == []
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert "/api/docs/?script=" in sources
    for source in sources:
        # Same origin, as script-src/style-src 'self' requires; each one is really served.
        assert source.startswith("/"), source
        response = client.get(source)
        assert response.status_code == 200, source
        assert response["X-Content-Type-Options"] == "nosniff", source
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert '"/api/schema/"' in script.content.decode()
