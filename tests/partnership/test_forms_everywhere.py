"""Forms people cannot get wrong, on every page (issue 14): dates are typed as day, month and year
(GOV.UK's date input), never in a browser's picker that shows mm/dd/yyyy in an en-GB service;
choosing several things is a set of checkboxes, never a list that says "Hold Ctrl". Every page
route is drawn for the roles that see its forms, with a partnership at work behind it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from partnership.models import Member
from tests.test_security_headers import _fill, _pages
from tests.world import partnership_at_work

pytestmark = pytest.mark.django_db

# A browser's own pickers and the list that needs Ctrl (or Cmd) held to choose more than one.
PICKER = re.compile(r'<input[^>]+type="(?:date|datetime-local|time|month|week)"', re.I)
MULTIPLE = re.compile(r"<select[^>]*\bmultiple\b", re.I)
DATE_PARTS = re.compile(r'name="[a-z_]+_day"')


def test_no_page_has_a_date_picker_or_a_hold_ctrl_list(demo: dict[str, Member]) -> None:
    partnership_at_work(demo)
    pages = [_fill(route) for route in _pages()]
    drawn = with_dates = 0
    problems = []
    for username in ("coordinator", "officer", "chair", "admin", "gold", "panel-housing"):
        client = Client()
        client.force_login(demo[username])
        for page in pages:
            response = client.get(page)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            drawn += 1
            html = response.content.decode()
            with_dates += bool(DATE_PARTS.search(html))
            for found in (*PICKER.findall(html), *MULTIPLE.findall(html)):
                problems.append(f"{page} ({username}): {found}")
            if "Hold Ctrl" in html or "Hold down" in html:
                problems.append(f"{page} ({username}): says to hold a key")
    assert not problems, "\n".join(problems)
    # The walk drew the forms it speaks of: many pages, and dates typed in parts on several.
    assert drawn > 60
    assert with_dates >= 5
