"""The demo's connected pair: an incident in each demo partnership, linked, with a joint gold
group over them, loaded once."""

from __future__ import annotations

import pytest

from gold.demo import PAIR_TITLE
from gold.models import GoldGroup, IncidentLink, LinkState
from partnership.demo import demo_extras, demo_load, demo_partnerships
from partnership.models import Member

pytestmark = pytest.mark.django_db


def _load() -> None:
    demo_load(with_neighbour=True)
    for partnership in demo_partnerships():
        for step in demo_extras():
            step(partnership)


def test_the_demo_links_an_incident_of_each_partnership_once(demo: dict[str, Member]) -> None:
    _load()
    _load()  # again: nothing more
    link = IncidentLink.objects.get()
    assert link.state == LinkState.LIVE
    assert (link.partnership.slug, link.other_partnership.slug) == (
        "milton-keynes",
        "aylesbury-vale",
    )
    assert link.incident.title == link.other_incident.title == PAIR_TITLE
    assert link.requested_by.username == "coordinator"
    assert link.answered_by is not None
    assert link.answered_by.username == "av-coordinator"
    group = GoldGroup.objects.get()
    assert set(group.incidents.all()) == {link.incident, link.other_incident}
    assert group.parties.count() == 2
    assert group.decisions.count() == 1
    assert {side.partnership.slug: side.shares for side in group.sides.all()} == {
        "milton-keynes": ["summary", "timeline"],
        "aylesbury-vale": ["summary", "timeline"],
    }
