"""Writes to the partnership directory. Each function is one use case in one transaction and
leaves a timeline event beside the change."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from partnership.calendar.selectors import division_installed
from partnership.live import member_sockets_check_on_commit
from partnership.models import (
    Agency,
    Area,
    FormSubmission,
    Member,
    Partnership,
    Role,
    RoleAssignment,
)
from partnership.timeline import audit_record


@transaction.atomic
def partnership_create(
    *, actor: Member | None, name: str, slug: str = "", division: str = ""
) -> Partnership:
    """A new partnership, starting from the service's configured thresholds and the installed
    calendar division."""
    name = name.strip()
    slug = slug or slugify(name)[:60]
    if not name or not slug:
        raise ValidationError({"name": "Give the partnership a name."})
    if Partnership.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"Another partnership is already called {slug!r}."})
    partnership = Partnership(
        name=name,
        slug=slug,
        division=division or division_installed(),
        repeat_window_days=settings.REPEAT_WINDOW_DAYS,
        suggest_referral_count=settings.SUGGEST_REFERRAL_COUNT,
        suggest_referral_window_days=settings.SUGGEST_REFERRAL_WINDOW_DAYS,
        retention_days=settings.RETENTION_DAYS,
        risk_medium_from=settings.RISK_MEDIUM_FROM,
        risk_high_from=settings.RISK_HIGH_FROM,
    )
    partnership.full_clean()
    partnership.save()
    audit_record(
        actor=actor,
        verb="partnership.created",
        subject=partnership,
        changes={"name": name, "slug": slug, "division": partnership.division},
    )
    return partnership


@transaction.atomic
def agency_join(*, actor: Member | None, agency: Agency, partnership: Partnership) -> None:
    """``agency`` takes part in ``partnership`` (as well as any it is in already)."""
    if agency.partnerships.filter(pk=partnership.pk).exists():
        return
    agency.partnerships.add(partnership)
    audit_record(
        actor=actor,
        verb="agency.joined",
        subject=agency,
        changes={"partnership_id": partnership.pk},
        partnership=partnership,
    )


@transaction.atomic
def member_join(*, actor: Member | None, member: Member, partnership: Partnership) -> None:
    """``member`` works in ``partnership`` (as well as any they work in already), for their
    agency, which takes part in it too."""
    if member.partnerships.filter(pk=partnership.pk).exists():
        return
    if member.agency is not None:
        agency_join(actor=actor, agency=member.agency, partnership=partnership)
    member.partnerships.add(partnership)
    member.__dict__.pop("partnership", None)  # their default partnership may have changed
    audit_record(
        actor=actor,
        verb="member.joined",
        subject=member,
        changes={"partnership_id": partnership.pk},
        partnership=partnership,
    )


@transaction.atomic
def agency_create(
    *, actor: Member | None, kind: str, name: str, partnership: Partnership | None = None
) -> Agency:
    agency = Agency.objects.create(kind=kind, name=name)
    audit_record(
        actor=actor, verb="agency.created", subject=agency, changes={"kind": kind, "name": name}
    )
    if partnership is not None:
        agency_join(actor=actor, agency=agency, partnership=partnership)
    return agency


@transaction.atomic
def area_create(*, actor: Member | None, partnership: Partnership, name: str) -> Area:
    area = Area.objects.create(partnership=partnership, name=name)
    audit_record(
        actor=actor,
        verb="area.created",
        subject=area,
        changes={"name": name, "partnership_id": partnership.pk},
    )
    return area


@transaction.atomic
def member_create(
    *,
    actor: Member | None,
    username: str,
    password: str,
    agency: Agency | None,
    partnership: Partnership | None = None,
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
    if partnership is not None:
        member_join(actor=actor, member=member, partnership=partnership)
    return member


@transaction.atomic
def role_assign(
    *,
    actor: Member | None,
    partnership: Partnership,
    member: Member,
    role: Role | str,
    deputy: Member | None = None,
) -> RoleAssignment:
    """``member`` holds ``role`` in ``partnership`` (joining it if need be); the deputy also
    works there, since they may act in the role."""
    member_join(actor=actor, member=member, partnership=partnership)
    if deputy is not None:
        member_join(actor=actor, member=deputy, partnership=partnership)
    assignment, created = RoleAssignment.objects.select_for_update().get_or_create(
        partnership=partnership, member=member, role=role, defaults={"deputy": deputy}
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
            "partnership_id": partnership.pk,
        },
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: Member | None, assignment: RoleAssignment) -> None:
    audit_record(
        actor=actor,
        verb="role.revoked",
        subject=assignment,
        changes={
            "member_id": assignment.member_id,
            "role": assignment.role,
            "partnership_id": assignment.partnership_id,
        },
    )
    assignment.delete()
    # The member's (and their deputy's) open sockets ask their doors again at once: a board
    # they no longer run closes, rather than at its next heartbeat.
    for member_id in (assignment.member_id, assignment.deputy_id):
        if member_id is not None:
            member_sockets_check_on_commit(member_id)


def member_partnership_choose(*, member: Member, partnership: Partnership) -> None:
    """``member`` works in ``partnership`` on the pages from now on (until they choose another).

    A preference, like the last sign-in time: no timeline event (the timeline records what was
    done in each partnership, which is where the choice shows)."""
    if not member.partnerships.filter(pk=partnership.pk).exists():
        raise ValidationError({"partnership": "You do not work in that partnership."})
    Member.objects.filter(pk=member.pk).update(chosen_partnership=partnership)
    member.chosen_partnership = partnership
    member.work_in(partnership)


# --- Receipts of creating forms (submit once) ---------------------------------------------------
# Not a change to the partnership's record (the record the form makes has its own event), so no
# timeline event: a receipt only says which page a form's one-time key led to.
RECEIPT_DAYS = 2


def _submitted_by(member: Member | None, session: str) -> dict[str, Any]:
    """Whose keys: a member's, or (no member: a page used without signing in) a session's."""
    if (member is None) == (not session):
        raise ValueError("A form's key belongs to a member or to a session, and to one only.")
    return {"member": member} if member is not None else {"member": None, "session_key": session}


def submission_claim(
    *, member: Member | None = None, session: str = "", key: uuid.UUID
) -> FormSubmission | None:
    """Claims a form's one-time key for the request sending it. None: claimed, go ahead. A
    receipt: this key was sent before (its ``location`` is empty while that one is still being
    recorded). The claim commits at once, so a second request sent meanwhile sees it.

    The key is the ``member``'s, or, on a page used without signing in, the browser
    ``session``'s (its session key)."""
    owner = _submitted_by(member, session)
    cutoff = timezone.now() - timedelta(days=RECEIPT_DAYS)
    # The member's old receipts; with no member, every session's (a session's end is never told,
    # so theirs go by age alone).
    FormSubmission.objects.filter(member=member, created_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            FormSubmission.objects.create(key=key, **owner)
    except IntegrityError:
        return FormSubmission.objects.get(key=key, **owner)
    return None


def submission_done(
    *, member: Member | None = None, session: str = "", key: uuid.UUID, location: str
) -> None:
    """The form made its record: the key now leads to the record's page."""
    FormSubmission.objects.filter(key=key, **_submitted_by(member, session)).update(
        location=location[:500]
    )


def submission_release(*, member: Member | None = None, session: str = "", key: uuid.UUID) -> None:
    """The form made nothing (an error to correct): the same key may be sent again."""
    FormSubmission.objects.filter(key=key, location="", **_submitted_by(member, session)).delete()
