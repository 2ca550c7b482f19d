"""A gold group member signs in, reads an incident's timeline, filters it and downloads the PDF.

No websockets are needed, so pytest-django's ``live_server`` serves the app in this process: it
shares the test settings, so the demo password (hashed with MD5 here) works on the real sign-in
form. ``browser`` comes from ``tests/e2e/conftest.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from escalation.models import Incident
from partnership.models import AuditEvent, Member
from tests import factories


def _declared_with_a_duty_done(demo: dict[str, Member]) -> Incident:
    incident = factories.incident_declared(strands=("race",), location="", safeguarding_steps="")
    factories.duty_done(incident, "inform-rec", by=demo["crro"], message="REC told by phone.")
    return incident


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_gold_filters_the_timeline_and_downloads_the_pdf(
    demo: dict[str, Member], live_server: Any, browser: Any, tmp_path: Path
) -> None:
    incident = _declared_with_a_duty_done(demo)
    context = browser.new_context(accept_downloads=True, base_url=live_server.url)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("gold")
        page.get_by_label("Password").fill("demo-pass")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/$"))

        page.goto(f"/incidents/{incident.pk}/timeline/")
        assert "The timeline verifies" in page.locator("[data-integrity]").inner_text()
        rows = page.locator("table.timeline tbody tr")
        before = rows.count()
        kinds_before = {rows.nth(i).get_attribute("data-kind") for i in range(before)}
        assert {"incident", "duty", "notification"} <= kinds_before
        assert page.get_by_text("Step done: Inform the Racial Equality Council").count() == 1

        page.get_by_label("Duties").check()
        page.get_by_role("button", name="Show events").click()
        page.wait_for_url(re.compile(r"kind=duty"))
        after = rows.count()
        assert 0 < after < before
        assert {rows.nth(i).get_attribute("data-kind") for i in range(after)} == {"duty"}

        with page.expect_download() as download_info:
            page.locator("a[data-export=pdf]").click()
        download = download_info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        assert saved.name.endswith(".pdf")
        assert saved.read_bytes().startswith(b"%PDF")
    finally:
        context.close()

    exported = AuditEvent.objects.get(verb="timeline.exported", scope=f"incident:{incident.pk}")
    assert exported.actor == demo["gold"]
    assert exported.changes["format"] == "pdf"
    assert exported.changes["events"] == after
