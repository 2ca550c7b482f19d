"""Turning an audience ("role:crro", "agency:rec", "deputy:csp_coordinator", "member:12") into the
members it means, at the moment of sending. The result is recorded on each notification."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from partnership.models import AgencyKind, Member, Role, RoleAssignment

# Who speaks for an agency when a protocol step says "inform the Racial Equality Council": its
# members who sit on the partnership or run it, not every member of staff.
AGENCY_REPRESENTATIVE_ROLES = (
    Role.CCSP_MEMBER,
    Role.CSP_COORDINATOR,
    Role.COUNCIL_CHIEF_OFFICER,
)


def audience_validate(audience: str) -> str:
    kind, _, value = audience.partition(":")
    valid = {
        "role": set(Role.values),
        "deputy": set(Role.values),
        "agency": set(AgencyKind.values),
    }
    if kind == "member" and value.isdigit():
        return audience
    if kind not in valid or value not in valid[kind]:
        raise ValidationError(f"{audience!r} is not an audience (role:…, agency:…, member:…)")
    return audience


def audience_label(audience: str) -> str:
    kind, _, value = audience.partition(":")
    if kind == "role":
        return Role(value).label
    if kind == "deputy":
        return f"Deputy of the {Role(value).label}"
    if kind == "agency":
        return AgencyKind(value).label
    return audience


def audience_members(audience: str) -> list[Member]:
    kind, _, value = audience_validate(audience).partition(":")
    active = Member.objects.filter(is_active=True)
    if kind == "role":
        query = active.filter(role_assignments__role=value)
    elif kind == "deputy":
        query = active.filter(deputy_for__role=value, deputy_for__member__is_active=True)
    elif kind == "agency":
        query = active.filter(
            agency__kind=value,
            agency__is_active=True,
            role_assignments__role__in=AGENCY_REPRESENTATIVE_ROLES,
        )
    else:
        query = active.filter(pk=int(value))
    return list(query.distinct().order_by("pk"))


def audiences_members(audiences: Iterable[str]) -> list[tuple[str, Member]]:
    """Each member once, with the first audience that reached them."""
    seen: set[int] = set()
    result: list[tuple[str, Member]] = []
    for audience in audiences:
        for member in audience_members(audience):
            if member.pk not in seen:
                seen.add(member.pk)
                result.append((audience, member))
    return result


def deputies_of(member_id: int, *, role: str = "") -> list[str]:
    """The active deputies of one member, as audiences: for ``role`` if the member holds it with
    a deputy, else for every role they hold. (``deputy:<role>`` is the deputies of everyone who
    holds a role.)"""
    assignments = RoleAssignment.objects.filter(
        member_id=member_id, deputy__isnull=False, deputy__is_active=True
    )
    if role and assignments.filter(role=role).exists():
        assignments = assignments.filter(role=role)
    return sorted({f"member:{a.deputy_id}" for a in assignments})
