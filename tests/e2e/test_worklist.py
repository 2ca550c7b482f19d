"""The home page as a work list in real browsers (issue 14): after a declaration recorded late,
the CRRO's home lists their overdue steps; doing one there takes it off without a reload, and the
co-ordinator's home, open at the same time, shows the step that waited for it as theirs to do,
live. The step that waited was never escalated."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from escalation.jobs import escalation_run
from escalation.models import DutyState
from notifications.models import LadderRung
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


def _home(browser: Any, base: str, username: str) -> Any:
    from playwright.sync_api import expect

    page = browser.new_context().new_page()
    page.set_default_timeout(LIVE_MS)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_password())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    expect(page.locator("#worklist")).to_have_attribute("data-live", "true", timeout=LIVE_MS)
    # Gone if the page reloads: what follows must arrive without one.
    page.evaluate("window.notReloaded = true")
    return page


def test_the_crro_does_a_step_from_home_and_the_next_owner_sees_theirs_live(
    demo: dict[str, Member], server_url: str, browser: Any
) -> None:
    from playwright.sync_api import expect

    for username in ("crro", "coordinator"):
        password_for_server(demo[username])
    incident = factories.incident_declared(at=timezone.now() - timedelta(hours=2, minutes=30))
    escalation_run(timezone.now())
    tell = factories.duty(incident, "inform-csp-coordinator")
    chief = factories.duty(incident, "notify-chief-officer")
    assert chief.state == DutyState.WAITING
    assert not LadderRung.objects.filter(duty=chief).exists()  # waiting: not escalated

    crro = _home(browser, server_url, "crro")
    coordinator = _home(browser, server_url, "coordinator")
    steps = crro.locator('[data-source="steps"] [data-key]')
    expect(steps).to_have_count(3)
    item = crro.locator(f'[data-key="duty-{tell.pk}"]')
    expect(item).to_contain_text("Inform the Community Safety Partnership Co-ordinator")
    expect(item).to_contain_text("overdue by")
    waiting = coordinator.locator(f'[data-key="duty-{chief.pk}"]')
    expect(waiting).to_contain_text("It waits for: Inform the Community Safety Partnership")
    expect(waiting.get_by_role("button", name="Send and mark done")).to_have_count(0)

    item.get_by_label("Message to send").fill("Major incident in Woughton: see the incident.")
    item.get_by_role("button", name="Send and mark done").click()

    expect(crro.locator(f'[data-key="duty-{tell.pk}"]')).to_have_count(0)
    expect(steps).to_have_count(2)
    expect(crro.locator("#worklist-status")).to_contain_text(
        "Done: Inform the Community Safety Partnership Co-ordinator"
    )
    assert crro.evaluate("window.notReloaded") is True
    # The co-ordinator's home, untouched: the chief officer's step is now theirs to do.
    expect(waiting.get_by_role("button", name="Send and mark done")).to_have_count(1)
    expect(waiting).not_to_contain_text("It waits for")
    assert coordinator.evaluate("window.notReloaded") is True
