"""What the conference pages share: reading an id from the address, the agencies and members
offered in forms, looking a conference up, and an agenda item's title."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from conference import selectors
from conference.models import (
    AgendaKind,
    Conference,
    RiskLevel,
)
from partnership.models import Member, Partnership
from partnership.permissions import require
from partnership.selectors import agencies_of, members_active


def _pk(value: str | None) -> int | None:
    """A whole number from the address, or ``None`` (a mangled link is a missing page)."""
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise Http404("That link is not valid.")
    return int(value)


def _agencies(partnership: Partnership | None) -> Any:
    return agencies_of(partnership).order_by("name")


def _members_with_agency(partnership: Partnership | None) -> Any:
    return (
        members_active(partnership).filter(agency__isnull=False).order_by("last_name", "first_name")
    )


def _conference(member: Member, pk: int, action: str = "conference.view") -> Conference:
    """The conference (404 unless the member may see it), then 403 unless they may ``action``."""
    conference = selectors.conference_for(member, pk)
    require(member, action, conference)
    return conference


def _item_title(item: dict[str, Any]) -> str:
    """Words for an agenda item (``static/conference/room.js`` writes the same)."""
    if item["kind"] == AgendaKind.ACTION_REVIEW:
        return f"Item {item['order']}: review of open actions from the last conference"
    if item["kind"] == AgendaKind.CASE_REVIEW:
        return f"Item {item['order']}: review of {item['subject']}"
    level = RiskLevel(item["referral_level"]).label.lower() if item["referral_level"] else ""
    return (
        f"Item {item['order']}: case {item['case']} (referral {item['referral_id']}, {level} risk)"
    )
