"""The live room in real browsers: the chair and two panel members, each signed in through the
sign-in page, see what the chair records appear without reloading, and only what they may see."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from partnership.demo import demo_password
from partnership.models import Member
from tests import factories
from tests.e2e.conftest import password_for_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

LIVE_MS = 10_000
PEOPLE = ("chair", "panel-police", "panel-housing")


def _open_conference(demo: dict[str, Member]) -> int:
    referral = factories.referral(
        person=factories.person(), answers=factories.checklist(frightened=True)
    )
    now = timezone.now()
    conference = factories.conference(
        cases=[referral],
        invite=[demo["panel-police"], demo["panel-housing"]],
        open_it=True,
        starts_at=now + timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
    )
    return conference.pk


def _sign_in_to_room(browser: Any, base: str, username: str, room: str) -> Any:
    from playwright.sync_api import expect

    page = browser.new_context().new_page()
    page.goto(f"{base}/accounts/login/?next={room}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{room}")
    # The socket is open and the room's state has arrived.
    expect(page.locator("#room")).to_have_attribute("data-live", "true", timeout=LIVE_MS)
    # Gone if the page reloads: what follows must arrive without one.
    page.evaluate("window.notReloaded = true")
    return page


def _share(page: Any, text: str, visibility: str, agency: str = "") -> None:
    from playwright.sync_api import expect

    form = page.locator('[data-room-form="share"]')
    form.get_by_label("What you are sharing").fill(text)
    form.get_by_label(visibility, exact=True).check()
    if agency:
        form.get_by_label(agency, exact=True).check()
    form.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator("#room-log")).to_contain_text(text, timeout=LIVE_MS)


def _due_fill(form: Any, day: date, time: str) -> None:
    """The action's due date, typed as the form asks: day, month, year and time."""
    due = form.get_by_role("group", name="Due")
    due.get_by_label("Day").fill(str(day.day))
    due.get_by_label("Month").fill(str(day.month))
    due.get_by_label("Year").fill(str(day.year))
    due.get_by_label("Time").fill(time)


def test_chair_records_and_the_panel_sees_it_live_each_as_allowed(
    demo: dict[str, Member], server_url: str, browser: Any
) -> None:
    from playwright.sync_api import expect

    for username in PEOPLE:
        password_for_server(demo[username])
    room = f"/conferences/{_open_conference(demo)}/room/"
    pages = {name: _sign_in_to_room(browser, server_url, name, room) for name in PEOPLE}
    chair = pages["chair"]

    # The chair agrees an action for housing through the room's form: the API's refusal of a
    # date in the past is shown beside the form, then the corrected action goes through.
    form = chair.locator('[data-room-form="action"]')
    form.get_by_label("What is to be done").fill("Fit a fire-proof letterbox")
    form.get_by_label("Owner").select_option(str(demo["panel-housing"].pk))
    _due_fill(form, date(2020, 1, 6), "10:00")
    form.get_by_role("button", name="Add the action").click()
    expect(form.get_by_role("alert")).to_contain_text(
        "Due: The due date must be in the future.", timeout=LIVE_MS
    )
    _due_fill(form, timezone.localdate() + timedelta(days=7), "10:00")
    form.get_by_role("button", name="Add the action").click()
    expect(chair.locator("#room-feedback")).to_have_text("Action added.", timeout=LIVE_MS)
    for name in ("panel-police", "panel-housing"):
        page = pages[name]
        expect(page.locator("#room-actions")).to_contain_text(
            "Fit a fire-proof letterbox", timeout=LIVE_MS
        )
        expect(page.locator("#room-actions")).to_contain_text("Hana Ali (Milton Keynes Housing)")
        expect(page.locator("#room-log")).to_contain_text("Action: Fit a fire-proof letterbox")
        assert page.evaluate("window.notReloaded") is True

    # Something for the police only, then something for the whole panel.
    secret = "Police only: the suspect is on bail until Friday."
    _share(chair, secret, "Named agencies only", "Thames Valley Police")
    everyone = "For everyone: the family has moved to the back bedroom."
    _share(chair, everyone, "The whole panel")

    police, housing = pages["panel-police"], pages["panel-housing"]
    expect(police.locator("#room-log")).to_contain_text(secret, timeout=LIVE_MS)
    expect(police.locator("#room-log")).to_contain_text(everyone, timeout=LIVE_MS)
    expect(police.locator("#room-log")).to_contain_text("Only Thames Valley Police")
    # Entries arrive in order: once the later, panel-wide one is there, the restricted one was
    # withheld, not merely late.
    expect(housing.locator("#room-log")).to_contain_text(everyone, timeout=LIVE_MS)
    expect(housing.locator("#room")).not_to_contain_text(secret)
    assert housing.get_by_text(secret).count() == 0
    assert police.evaluate("window.notReloaded") is True
    assert housing.evaluate("window.notReloaded") is True
