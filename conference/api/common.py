"""What the conference API shares: agencies and members named in a request body, and looking a
conference up."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request

from conference import selectors
from conference.models import (
    Conference,
)
from partnership.models import Agency, Member, Partnership
from partnership.pages import member_of
from partnership.permissions import require
from partnership.selectors import agencies_of


def _agencies(ids: list[int], partnership: Partnership | None) -> list[Agency]:
    """The agencies named, each taking part in ``partnership`` (400 for any other)."""
    agencies = list(agencies_of(partnership).filter(pk__in=ids))
    if len(agencies) != len(set(ids)):
        raise serializers.ValidationError({"visible_agencies": "Unknown agency id."})
    return agencies


def _active_member(pk: int, field: str, partnership: Partnership | None) -> Member:
    """A member working in ``partnership`` named in a request body (an owner, a chair, an
    invitee), or a 400 naming the field; not who is asking (that is ``member_of``)."""
    member = (
        Member.objects.filter(pk=pk, is_active=True, partnerships=partnership)
        .select_related("agency")
        .first()
    )
    if member is None:
        raise serializers.ValidationError({field: "No active member with that id."})
    return member


def _conference_for(request: Request, pk: int, action: str = "conference.view") -> Conference:
    """The conference (404 unless the caller may see it), then 403 unless they may ``action``."""
    member = member_of(request)
    conference = selectors.conference_for(member, pk)
    require(member, action, conference)
    return conference
