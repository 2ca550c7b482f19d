"""The back button, then submit, in a real browser (issue 14: it made a second identical
incident). Going back, Chromium asks for the form's page again (a new one-time key) and puts back
what was typed; js/submit_once.js gives the form back the key it was sent with, so sending it
again makes nothing and shows the incident the first send made, saying so."""

from __future__ import annotations

import re
from typing import Any

import pytest

from escalation.models import Incident
from partnership.demo import demo_password
from partnership.models import Area, Member
from tests.e2e.conftest import password_for_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_back_then_submit_again_does_not_record_the_incident_twice(
    demo: dict[str, Member], server_url: str, browser: Any
) -> None:
    from playwright.sync_api import expect

    password_for_server(demo["officer"])
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server_url}/accounts/login/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(demo_password())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server_url}/")

    page.goto(f"{server_url}/incidents/new/")
    form = page.locator("form", has=page.get_by_role("button", name="Record the incident"))
    key = form.locator('input[name="submit_once"]').input_value()
    page.locator('input[name="title"]').fill("Abuse shouted at the bus stop")
    page.get_by_label("What happened").fill("Two men shouted abuse at a woman waiting.")
    for part, value in (("day", "1"), ("month", "7"), ("year", "2025"), ("time", "10:00")):
        page.locator(f'input[name="occurred_at_{part}"]').fill(value)
    page.locator('select[name="area"]').select_option(str(Area.objects.get(name="Woughton").pk))
    page.locator('input[name="strands"][value="religion"]').check()
    page.locator('select[name="tension_level"]').select_option("elevated")
    page.get_by_role("button", name="Record the incident").click()
    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    first = page.url
    assert Incident.objects.count() == 1

    # Back to the form as it was sent (its key too), and send it again.
    page.go_back()
    page.wait_for_url(f"{server_url}/incidents/new/")
    assert form.locator('input[name="submit_once"]').input_value() == key
    expect(page.locator('input[name="title"]')).to_have_value("Abuse shouted at the bus stop")
    page.get_by_role("button", name="Record the incident").click()
    page.wait_for_url(first)
    expect(page.locator("body")).to_contain_text("nothing new was made")
    assert Incident.objects.count() == 1
    # Opened afresh (not through the back button), the form is a new one with a new key.
    page.goto(f"{server_url}/incidents/new/")
    assert form.locator('input[name="submit_once"]').input_value() != key
