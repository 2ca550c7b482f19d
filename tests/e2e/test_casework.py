"""Casework in the browser: a reporter files a public report without signing in; the
co-ordinator triages it into a case; the lead officer records the visit from their work list (the
home page), which starts the 14-day follow-up there. The board shows a tension rise without a
reload."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from casework import services
from casework.intake_models import PublicReport
from casework.models import Case, TaskKind, TaskState
from partnership.demo import PARTNERSHIP_SLUG
from partnership.models import Area, Member
from tests.e2e.conftest import password_for_server

ACCOUNT = "A neighbour keeps leaving racist notes on my door and shouted at my children."


def _signed_in(browser: Any, url: str, username: str) -> Any:
    context = browser.new_context(base_url=url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_report_to_case_to_visit(
    demo: dict[str, Member], live_server: Any, browser: Any
) -> None:
    lead = demo["member"]
    assert lead.agency is not None
    services.case_rule_add(actor=demo["coordinator"], lead_agency=lead.agency, lead_officer=lead)

    # 1. A reporter, not signed in.
    public = browser.new_context(base_url=live_server.url)
    public.set_default_timeout(10_000)
    page = public.new_page()
    page.goto("/report/")
    page.get_by_label("Where it happened").select_option(
        label="Milton Keynes Hate Crime Partnership"
    )
    page.get_by_label("The person it happened to", exact=True).check()
    page.get_by_label("What happened").fill(ACCOUNT)
    page.get_by_label("Race").check()
    page.get_by_label("Report anonymously").check()
    page.get_by_role("button", name="Send the report").click()
    reference = page.locator("[data-reference]").inner_text()
    report = PublicReport.objects.get()
    assert reference == report.reference
    assert ACCOUNT not in page.content()
    public.close()

    # 2. The co-ordinator triages it into a case.
    page = _signed_in(browser, live_server.url, "coordinator")
    page.get_by_role("link", name="Intake", exact=True).click()
    page.get_by_role("link", name=f"Report {report.pk}").click()
    assert ACCOUNT in page.content()
    page.get_by_label("Make it an incident and a case of the casework group").check()
    page.get_by_label("Why").fill("Repeated targeting of a family at home.")
    page.get_by_label("Incident title").fill("Racist notes left at a family home")
    page.get_by_label("Area", exact=True).select_option(label="Bletchley")
    page.get_by_label("Community tension").select_option(label="Elevated")
    page.get_by_role("button", name="Triage the report").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(incident__title="Racist notes left at a family home")
    assert case.lead_officer == lead
    page.context.close()

    # 3. The lead officer records the visit from their work list (the home page).
    page = _signed_in(browser, live_server.url, "member")
    visit = case.tasks.get(kind=TaskKind.VISIT)
    item = page.locator(f"#work-case-task-{visit.pk}")
    assert "Visit the victim" in item.inner_text()
    item.get_by_label("What was done").fill("Visited with an interpreter; door camera offered.")
    # The work list sends the form itself and fetches the list again: the visit leaves it.
    item.get_by_role("button", name="Record it done").click()
    item.wait_for(state="detached")
    visit.refresh_from_db()
    assert visit.state == TaskState.DONE
    follow_up = case.tasks.get(kind=TaskKind.FOLLOW_UP)
    # The list is fetched again after the visit: wait for the follow-up to arrive in it.
    shown = page.locator(f"#work-case-task-{follow_up.pk}")
    shown.wait_for()
    assert "within 14 days of the visit" in shown.inner_text()
    page.context.close()


@pytest.mark.browser
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_board_shows_a_tension_rise_without_a_reload(
    demo: dict[str, Member], server_url: str, browser: Any
) -> None:
    from playwright.sync_api import expect

    password_for_server(demo["coordinator"])
    area = Area.objects.get(partnership__slug=PARTNERSHIP_SLUG, name="Bletchley")
    services.tension_record(
        actor=demo["crro"], area=area, level="low", reason="Quiet.", source="Patrol"
    )
    page = _signed_in(browser, server_url, "coordinator")
    page.goto("/board/")
    panel = page.locator("[data-board-panel=tension]")
    expect(panel).to_contain_text("Quiet.")
    # The board fetches itself on connecting: then the socket is open.
    expect(page.locator("#board-status")).to_contain_text("Board updated")
    page.evaluate("window.notReloaded = true")
    # Recorded from another thread: Playwright's event loop runs in this one, where the push
    # after commit (async_to_sync) cannot.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(
            lambda: services.tension_record(
                actor=demo["crro"],
                area=area,
                level="critical",
                reason="Counter-protest called for tonight.",
                source="Community leader",
            )
        ).result()
    expect(panel).to_contain_text("Counter-protest called for tonight.")
    expect(panel).to_contain_text("Critical")
    assert page.evaluate("window.notReloaded") is True
    page.context.close()
