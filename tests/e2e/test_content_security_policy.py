"""The pages under their Content-Security-Policy in a real browser: nothing they need is refused
(Chromium reports every refusal on the console), and the browsable API still starts up."""

from __future__ import annotations

from typing import Any

import pytest

from partnership.demo import demo_password
from partnership.models import Member
from tests.e2e.conftest import password_for_server
from tests.world import partnership_at_work

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _signed_in(browser: Any, base: str, username: str) -> tuple[Any, list[str]]:
    page = browser.new_context().new_page()
    page.set_default_timeout(10_000)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    return page, refused


def test_pages_and_api_docs_run_under_the_policy(
    demo: dict[str, Member], server_url: str, browser: Any
) -> None:
    from playwright.sync_api import expect

    work = partnership_at_work(demo)
    incident, conference = work.incident, work.conference
    for username in ("coordinator", "chair"):
        password_for_server(demo[username])

    page, refused = _signed_in(browser, server_url, "coordinator")
    for path in (
        "/",
        "/board/",
        "/incidents/",
        f"/incidents/{incident.pk}/",
        "/inbox/",
        "/people/",
        f"/conferences/{conference.pk}/",
        "/compliance/",
        "/directory/",
    ):
        page.goto(f"{server_url}{path}")
        page.wait_for_load_state("networkidle")
    # The browsable API: its start-up script (served from ?script=) ran and drew the operations.
    page.goto(f"{server_url}/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()

    chair, chair_refused = _signed_in(browser, server_url, "chair")
    chair.goto(f"{server_url}/conferences/{conference.pk}/room/")
    expect(chair.locator("#room")).to_have_attribute("data-live", "true")

    assert refused + chair_refused == []
