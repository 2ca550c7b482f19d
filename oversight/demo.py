"""The demo's oversight body: a forum over the demo's partnerships, with one member who belongs
to no partnership (login ``forum``, the demo password)."""

from __future__ import annotations

from django.db import transaction

from oversight.models import OversightBody, OversightKind
from oversight.services import (
    oversight_body_create,
    oversight_member_add,
    oversight_partnership_add,
)
from partnership import services as partnership_services
from partnership.demo import demo_extra_register, demo_password
from partnership.models import Agency, AgencyKind, Member, Partnership

FORUM_NAME = "Thames Valley Hate Crime Forum"
FORUM_SLUG = "thames-valley-forum"
FORUM_USERNAME = "forum"


@transaction.atomic
def demo_forum(partnership: Partnership) -> int:
    """The forum (made once) oversees ``partnership``; its member is made once. Idempotent.
    Returns how many things changed."""
    changed = 0
    body = OversightBody.objects.filter(slug=FORUM_SLUG).first()
    if body is None:
        body = oversight_body_create(
            actor=None, name=FORUM_NAME, slug=FORUM_SLUG, kind=OversightKind.FORUM
        )
        changed += 1
    if not body.partnerships.filter(pk=partnership.pk).exists():
        oversight_partnership_add(actor=None, body=body, partnership=partnership)
        changed += 1
    member = Member.objects.filter(username=FORUM_USERNAME).first()
    if member is None:
        agency = Agency.objects.filter(name=FORUM_NAME).first()
        if agency is None:
            # The forum's own organisation: it takes part in no partnership's casework.
            agency = partnership_services.agency_create(
                actor=None, kind=AgencyKind.VOLUNTARY, name=FORUM_NAME
            )
        member = partnership_services.member_create(
            actor=None,
            username=FORUM_USERNAME,
            password=demo_password(),
            agency=agency,
            first_name="Farah",
            last_name="Nwosu",
            email=f"{FORUM_USERNAME}@demo.invalid",
            job_title="Forum scrutiny lead",
        )
        changed += 1
    if not body.members.filter(pk=member.pk).exists():
        oversight_member_add(actor=None, body=body, member=member)
        changed += 1
    return changed


demo_extra_register(demo_forum)
