"""Planning a conference: creating it, its agenda, invitations, research and attendance."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from conference.models import (
    AgendaItem,
    AgendaKind,
    Attendance,
    Conference,
    ConferenceKind,
    Referral,
    ResearchContribution,
    Visibility,
)
from conference.services.common import (
    _locked_conference,
    _open_for_planning,
    _room_push,
    _visibility_errors,
)
from conference.services.minutes import actions_carry
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Agency, Member, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.tenancy import partnership_working
from partnership.timeline import audit_record


# --- Conferences ---------------------------------------------------------------------------------
@transaction.atomic
def conference_create(
    *,
    actor: Member,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    chair: Member,
) -> Conference:
    """A scheduled panel, or an emergency conference called at short notice. (Open actions
    follow each case to its next conference: ``agenda_add``.)"""
    require(actor, "conference.manage")
    errors: dict[str, str] = {}
    if kind not in ConferenceKind.values:
        errors["kind"] = (
            "Choose a scheduled panel, an emergency conference, a strategy group meeting or a "
            "casework group meeting."
        )
    if not title.strip():
        errors["title"] = "Give the conference a title (no victim's name: it goes into emails)."
    if ends_at <= starts_at:
        errors["ends_at"] = "The conference must end after it starts."
    elif ends_at <= timezone.now():
        # An emergency panel may be called to start now; none is arranged to be over already.
        errors["ends_at"] = (
            "A conference is arranged for a time still to come, and this one would be over "
            "already. Check the day, month and year."
        )
    if not location.strip():
        errors["location"] = "Say where (or how) the panel meets."
    partnership = partnership_working(actor)
    if Role.CONFERENCE_CHAIR not in chair.roles_in(partnership):
        errors["chair"] = f"{chair} is not a conference chair."
    if errors:
        raise ValidationError(errors)
    conference = Conference.objects.create(
        partnership=partnership,
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        location=location.strip(),
        chair=chair,
        coordinator=actor,
        created_at=timezone.now(),
    )
    conference.invitees.add(chair)
    audit_record(
        actor=actor,
        verb="conference.created",
        subject=conference,
        scope=Scope.conference(conference.pk),
        changes={"kind": kind, "starts_at": starts_at, "chair_id": chair.pk},
    )
    return conference


@transaction.atomic
def agenda_add(
    *, actor: Member, conference_id: int, referral: Referral, needed_agencies: Iterable[Agency] = ()
) -> AgendaItem:
    conference = _locked_conference(conference_id)
    require(actor, "conference.manage", conference)
    _open_for_planning(conference)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.partnership_id != conference.partnership_id:
        raise ValidationError({"referral": "That referral belongs to another partnership."})
    if not can_proceed(referral.put_on_agenda):
        raise ConflictError(
            f"Referral {referral.pk} is {referral.get_state_display().lower()}: only open "
            "referrals go on an agenda."
        )
    referral.put_on_agenda()
    referral.save()
    last = conference.agenda.order_by("-order").first()
    item = AgendaItem.objects.create(
        conference=conference, order=(last.order + 1) if last else 1, referral=referral
    )
    agencies = list(needed_agencies)
    # The referring agency always needs to be there.
    item.needed_agencies.set({*agencies, referral.referring_agency})
    audit_record(
        actor=actor,
        verb="agenda.item_added",
        subject=item,
        scope=Scope.conference(conference.pk),
        changes={"referral_id": referral.pk, "person_id": referral.person_id},
    )
    actions_carry(actor=actor, item=item)
    return item


def agenda_subject_add(
    *, actor: Member, conference: Conference, kind: str, subject: str
) -> AgendaItem:
    """An item about something other than a referral, named in words by the app above that
    keeps it (``casework`` puts a case due for review on a casework group meeting). The caller
    holds the conference's row lock, inside its transaction, and has asked ``conference.manage``;
    the app above records what the item is about on its own side."""
    _open_for_planning(conference)
    if kind not in (AgendaKind.CASE_REVIEW,):
        raise ValueError(f"{kind!r} items are not put on an agenda by another app")
    last = conference.agenda.order_by("-order").first()
    item = AgendaItem.objects.create(
        conference=conference,
        order=(last.order + 1) if last else 1,
        kind=kind,
        subject=subject,
    )
    audit_record(
        actor=actor,
        verb="agenda.subject_added",
        subject=item,
        scope=Scope.conference(conference.pk),
        changes={"item_id": item.pk, "kind": kind, "subject": subject},
    )
    return item


@transaction.atomic
def conference_invite(
    *, actor: Member, conference_id: int, members: Sequence[Member]
) -> list[Member]:
    """Invite panel members: email with a calendar invitation, and a live alert."""
    conference = _locked_conference(conference_id)
    require(actor, "conference.manage", conference)
    _open_for_planning(conference)
    if not members:
        raise ValidationError({"members": "Choose who to invite."})
    new = [m for m in members if not conference.invitees.filter(pk=m.pk).exists()]
    conference.invitees.add(*new)
    for member in new:
        audit_record(
            actor=actor,
            verb="conference.invited",
            subject=conference,
            scope=Scope.conference(conference.pk),
            changes={"member_id": member.pk},
        )
    local = timezone.localtime(conference.starts_at)
    # The strategy and casework groups' meetings are not risk conferences.
    what = (
        "risk conference"
        if conference.kind in (ConferenceKind.SCHEDULED, ConferenceKind.EMERGENCY)
        else conference.get_kind_display().lower()
    )
    notify(
        audiences=[Audience.member(m.pk) for m in [*new, conference.chair]],
        title=(
            f"You are invited to the {what} “{conference.title}”, "
            f"{local:%a} {local.day} {local:%b} at {local:%H:%M}. Please acknowledge and reply."
        )[:200],
        body=(
            f"{actor} invites you to the {conference.get_kind_display().lower()} "
            f"“{conference.title}” on {local:%A %d %B %Y at %H:%M}, {conference.location}.\n"
            "Please acknowledge, and file your agency's research for each case before the "
            "meeting. Reply if you cannot come, or to send what your agency knows."
        ),
        purposes=[Purpose.COORDINATION, Purpose.INFORMATION],
        cause=f"conference:{conference.pk}:invitation",
        subject=conference,
        scope=Scope.conference(conference.pk),
        sender=actor,
        urgency=Urgency.URGENT if conference.kind == ConferenceKind.EMERGENCY else Urgency.NORMAL,
    )
    return new


@transaction.atomic
def research_file(
    *,
    actor: Member,
    item_id: int,
    facts: str,
    opinion: str,
    withheld: str = "",
    withheld_reason: str = "",
    visibility: str = Visibility.PANEL,
    visible_agencies: Iterable[Agency] = (),
) -> ResearchContribution:
    """An agency's research for a case, filed (or revised) before the conference concludes."""
    item = AgendaItem.objects.select_related("conference").get(pk=item_id)
    require(actor, "research.file", item)
    agencies = list(visible_agencies)
    errors = _visibility_errors(visibility, agencies)
    if not (facts.strip() or opinion.strip() or withheld.strip()):
        errors["facts"] = "Give the facts, your professional opinion, or what you hold."
    if withheld.strip() and not withheld_reason.strip():
        errors["withheld_reason"] = "Say why the agency will not share what it holds."
    if item.kind != AgendaKind.CASE:
        errors["item"] = "Research is filed for a case."
    if errors:
        raise ValidationError(errors)
    assert actor.agency is not None  # noqa: S101 (research.file requires an agency)
    contribution, created = ResearchContribution.objects.update_or_create(
        agenda_item=item,
        agency=actor.agency,
        defaults={
            "author": actor,
            "facts": facts.strip(),
            "opinion": opinion.strip(),
            "withheld": withheld.strip(),
            "withheld_reason": withheld_reason.strip(),
            "visibility": visibility,
            "filed_at": timezone.now(),
        },
    )
    contribution.visible_agencies.set(agencies)
    audit_record(
        actor=actor,
        verb="research.filed" if created else "research.revised",
        subject=contribution,
        scope=Scope.conference(item.conference_id),
        changes={
            "item_id": item.pk,
            "visibility": visibility,
            "agency_ids": sorted(a.pk for a in agencies),
        },
    )
    return contribution


@transaction.atomic
def attendance_record(
    *, actor: Member, conference_id: int, member: Member, status: str
) -> Attendance:
    conference = _locked_conference(conference_id)
    if conference.chair_id != actor.pk:
        require(actor, "conference.manage", conference)
    if status not in Attendance.Status.values:
        raise ValidationError({"status": "Choose present, apologies or absent."})
    if member.agency is None:
        raise ValidationError({"member": "Only members of an agency attend."})
    attendance, _ = Attendance.objects.update_or_create(
        conference=conference,
        member=member,
        defaults={"status": status, "agency": member.agency, "recorded_at": timezone.now()},
    )
    audit_record(
        actor=actor,
        verb="conference.attendance",
        subject=conference,
        scope=Scope.conference(conference.pk),
        changes={"member_id": member.pk, "status": status},
    )
    _room_push(conference, {"type": "room.attendance"})
    return attendance
