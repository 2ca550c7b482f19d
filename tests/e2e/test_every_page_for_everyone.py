"""Every main page, for several roles, in real Chromium at a phone's width (375 px): nothing wider
than the screen (no sideways scrolling), and axe-core finds no serious or critical violation of
WCAG 2.2 AA (issue 14). One server, one browser, one sign-in per role; each page is loaded once
and checked for both."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from casework import services as casework_services
from escalation.models import Meeting
from partnership.demo import demo_password
from partnership.models import Member
from tests import factories
from tests.e2e.conftest import password_for_server
from tests.world import partnership_at_work

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent.parent
# axe-core from the npm registry (package.json), installed by `make assets`.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 800}
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The page is drawn in the browser; axe reads it there (page.evaluate is not subject to the
# Content-Security-Policy, which refuses inline scripts in the page itself).
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""
# What is wider than the screen, when the page is.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1) {
      const kind = typeof el.className === "string" && el.className ?
        "." + el.className.split(" ")[0] : "";
      wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + kind +
                " " + Math.round(box.right) + "px");
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
}"""


def _signed_in(browser: Any, base: str, username: str | None) -> Any:
    page = browser.new_context(viewport=PHONE).new_page()
    page.set_default_timeout(15_000)
    if username is not None:
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(demo_password())
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/")
    return page


def test_main_pages_fit_a_phone_and_pass_axe_for_each_role(
    demo: dict[str, Member], server_url: str, browser: Any
) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets` (make test does it)")
    axe = AXE.read_text()
    work = partnership_at_work(demo)
    forum = factories.oversight_member(username="forum-e2e")
    partnership = demo["coordinator"].partnership
    assert partnership is not None
    body = factories.oversight_body(partnerships=[partnership], members=[forum])
    scrutiny = factories.scrutiny(body=body, to=partnership, by=forum)
    incident, person, referral, conference = (
        work.incident,
        work.person,
        work.referral,
        work.conference,
    )
    # Casework: a case of an incident that is not major.
    case = casework_services.case_open(
        actor=demo["coordinator"], incident_id=factories.incident(strands=("religion",)).pk
    )
    area = factories.area()
    # The debrief organised, and met yesterday: its page shows the form to record it.
    factories.duty_done(
        incident,
        "organise-debrief",
        by=demo["ppc"],
        meeting=factories.debrief(invitees=[demo["crro"], demo["coordinator"]]),
    )
    yesterday = timezone.now() - timedelta(days=1)
    Meeting.objects.filter(debrief__incident=incident).update(
        starts_at=yesterday, ends_at=yesterday + timedelta(hours=2)
    )
    for member in (*demo.values(), forum):
        password_for_server(member)
    pages: dict[str | None, list[str]] = {
        None: ["/accounts/login/", "/report/"],
        "coordinator": [
            "/",
            "/incidents/",
            "/incidents/new/",
            "/board/",
            f"/incidents/{incident.pk}/",
            "/inbox/",
            "/people/",
            f"/people/{person.pk}/",
            "/flags/",
            "/referrals/",
            f"/referrals/new/?person={person.pk}",
            f"/referrals/{referral.pk}/",
            "/conferences/",
            "/conferences/new/",
            f"/conferences/{conference.pk}/",
            "/directory/",
            "/account/channels/",
            "/account/tokens/",
            "/account/second-factor/",
            f"/scrutiny/{scrutiny.pk}/",
            "/cases/",
            f"/cases/{case.pk}/",
            "/cases/rules/",
            "/cases/reviews/",
            "/intake/",
            "/information/",
            "/tension/",
            f"/tension/areas/{area.pk}/",
            f"/incidents/{incident.pk}/report/",
            "/strategy/",
            "/reports/six-monthly/",
        ],
        "crro": ["/", f"/incidents/{incident.pk}/"],
        "ppc": [f"/incidents/{incident.pk}/debrief/"],
        "gold": [
            f"/incidents/{incident.pk}/timeline/",
            "/compliance/",
            "/reports/partnership/",
            "/connections/",
            "/gold-groups/",
        ],
        "chair": [f"/conferences/{conference.pk}/room/", f"/conferences/{conference.pk}/minutes/"],
        "panel-police": [f"/agenda-items/{work.item.pk}/research/"],
        "panel-housing": ["/", "/actions/"],
        "admin": ["/calendar/", "/access-log/"],
        forum.username: ["/oversight/", "/scrutiny/", f"/scrutiny/{scrutiny.pk}/"],
    }
    problems: list[str] = []
    loads = 0
    # The check can fail: on a page with an image without a text alternative and a field
    # without a label, axe reports both.
    probe = browser.new_context(viewport=PHONE).new_page()
    probe.set_content('<html lang="en"><body><main><img src="x.png"><input></main></body></html>')
    probe.evaluate(axe)
    found = {violation["id"] for violation in probe.evaluate(AXE_RUN, WCAG_22_AA)}
    assert {"image-alt", "label"} <= found, found
    probe.context.close()
    for username, paths in pages.items():
        page = _signed_in(browser, server_url, username)
        for path in paths:
            response = page.goto(f"{server_url}{path}")
            loads += 1
            where = f"{path} as {username or 'someone signed out'}"
            if response is None or response.status != 200:
                problems.append(f"{where}: answered {response.status if response else 'nothing'}")
                continue
            page.wait_for_load_state("networkidle")
            width = page.evaluate(TOO_WIDE)
            if width["scroll"] > width["width"]:
                problems.append(
                    f"{where}: {width['scroll']} px wide on a {width['width']} px screen: "
                    + ", ".join(width["wide"])
                )
            page.evaluate(axe)
            for violation in page.evaluate(AXE_RUN, WCAG_22_AA):
                problems.append(f"{where}: axe {json.dumps(violation)}")
        page.context.close()
    assert loads == sum(len(paths) for paths in pages.values()) == 51
    assert not problems, "\n".join(problems)
