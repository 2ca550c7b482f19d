"""Writes to the partnership directory. Each function is one use case in one transaction and
leaves a timeline event beside the change."""

from __future__ import annotations

from django.db import transaction

from partnership.models import Agency, Area, Member, Role, RoleAssignment
from partnership.timeline import audit_record


@transaction.atomic
def agency_create(*, actor: Member | None, kind: str, name: str) -> Agency:
    agency = Agency.objects.create(kind=kind, name=name)
    audit_record(
        actor=actor, verb="agency.created", subject=agency, changes={"kind": kind, "name": name}
    )
    return agency


@transaction.atomic
def area_create(*, actor: Member | None, name: str) -> Area:
    area = Area.objects.create(name=name)
    audit_record(actor=actor, verb="area.created", subject=area, changes={"name": name})
    return area


@transaction.atomic
def member_create(
    *,
    actor: Member | None,
    username: str,
    password: str,
    agency: Agency | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
    phone: str = "",
) -> Member:
    member = Member(
        username=username,
        agency=agency,
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=job_title,
        phone=phone,
    )
    member.set_password(password)
    member.full_clean()
    member.save()
    audit_record(
        actor=actor,
        verb="member.created",
        subject=member,
        changes={"username": username, "agency_id": agency.pk if agency else None},
    )
    return member


@transaction.atomic
def role_assign(
    *, actor: Member | None, member: Member, role: Role | str, deputy: Member | None = None
) -> RoleAssignment:
    assignment, created = RoleAssignment.objects.select_for_update().get_or_create(
        member=member, role=role, defaults={"deputy": deputy}
    )
    if not created and assignment.deputy_id != (deputy.pk if deputy else None):
        assignment.deputy = deputy
        assignment.save(update_fields=["deputy"])
    elif not created:
        return assignment
    # Administrators manage the site through Django admin, which keys on is_staff.
    if role == Role.ADMINISTRATOR and not member.is_staff:
        member.is_staff = True
        member.save(update_fields=["is_staff"])
    audit_record(
        actor=actor,
        verb="role.assigned",
        subject=assignment,
        changes={
            "member_id": member.pk,
            "role": str(role),
            "deputy_id": deputy.pk if deputy else None,
        },
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: Member | None, assignment: RoleAssignment) -> None:
    audit_record(
        actor=actor,
        verb="role.revoked",
        subject=assignment,
        changes={"member_id": assignment.member_id, "role": assignment.role},
    )
    assignment.delete()
