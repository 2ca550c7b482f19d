"""Turning an audience (``partnership.audiences.Audience``: a role, a role's deputies, an agency
kind, a member) into the members it means, at the moment of sending. The result is recorded on
each notification."""

from __future__ import annotations

from collections.abc import Iterable

from partnership.audiences import Audience, AudienceKind
from partnership.models import Member, Role, RoleAssignment

# Who speaks for an agency when a protocol step says "inform the Racial Equality Council": its
# members who sit on the partnership or run it, not every member of staff.
AGENCY_REPRESENTATIVE_ROLES = (
    Role.CCSP_MEMBER,
    Role.CSP_COORDINATOR,
    Role.COUNCIL_CHIEF_OFFICER,
)


def audience_members(audience: Audience, partnership_id: int | None) -> list[Member]:
    """The members ``audience`` means within one partnership: roles are those held there, and
    only members who work there are told. Without a partnership (a message about nobody's case)
    only a named member can be meant."""
    active = Member.objects.filter(is_active=True, partnerships=partnership_id)
    if partnership_id is None:
        if audience.kind != AudienceKind.MEMBER:
            return []
        active = Member.objects.filter(is_active=True)
    if audience.kind == AudienceKind.ROLE:
        query = active.filter(
            role_assignments__partnership=partnership_id,
            role_assignments__role=audience.role_code,
        )
    elif audience.kind == AudienceKind.DEPUTY and not audience.is_relative:
        query = active.filter(
            deputy_for__partnership=partnership_id,
            deputy_for__role=audience.role_code,
            deputy_for__member__is_active=True,
        )
    elif audience.kind == AudienceKind.AGENCY:
        query = active.filter(
            agency__kind=audience.agency_kind,
            agency__is_active=True,
            role_assignments__partnership=partnership_id,
            role_assignments__role__in=AGENCY_REPRESENTATIVE_ROLES,
        )
    elif audience.kind == AudienceKind.MEMBER:
        query = active.filter(pk=audience.member_id)
    else:
        # "owner", "repeat" and a bare "deputy" mean someone only on a ladder, which turns them
        # into audiences like these before sending (``notifications.ladder.kinds``).
        raise ValueError(f"{audience} means someone only on a ladder")
    return list(query.distinct().order_by("pk"))


def audiences_members(
    audiences: Iterable[Audience], partnership_id: int | None
) -> list[tuple[Audience, Member]]:
    """Each member once, with the first audience that reached them (within one partnership)."""
    seen: set[int] = set()
    result: list[tuple[Audience, Member]] = []
    for audience in audiences:
        for member in audience_members(audience, partnership_id):
            if member.pk not in seen:
                seen.add(member.pk)
                result.append((audience, member))
    return result


def deputies_of(member_id: int, *, partnership_id: int, role: Role | str = "") -> list[Audience]:
    """The active deputies of one member in one partnership, as audiences: for ``role`` if the
    member holds it there with a deputy, else for every role they hold there. (``deputy:<role>``
    is the deputies of everyone who holds a role.)"""
    assignments = RoleAssignment.objects.filter(
        partnership_id=partnership_id,
        member_id=member_id,
        deputy__isnull=False,
        deputy__is_active=True,
    )
    if role and assignments.filter(role=role).exists():
        assignments = assignments.filter(role=role)
    return [Audience.member(pk) for pk in sorted({a.deputy_id for a in assignments if a.deputy_id})]
