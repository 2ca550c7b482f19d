"""Partnerships as tenants: which partnership a member is working in.

Every record of a case (incident, person, referral, conference, protocol version, area) belongs
to one partnership; a member works in one partnership at a time, and their roles are read there
(``Member.partnership``, ``Member.work_in``). Writers that start something new put it in the
partnership its maker is working in (``partnership_working``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from partnership.models import Member, Partnership

NO_PARTNERSHIP = (
    "You are not working in a partnership: choose one of yours first, or ask an administrator "
    "to add you to one."
)


def partnership_working(member: Member) -> Partnership:
    """The partnership ``member`` is working in; refused (403) when there is none."""
    if member.partnership is None:
        raise PermissionDenied(NO_PARTNERSHIP)
    return member.partnership
