"""A gold group's communications plan: a message proposed (to whom, what, how, who approves it,
when it goes out), approved by the member named as approver (recorded), marked as out, and what
came back. Each step on every party's timeline, and the room refreshed."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from gold.models import CommsChannel, CommsItem, CommsState, GoldGroup, GroupState
from gold.services.groups import group_room_push, parties_record
from partnership.errors import ConflictError
from partnership.models import Member
from partnership.permissions import require


def _changes(item: CommsItem) -> dict[str, object]:
    return {
        "comms_id": item.pk,
        "channel": item.get_channel_display(),
        "audiences": item.audiences,
        "message": item.message,
        "approver": str(item.approver),
        "send_at": item.send_at,
    }


@transaction.atomic
def comms_propose(
    *,
    actor: Member,
    group_id: int,
    audiences: str,
    message: str,
    channel: str,
    approver_id: int | None,
    send_at: datetime | None,
) -> CommsItem:
    group: GoldGroup = GoldGroup.objects.select_for_update().get(pk=group_id)
    require(actor, "comms.plan", group)
    errors: dict[str, str] = {}
    if not (audiences or "").strip():
        errors["audiences"] = "Say who it is for: which communities, areas or agencies' staff."
    if not (message or "").strip():
        errors["message"] = "Write the message."
    if channel not in CommsChannel.values:
        errors["channel"] = f"Choose a channel: {', '.join(CommsChannel.values)}."
    approver = (
        group.seats.filter(member_id=approver_id).select_related("member").first()
        if approver_id is not None
        else None
    )
    if approver is None:
        errors["approver"] = "Choose the group member who approves it."
    if send_at is None:
        errors["send_at"] = "Say when it is to go out."
    if errors:
        raise ValidationError(errors)
    assert approver is not None  # noqa: S101 (checked above)
    assert send_at is not None  # noqa: S101 (checked above)
    if group.state != GroupState.CONVENED:
        raise ConflictError("This gold group has stood down.")
    item = CommsItem.objects.create(
        group=group,
        partnership_id=group.partnership_id,
        audiences=audiences.strip(),
        message=message.strip(),
        channel=channel,
        approver=approver.member,
        send_at=send_at,
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    parties_record(
        actor=actor, verb="comms.proposed", group=group, subject=item, changes=_changes(item)
    )
    group_room_push(group, {"type": "room.comms"})
    return item


def _locked(item_id: int) -> CommsItem:
    item: CommsItem | None = (
        CommsItem.objects.select_for_update().select_related("group").filter(pk=item_id).first()
    )
    if item is None:
        raise ValidationError("No such message in the plan.")
    return item


def _sitting(item: CommsItem) -> None:
    """The group still sits (its row locked, so a stand-down at the same moment waits for this
    step or this step sees it)."""
    group = GoldGroup.objects.select_for_update().get(pk=item.group_id)
    if not group.sitting:
        raise ConflictError("This gold group has stood down: its communications plan is closed.")


@transaction.atomic
def comms_approve(*, actor: Member, item_id: int) -> CommsItem:
    item = _locked(item_id)
    require(actor, "comms.approve", item)
    _sitting(item)
    if not can_proceed(item.approve):
        raise ConflictError(f"This message is already {item.get_state_display().lower()}.")
    item.approve(at=timezone.now())
    item.save()
    parties_record(
        actor=actor, verb="comms.approved", group=item.group, subject=item, changes=_changes(item)
    )
    group_room_push(item.group, {"type": "room.comms"})
    return item


@transaction.atomic
def comms_send(*, actor: Member, item_id: int) -> CommsItem:
    """Record that an approved message went out."""
    item = _locked(item_id)
    require(actor, "comms.send", item)
    _sitting(item)
    if not can_proceed(item.send):
        if item.state == CommsState.PROPOSED:
            raise ConflictError("This message is not approved yet: its approver approves it first.")
        raise ConflictError("This message has already gone out.")
    item.send(at=timezone.now())
    item.save()
    parties_record(
        actor=actor, verb="comms.sent", group=item.group, subject=item, changes=_changes(item)
    )
    group_room_push(item.group, {"type": "room.comms"})
    return item


@transaction.atomic
def comms_answer(*, actor: Member, item_id: int, response: str) -> CommsItem:
    """Record what came back once the message was out."""
    item = _locked(item_id)
    require(actor, "comms.send", item)
    _sitting(item)
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": "Say what came back (or that nothing did)."})
    if not can_proceed(item.answer):
        raise ConflictError("What came back is recorded once the message is out, and once.")
    item.answer(at=timezone.now(), response=response)
    item.save()
    parties_record(
        actor=actor,
        verb="comms.answered",
        group=item.group,
        subject=item,
        changes={**_changes(item), "response": response},
    )
    group_room_push(item.group, {"type": "room.comms"})
    return item
