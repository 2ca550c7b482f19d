"""A gold group in real browsers: gold convenes it from the incident, seating the Racial Equality
Council's director; gold records a decision with the options weighed and a review date; the
director, in the group's room, sees it appear without reloading, and a message gold adds to
the communications plan too; gold stands the group down and
the director's room turns read-only at once."""

from __future__ import annotations

from datetime import timedelta
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
DECISION = "Targeted reassurance at the two mosques; no town-wide appeal."
MESSAGE = "Officers will be at evening prayers all week."


def _sign_in(browser: Any, base: str, username: str, path: str) -> Any:
    page = browser.new_context().new_page()
    page.goto(f"{base}/accounts/login/?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{path}")
    return page


def _moment_fill(form: Any, name: str, moment: Any) -> None:
    """The day, month, year and time inputs of the date-and-time field ``name``."""
    for part, value in [
        ("day", str(moment.day)),
        ("month", str(moment.month)),
        ("year", str(moment.year)),
        ("time", moment.strftime("%H:%M")),
    ]:
        form.locator(f"input[name={name}_{part}]").fill(value)


def test_gold_convenes_decides_and_another_agency_sees_it_live(
    demo: dict[str, Member], server_url: str, browser: Any
) -> None:
    from playwright.sync_api import expect

    for username in ("gold", "rec"):
        password_for_server(demo[username])
    incident = factories.incident_declared()

    gold = _sign_in(browser, server_url, "gold", f"/incidents/{incident.pk}/gold-group/")
    gold.get_by_label("Group title").fill("Operation Lantern")
    gold.get_by_label("Rebecca Mensah, Milton Keynes Racial Equality Council").check()
    gold.get_by_role("button", name="Convene the group").click()
    gold.wait_for_url(f"{server_url}/gold-groups/*/")
    room = gold.url.removeprefix(server_url)

    rec = _sign_in(browser, server_url, "rec", room)
    expect(rec.locator("#gold-room")).to_have_attribute("data-live", "true", timeout=LIVE_MS)
    rec.evaluate("window.notReloaded = true")
    expect(rec.locator("#decision-log-empty")).to_be_visible()

    form = gold.locator("form", has=gold.get_by_role("button", name="Record the decision"))
    form.get_by_label("Information and intelligence").fill("Leaflets on two estates.")
    form.get_by_label("Threat and risk assessed").fill("Reprisals against the mosques.")
    form.get_by_label("Powers and policies considered").fill("Public Order Act 1986.")
    form.get_by_label("Option 1", exact=True).fill("Targeted reassurance")
    form.get_by_label("Option 1 is the one chosen").check()
    form.get_by_label("Option 2", exact=True).fill("Town-wide media appeal")
    form.get_by_label("Option 2: why rejected").fill("Would spread the message further.")
    form.get_by_label("The decision").fill(DECISION)
    form.get_by_label("Why this option").fill("Reaches those affected only.")
    review = timezone.localtime(timezone.now() + timedelta(days=1))
    _moment_fill(form, "review_at", review)
    form.get_by_role("button", name="Record the decision").click()
    expect(gold.locator("#decision-log")).to_contain_text(DECISION, timeout=LIVE_MS)

    log = rec.locator("#decision-log")
    expect(log).to_contain_text(DECISION, timeout=LIVE_MS)
    expect(log).to_contain_text("Town-wide media appeal (rejected: Would spread the message")
    expect(log).to_contain_text("Targeted reassurance (chosen)")
    assert rec.evaluate("window.notReloaded") is True

    # Gold plans a message: the director's open room shows it in the plan, still without
    # reloading (the page's own drawing of the plan, fetched on the push).
    plan = gold.locator("form", has=gold.get_by_role("button", name="Add to the plan"))
    plan.get_by_label("To whom").fill("Worshippers at both mosques")
    plan.get_by_label("The message").fill(MESSAGE)
    plan.get_by_label("Approved by").select_option(index=1)
    _moment_fill(plan, "send_at", review)
    plan.get_by_role("button", name="Add to the plan").click()
    expect(gold.locator("#gold-comms-plan")).to_contain_text(MESSAGE, timeout=LIVE_MS)
    expect(rec.locator("#gold-comms-plan")).to_contain_text(MESSAGE, timeout=LIVE_MS)
    assert rec.evaluate("window.notReloaded") is True

    # Gold stands the group down: the director's open room says so and offers nothing more,
    # still without reloading.
    offered = rec.locator("form[data-while-sitting] >> visible=true")
    expect(offered.first).to_be_visible()
    stand_down = gold.locator("form", has=gold.get_by_role("button", name="Stand the group down"))
    stand_down.get_by_label("Why the group stands down").fill("Tension back to normal.")
    stand_down.get_by_role("button", name="Stand the group down").click()
    expect(gold.locator("#gold-stood-down")).to_be_visible(timeout=LIVE_MS)
    expect(rec.locator("#gold-stood-down")).to_be_visible(timeout=LIVE_MS)
    expect(rec.locator("#gold-stood-down-words")).to_contain_text("Tension back to normal.")
    expect(offered).to_have_count(0)
    assert rec.evaluate("window.notReloaded") is True
