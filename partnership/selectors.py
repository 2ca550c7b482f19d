"""Reads of the partnership directory: a partnership's agencies and members, with the roles they
hold there."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from partnership.models import Agency, Member, Partnership, RoleAssignment


def agencies_of(partnership: Partnership | None) -> QuerySet[Agency]:
    """The active agencies taking part in ``partnership`` (none without one)."""
    return Agency.objects.filter(is_active=True, partnerships=partnership)


def agencies_with_members(partnership: Partnership | None) -> QuerySet[Agency]:
    """``partnership``'s agencies, each with its members who work there and their roles there."""
    members = (
        Member.objects.filter(is_active=True, partnerships=partnership)
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.filter(partnership=partnership).select_related(
                    "deputy"
                ),
            )
        )
        .order_by("last_name", "username")
    )
    return agencies_of(partnership).prefetch_related(Prefetch("members", queryset=members))


def members_active(partnership: Partnership | None) -> QuerySet[Member]:
    """Active members working in ``partnership``, with their roles there."""
    return (
        Member.objects.filter(is_active=True, partnerships=partnership)
        .select_related("agency")
        .prefetch_related(
            Prefetch(
                "role_assignments", queryset=RoleAssignment.objects.filter(partnership=partnership)
            )
        )
    )
