"""The gold pages are in the main menu for those who use them (gold/rules.py: the gold commander
and the CSP Co-ordinator convene gold groups, and the co-ordinator connects incidents), and for
no one else; each item opens its page."""

from __future__ import annotations

import re

import pytest

from partnership.models import Member
from tests.world import ClientFor

pytestmark = pytest.mark.django_db

MENU_ITEMS = {"/connections/": "Connected incidents", "/gold-groups/": "Gold groups"}


def _menu(page: str) -> dict[str, str]:
    """The main menu's items: address → words."""
    found = re.search(
        r'<ul class="govuk-service-navigation__list" id="navigation">(.*?)</ul>', page, re.S
    )
    assert found, "no main menu"
    return dict(
        re.findall(
            r'<a class="govuk-service-navigation__link" href="([^"]+)"[^>]*>'
            r"(?:<strong[^>]*>)?([^<]+)",
            found.group(1),
        )
    )


@pytest.mark.parametrize("username", ["gold", "coordinator", "coordinator2"])
def test_gold_and_the_coordinator_find_the_gold_pages_in_the_menu(
    demo: dict[str, Member], client_for: ClientFor, username: str
) -> None:
    client = client_for(username)
    menu = _menu(client.get("/").content.decode())
    for href, words in MENU_ITEMS.items():
        assert menu.get(href) == words, (username, menu)
        page = client.get(href)
        assert page.status_code == 200, href
        # On its own page the item is marked as the current one.
        assert f'href="{href}" aria-current="page"' in page.content.decode()


@pytest.mark.parametrize("username", ["crro", "officer", "panel-police", "rec", "staff"])
def test_others_do_not(demo: dict[str, Member], client_for: ClientFor, username: str) -> None:
    menu = _menu(client_for(username).get("/").content.decode())
    assert "Home" in menu.values()
    assert not set(MENU_ITEMS) & set(menu), (username, menu)
