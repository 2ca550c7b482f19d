"""Reads of the partnership directory."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from partnership.models import Agency, Member, RoleAssignment


def agencies_with_members() -> QuerySet[Agency]:
    members = (
        Member.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("deputy"))
        )
        .order_by("last_name", "username")
    )
    return Agency.objects.filter(is_active=True).prefetch_related(
        Prefetch("members", queryset=members)
    )


def members_active() -> QuerySet[Member]:
    return (
        Member.objects.filter(is_active=True)
        .select_related("agency")
        .prefetch_related("role_assignments")
    )
