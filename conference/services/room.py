"""The live room: opening, moving between items, sharing, agreeing risk and actions, concluding."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from conference.models import (
    Action,
    AgendaItem,
    AgendaKind,
    Conference,
    ConferenceState,
    EntryKind,
    MinutesReason,
    Referral,
    ReferralState,
    RiskLevel,
    RoomEntry,
    Visibility,
)
from conference.selectors import entry_payload
from conference.services.actions import ACTION_LADDER
from conference.services.common import (
    _locked_conference,
    _room_push,
    _visibility_errors,
)
from conference.services.minutes import minutes_freeze
from notifications.models import Purpose
from notifications.services import notify
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Agency, Member
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record


# --- The live room -------------------------------------------------------------------------------
def _entry_add(
    conference: Conference,
    *,
    author: Member,
    kind: str,
    text: str,
    item: AgendaItem | None,
    visibility: str = Visibility.PANEL,
    agencies: Sequence[Agency] = (),
    action: Action | None = None,
) -> RoomEntry:
    """Persist first, broadcast second: each consumer shows the entry only to those who may see
    it, and a client that missed the push gets it on resume."""
    entry = RoomEntry.objects.create(
        conference=conference,
        agenda_item=item,
        kind=kind,
        author=author,
        text=text,
        visibility=visibility,
        action=action,
        created_at=timezone.now(),
    )
    entry.visible_agencies.set(agencies)
    audit_record(
        actor=author,
        verb=f"room.{kind}",
        subject=entry,
        scope=Scope.conference(conference.pk),
        changes={
            "item_id": item.pk if item else None,
            "visibility": visibility,
            "agency_ids": sorted(a.pk for a in agencies),
        },
    )
    _room_push(conference, entry_payload(entry, sorted(a.pk for a in agencies)))
    return entry


@transaction.atomic
def conference_open(*, actor: Member, conference_id: int) -> Conference:
    conference = _locked_conference(conference_id)
    require(actor, "conference.chair", conference)
    if not can_proceed(conference.open):
        raise ConflictError(f"This conference is {conference.get_state_display().lower()}.")
    conference.open(at=timezone.now())
    first = conference.agenda.order_by("order").first()
    conference.current_item = first
    conference.save()
    audit_record(
        actor=actor,
        verb="conference.opened",
        subject=conference,
        scope=Scope.conference(conference.pk),
    )
    if first is not None:
        _entry_add(
            conference,
            author=actor,
            kind=EntryKind.ITEM_OPENED,
            text=_item_title(first),
            item=first,
        )
    return conference


def _item_title(item: AgendaItem) -> str:
    if item.kind == AgendaKind.ACTION_REVIEW:
        return f"Item {item.order}: review of open actions from the last conference"
    if item.kind == AgendaKind.CASE_REVIEW:
        return f"Item {item.order}: review of {item.subject}"
    assert item.referral is not None  # noqa: S101 (case items always have a referral)
    return (
        f"Item {item.order}: case {item.referral.person.reference} "
        f"(referral {item.referral_id}, {item.referral.level} risk)"
    )


def _in_session(conference: Conference) -> None:
    if conference.state != ConferenceState.IN_SESSION:
        raise ConflictError(
            f"The conference is {conference.get_state_display().lower()}, not in session."
        )


@transaction.atomic
def room_move(*, actor: Member, conference_id: int, item_id: int) -> Conference:
    """The chair moves the room to an agenda item."""
    conference = _locked_conference(conference_id)
    require(actor, "conference.chair", conference)
    _in_session(conference)
    item = conference.agenda.filter(pk=item_id).select_related("referral__person").first()
    if item is None:
        raise ValidationError({"item_id": "That item is not on this conference's agenda."})
    if conference.current_item_id is not None and conference.current_item_id != item.pk:
        AgendaItem.objects.filter(pk=conference.current_item_id, discussed_at__isnull=True).update(
            discussed_at=timezone.now()
        )
    conference.current_item = item
    conference.save()
    _entry_add(
        conference, author=actor, kind=EntryKind.ITEM_OPENED, text=_item_title(item), item=item
    )
    return conference


@transaction.atomic
def room_share(
    *,
    actor: Member,
    conference_id: int,
    text: str,
    visibility: str = Visibility.PANEL,
    visible_agencies: Sequence[Agency] = (),
) -> RoomEntry:
    """Information shared in the room, on the current item, with who may see it."""
    conference = _locked_conference(conference_id)
    require(actor, "room.share", conference)
    errors = _visibility_errors(visibility, visible_agencies)
    if not text.strip():
        errors["text"] = "Write what is being shared."
    if errors:
        raise ValidationError(errors)
    kind = (
        EntryKind.NOTE
        if actor.pk == conference.chair_id and visibility == Visibility.CHAIR
        else EntryKind.INFORMATION
    )
    return _entry_add(
        conference,
        author=actor,
        kind=kind,
        text=text.strip(),
        item=conference.current_item,
        visibility=visibility,
        agencies=visible_agencies,
    )


def room_outcome_record(
    *, actor: Member, conference: Conference, item: AgendaItem, text: str
) -> RoomEntry:
    """An outcome the chair records on an item another app keeps (``casework``: a case's review),
    into the room's record and so into the minutes. The caller holds the conference's row lock,
    inside its transaction, and keeps the outcome on its own side too."""
    require(actor, "conference.chair", conference)
    _in_session(conference)
    if item.conference_id != conference.pk:
        raise ValidationError({"item_id": "That item is not on this meeting's agenda."})
    return _entry_add(conference, author=actor, kind=EntryKind.REVIEW_OUTCOME, text=text, item=item)


@transaction.atomic
def room_agree_risk(*, actor: Member, conference_id: int, item_id: int, level: str) -> AgendaItem:
    conference = _locked_conference(conference_id)
    require(actor, "conference.chair", conference)
    _in_session(conference)
    item = conference.agenda.filter(pk=item_id, kind=AgendaKind.CASE).first()
    if item is None:
        raise ValidationError({"item_id": "That case is not on this conference's agenda."})
    if level not in RiskLevel.values:
        raise ValidationError({"level": "Choose standard, medium or high."})
    item.agreed_risk = level
    item.save(update_fields=["agreed_risk"])
    _entry_add(
        conference,
        author=actor,
        kind=EntryKind.RISK_AGREED,
        text=f"Risk agreed: {RiskLevel(level).label}",
        item=item,
    )
    return item


@transaction.atomic
def action_agree(
    *,
    actor: Member,
    conference_id: int,
    item_id: int | None,
    description: str,
    owner: Member,
    due_at: datetime,
) -> Action:
    """An action the panel agrees: the owning agency, the person and the date."""
    conference = _locked_conference(conference_id)
    require(actor, "conference.chair", conference)
    _in_session(conference)
    item = (
        conference.agenda.filter(pk=item_id).first()
        if item_id is not None
        else conference.current_item
    )
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Say what is to be done."
    if owner.agency is None or not owner.is_active:
        errors["owner"] = "The owner must be an active member of an agency."
    if due_at <= timezone.now():
        errors["due_at"] = "The due date must be in the future."
    if errors:
        raise ValidationError(errors)
    assert owner.agency is not None  # noqa: S101 (checked above)
    action = Action.objects.create(
        conference=conference,
        agenda_item=item,
        referral=item.referral if item else None,
        description=description.strip(),
        owner_agency=owner.agency,
        owner=owner,
        due_at=due_at,
        ladder=ACTION_LADDER,
        created_at=timezone.now(),
    )
    _entry_add(
        conference,
        author=actor,
        kind=EntryKind.ACTION,
        text=(
            f"Action: {action.description} — {owner} ({owner.agency}), "
            f"by {timezone.localtime(due_at):%a %d %b %Y}"
        ),
        item=item,
        action=action,
    )
    notify(
        audiences=[Audience.member(owner.pk)],
        title=(
            f"“{conference.title}” gave you an action, due "
            f"{timezone.localtime(due_at):%a %d %b}. Please acknowledge."
        )[:200],
        body=(
            f"{actor} recorded an action for you at “{conference.title}”:\n"
            f"{action.description}\n"
            f"Please do it by {timezone.localtime(due_at):%A %d %B %Y %H:%M}, and record it done "
            "on your home page. Please acknowledge that you have it."
        ),
        purposes=[Purpose.COORDINATION],
        cause=f"action:{action.pk}:assigned",
        subject=action,
        scope=Scope.conference(conference.pk),
        sender=actor,
    )
    return action


@transaction.atomic
def conference_conclude(*, actor: Member, conference_id: int) -> Conference:
    conference = _locked_conference(conference_id)
    require(actor, "conference.chair", conference)
    if not can_proceed(conference.conclude):
        raise ConflictError(f"This conference is {conference.get_state_display().lower()}.")
    now = timezone.now()
    conference.agenda.filter(discussed_at__isnull=True, pk=conference.current_item_id or 0).update(
        discussed_at=now
    )
    conference.conclude(at=now)
    conference.save()
    for item in conference.agenda.filter(kind=AgendaKind.CASE).select_related("referral"):
        assert item.referral is not None  # noqa: S101
        referral = Referral.objects.select_for_update().get(pk=item.referral.pk)
        if can_proceed(referral.hear) and item.discussed_at is not None:
            referral.hear()
            referral.save()
        elif referral.state == ReferralState.ON_AGENDA:
            # Not reached: back to the open list for the next conference.
            referral.take_off_agenda()
            referral.save()
    audit_record(
        actor=actor,
        verb="conference.concluded",
        subject=conference,
        scope=Scope.conference(conference.pk),
    )
    minutes_freeze(conference=conference, actor=actor, reason=MinutesReason.CONCLUDED)
    _room_push(conference, {"type": "room.concluded"})
    return conference
