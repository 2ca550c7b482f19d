"""Telling people, proving they were told, and chasing those who do not answer.

``notify`` is the one seam every other app calls: it writes the outbox rows (one notification per
person, one delivery per channel) inside the caller's transaction, and hands them to the
dispatcher when that transaction commits. Acknowledging and replying are services too, used by
the pages, the API, the websocket and the emailed link alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from notifications import dispatch
from notifications.audiences import audiences_members
from notifications.models import (
    Channel,
    ContactPreference,
    Delivery,
    Notification,
    NotificationState,
    Purpose,
    ReplyKind,
    Urgency,
)
from partnership.errors import ConflictError
from partnership.models import Member, Role, RoleAssignment
from partnership.timeline import audit_record

# Used where a sender gives no ladder of its own: chase within the hour, as for the protocol's
# "immediately" steps.
DEFAULT_ACK_LADDER: list[dict[str, Any]] = [
    {"after_seconds": 15 * 60, "to": "repeat"},
    {"after_seconds": 30 * 60, "to": "deputy"},
    {"after_seconds": 45 * 60, "to": f"role:{Role.CSP_COORDINATOR}"},
    {"after_seconds": 60 * 60, "to": f"role:{Role.GOLD_GROUP}"},
]


def member_channels(
    member: Member, urgency: str, preference: ContactPreference | None = None
) -> list[tuple[str, str]]:
    """(channel, address) pairs for a member: live always; the others as the member chose,
    or every one they have an address for when the notification is urgent."""
    if preference is None:
        preference = ContactPreference(member=member)
    urgent = urgency == Urgency.URGENT
    found: list[tuple[str, str]] = [(Channel.LIVE, "")]
    if member.email and (urgent or preference.email):
        found.append((Channel.EMAIL, member.email))
    sms_number = preference.sms_number or member.phone
    if sms_number and (urgent or preference.sms):
        found.append((Channel.SMS, sms_number))
    if preference.webhook_url and (urgent or preference.webhook):
        found.append((Channel.WEBHOOK, preference.webhook_url))
    return found


def _ladder_start(ladder: Sequence[dict[str, Any]], created_at: datetime) -> datetime | None:
    if not ladder:
        return None
    return created_at + timedelta(seconds=int(ladder[0]["after_seconds"]))


def notify(
    *,
    audiences: Sequence[str],
    title: str,
    body: str,
    purposes: Sequence[Purpose | str],
    cause: str,
    subject: models.Model,
    scope: str,
    sender: Member | None = None,
    urgency: Urgency | str = Urgency.NORMAL,
    ack_ladder: Sequence[dict[str, Any]] | None = None,
    escalation_of: Notification | None = None,
) -> list[Notification]:
    """Tell every member the audiences mean, once per ``cause``.

    ``cause`` identifies the reason (such as ``duty:12:rung:2``); the same cause never notifies the
    same person twice, so callers may safely retry. ``ack_ladder`` chases whoever does not
    acknowledge (``DEFAULT_ACK_LADDER`` when not given; ``[]`` for none). Returns the
    notifications created now. Titles go into email subjects and logs: keep victims' details out.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("notify must run inside the transaction of the change that causes it")
    ladder = list(DEFAULT_ACK_LADDER if ack_ladder is None else ack_ladder)
    now = timezone.now()
    recipients = audiences_members(audiences)
    keys = {member.pk: f"{cause}:{member.pk}" for _, member in recipients}
    already = set(
        Notification.objects.filter(idempotency_key__in=keys.values()).values_list(
            "idempotency_key", flat=True
        )
    )
    fresh = [
        (audience, member) for audience, member in recipients if keys[member.pk] not in already
    ]
    # One insert for all of them: a declaration can tell a thousand people at once.
    rows = [
        Notification(
            recipient=member,
            audience=audience,
            scope=scope,
            subject_type=subject._meta.label_lower,
            subject_id=str(subject.pk),
            title=title,
            body=body,
            purposes=[str(p) for p in purposes],
            urgency=urgency,
            idempotency_key=keys[member.pk],
            created_at=now,
            sender=sender,
            ack_ladder=ladder,
            next_rung_at=_ladder_start(ladder, now),
            escalation_of=escalation_of,
        )
        for audience, member in fresh
    ]
    created = Notification.objects.bulk_create(rows)
    if any(n.pk is None for n in created):  # a database that cannot return ids from a bulk insert
        by_key = Notification.objects.in_bulk(
            [n.idempotency_key for n in created], field_name="idempotency_key"
        )
        created = [by_key[n.idempotency_key] for n in created]
    preferences = {
        p.member_id: p for p in ContactPreference.objects.filter(member__in=[m for _, m in fresh])
    }
    Delivery.objects.bulk_create(
        Delivery(notification=notification, channel=channel, address=address, next_attempt_at=now)
        for notification, (_, member) in zip(created, fresh, strict=True)
        for channel, address in member_channels(member, str(urgency), preferences.get(member.pk))
    )
    if created:
        audit_record(
            actor=sender,
            verb="notification.sent",
            subject=subject,
            scope=scope,
            changes={
                "cause": cause,
                "audiences": list(audiences),
                "title": title,
                "purposes": [str(p) for p in purposes],
                "urgency": str(urgency),
                "recipients": [
                    {"member_id": n.recipient_id, "audience": n.audience, "notification_id": n.pk}
                    for n in created
                ],
            },
        )
        dispatch.dispatch_on_commit([n.pk for n in created])
    return created


def _locked(notification_id: int) -> Notification:
    found: Notification | None = (
        Notification.objects.select_for_update().filter(pk=notification_id).first()
    )
    if found is None:
        raise ValidationError("No such notification.")
    return found


def _stop_chased_ladder(notification: Notification, *, by: Member) -> None:
    """Someone the ladder reached has acknowledged: the original stops climbing (it stays
    unacknowledged by its own recipient, which the delivery panel still shows)."""
    original_id = notification.escalation_of_id
    if original_id is None:
        return
    original = _locked(original_id)
    if original.next_rung_at is not None:
        original.next_rung_at = None
        original.ladder_stopped_by = by
        original.save(update_fields=["next_rung_at", "ladder_stopped_by"])
        audit_record(
            actor=by,
            verb="notification.ladder_stopped",
            subject=original,
            scope=original.scope,
            changes={"by_notification_id": notification.pk},
        )


@transaction.atomic
def notification_acknowledge(*, member: Member, notification_id: int, via: str) -> Notification:
    """The recipient has seen it. Acknowledged is not done: duties are done only when their owner
    completes them."""
    notification = _locked(notification_id)
    if notification.recipient_id != member.pk:
        raise PermissionDenied("Only the person a notification was sent to can acknowledge it.")
    if notification.state != NotificationState.OPEN:
        at = (
            timezone.localtime(notification.acknowledged_at)
            if notification.acknowledged_at
            else None
        )
        raise ConflictError(
            "This notification was already acknowledged"
            + (f" at {at:%H:%M on %d %b %Y}." if at else ".")
        )
    notification.acknowledge(at=timezone.now(), via=via)
    notification.save()
    audit_record(
        actor=member,
        verb="notification.acknowledged",
        subject=notification,
        scope=notification.scope,
        changes={"via": via},
    )
    _stop_chased_ladder(notification, by=member)
    dispatch.updated_on_commit(notification)
    return notification


@transaction.atomic
def notification_ack_link_use(*, notification_id: int) -> Notification:
    """The emailed link: single use, whoever holds it is taken to be the recipient (the link was
    sent only to them)."""
    notification = _locked(notification_id)
    if notification.ack_link_used_at is not None:
        raise ConflictError("This link has already been used. Sign in to see the notification.")
    notification.ack_link_used_at = timezone.now()
    notification.save(update_fields=["ack_link_used_at"])
    if notification.state != NotificationState.OPEN:
        return notification
    return notification_acknowledge(
        member=notification.recipient, notification_id=notification.pk, via="email-link"
    )


@transaction.atomic
def notification_reply(
    *, member: Member, notification_id: int, kind: str, text: str, via: str = "web"
) -> Notification:
    """Feedback: the recipient confirms, corrects or answers. The sender is told."""
    notification = _locked(notification_id)
    if notification.recipient_id != member.pk:
        raise PermissionDenied("Only the person a notification was sent to can reply to it.")
    if kind not in ReplyKind.values:
        raise ValidationError({"kind": f"Choose how you reply: {', '.join(ReplyKind.values)}."})
    if not text.strip():
        raise ValidationError({"reply": "Write your reply."})
    if notification.state == NotificationState.ANSWERED:
        raise ConflictError("You have already replied to this notification.")
    notification.answer(at=timezone.now(), kind=kind, reply=text.strip(), via=via)
    notification.save()
    audit_record(
        actor=member,
        verb="notification.replied",
        subject=notification,
        scope=notification.scope,
        changes={"kind": kind, "via": via},
    )
    _stop_chased_ladder(notification, by=member)
    if notification.sender_id is not None:
        notify(
            audiences=[f"member:{notification.sender_id}"],
            title=f"Reply from {member}: {notification.title}"[:200],
            body=f"{member} ({ReplyKind(kind).label.lower()}):\n{notification.reply}",
            purposes=[Purpose.COORDINATION],
            cause=f"notification:{notification.pk}:reply",
            subject=notification,
            scope=notification.scope,
            sender=member,
            ack_ladder=[],
        )
    dispatch.updated_on_commit(notification)
    return notification


def _rung_audiences(notification: Notification, to: str) -> list[str]:
    if to == "repeat":
        return [f"member:{notification.recipient_id}"]
    if to == "deputy":
        assignments = RoleAssignment.objects.filter(
            member_id=notification.recipient_id, deputy__isnull=False, deputy__is_active=True
        )
        role = (
            notification.audience.partition(":")[2]
            if notification.audience.startswith("role:")
            else ""
        )
        if role and assignments.filter(role=role).exists():
            assignments = assignments.filter(role=role)
        return sorted({f"member:{a.deputy_id}" for a in assignments})
    return [to]


@transaction.atomic
def notification_escalate(*, notification_id: int, now: datetime | None = None) -> int:
    """Fire every rung of the acknowledgement ladder now due. Does nothing once the notification
    is acknowledged, answered or its ladder stopped, so an old acknowledged notification never
    pages anyone again. Returns how many rungs fired."""
    now = now or timezone.now()
    notification = _locked(notification_id)
    fired = 0
    while (
        notification.state == NotificationState.OPEN
        and notification.next_rung_at is not None
        and notification.next_rung_at <= now
    ):
        index = notification.next_rung
        rung = notification.ack_ladder[index]
        audiences = _rung_audiences(notification, rung["to"])
        reminder = rung["to"] == "repeat"
        late_by = int((now - notification.created_at).total_seconds() // 60)
        notify(
            audiences=audiences,
            title=("REMINDER: " if reminder else f"NOT ACKNOWLEDGED by {notification.recipient}: ")
            + notification.title,
            body=(
                notification.body
                if reminder
                else f"{notification.recipient} has not acknowledged this after {late_by} minutes."
                f"\n\n{notification.body}"
            ),
            purposes=notification.purposes,
            cause=f"notification:{notification.pk}:rung:{index}",
            subject=notification,
            scope=notification.scope,
            urgency=Urgency.URGENT,
            ack_ladder=[],
            escalation_of=notification,
        )
        audit_record(
            actor=None,
            verb="notification.escalated",
            subject=notification,
            scope=notification.scope,
            changes={"rung": index, "to": rung["to"], "audiences": audiences},
        )
        notification.next_rung = index + 1
        following = notification.ack_ladder[index + 1 :]
        notification.next_rung_at = (
            notification.created_at + timedelta(seconds=int(following[0]["after_seconds"]))
            if following
            else None
        )
        notification.save(update_fields=["next_rung", "next_rung_at"])
        fired += 1
    return fired
