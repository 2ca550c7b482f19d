"""Oversight bodies and timeline checkpoints in the administration pages (issue 12): a body
spans partnerships, so only the service's operator (a superuser) sets one up; a partnership's
administrator reads their own chain's checkpoints."""

from __future__ import annotations

import pytest
from django.test import Client

from oversight.models import OversightBody, OversightKind
from partnership.checkpoints import checkpoint_write
from partnership.models import AuditEvent, Member, Partnership
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(demo: dict[str, Member]) -> Member:
    made = factories.member(username="operator", agency=None)
    Member.objects.filter(pk=made.pk).update(is_superuser=True, is_staff=True)
    return Member.objects.get(pk=made.pk)


def test_the_operator_sets_up_a_forum_over_two_partnerships(
    operator: Member, client_for: ClientFor
) -> None:
    neighbour = factories.partnership_new(name="Aylesbury Vale Hate Crime Partnership", slug="av")
    forum = factories.oversight_member(username="forum-member")
    client = Client()
    client.force_login(operator)
    form = client.get("/admin/oversight/oversightbody/add/")
    assert form.status_code == 200
    made = client.post(
        "/admin/oversight/oversightbody/add/",
        {
            "name": "Thames Valley Hate Crime Forum",
            "slug": "tv-forum",
            "kind": OversightKind.FORUM,
            "partnerships": [factories.partnership().pk, neighbour.pk],
            "members": [forum.pk],
        },
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    body = OversightBody.objects.get(slug="tv-forum")
    assert set(body.partnerships.all()) == {factories.partnership(), neighbour}
    assert list(body.members.all()) == [forum]
    event = AuditEvent.objects.get(verb="oversightbody.created")
    assert event.partnership_id is None  # the service's own chain: no one partnership's record
    assert event.changes == {"fields": ["kind", "members", "name", "partnerships", "slug"]}


def test_a_partnership_administrator_cannot_see_or_set_up_bodies(client_for: ClientFor) -> None:
    admin = client_for("admin")
    assert admin.get("/admin/oversight/oversightbody/").status_code == 403
    refused = admin.post(
        "/admin/oversight/oversightbody/add/",
        {"name": "A forum of my own", "slug": "mine", "kind": OversightKind.FORUM},
    )
    assert refused.status_code == 403
    assert not OversightBody.objects.exists()
    assert "oversightbody" not in admin.get("/admin/").content.decode()


def test_an_administrator_reads_their_own_chains_checkpoints(
    client_for: ClientFor, demo: dict[str, Member]
) -> None:
    here = factories.partnership()
    neighbour: Partnership = factories.partnership_new(name="Wycombe Partnership", slug="wy")
    factories.area_new(name="Wycombe centre", within=neighbour)  # an event on its chain
    checkpoint_write(here.pk)
    checkpoint_write(neighbour.pk)
    page = client_for("admin").get("/admin/partnership/timelinecheckpoint/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Milton Keynes" in text
    assert "Wycombe Partnership" not in text
    assert (
        client_for("coordinator").get("/admin/partnership/timelinecheckpoint/").status_code == 302
    )
