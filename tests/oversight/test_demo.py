"""The demo's forum: over both demo partnerships, its member in neither, loaded once."""

from __future__ import annotations

import pytest
from django.test import Client

from oversight.demo import FORUM_SLUG, FORUM_USERNAME
from oversight.models import OversightBody
from partnership.demo import demo_extras, demo_load, demo_partnerships
from partnership.models import Member

pytestmark = pytest.mark.django_db


def _load() -> None:
    demo_load(with_neighbour=True)
    for partnership in demo_partnerships():
        for step in demo_extras():
            step(partnership)


def test_the_demo_forum_oversees_both_partnerships_and_sees_no_case(
    demo: dict[str, Member],
) -> None:
    _load()
    _load()  # again: nothing more
    forum = OversightBody.objects.get(slug=FORUM_SLUG)
    assert sorted(forum.partnerships.values_list("slug", flat=True)) == [
        "aylesbury-vale",
        "milton-keynes",
    ]
    member = Member.objects.get(username=FORUM_USERNAME)
    assert list(forum.members.all()) == [member]
    assert not member.partnerships.exists()
    client = Client()
    client.force_login(member)
    page = client.get("/oversight/")
    assert page.status_code == 200
    assert "Aylesbury Vale Hate Crime Partnership" in page.content.decode()
    home = client.get("/").content.decode()
    assert "You are a member of an oversight body" in home
    assert client.get("/incidents/").status_code == 403
    assert client.get("/api/people/").status_code == 403
