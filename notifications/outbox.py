"""Writing outbox rows: one notification per person told, one delivery per channel on which to
tell them, and the audit event, all inside the caller's transaction.

Call ``notifications.services.notify``, which writes them here and hands them to the senders when
the transaction commits. This sits below both ``services`` and ``dispatch`` because the delivery
engine writes one kind of notification itself (a person no channel reached) and hands it to its
own senders, so neither module needs the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Required, TypedDict, Unpack

from django.db import connection, models
from django.utils import timezone

from notifications.audiences import audiences_members
from notifications.ladder.rungs import DEPUTY, REPEAT, Rung, ladder_stored, rung_due_at, rungs_parse
from notifications.models import (
    Channel,
    ContactPreference,
    Delivery,
    Notification,
    Purpose,
    Urgency,
)
from partnership.audiences import Audience
from partnership.models import Member, Partnership, Role
from partnership.scopes import Scope
from partnership.timeline import audit_record

# Used where a sender gives no ladder of its own: chase within the hour, as for the protocol's
# "immediately" steps.
DEFAULT_ACK_LADDER: list[dict[str, Any]] = ladder_stored(
    Rung(15 * 60, REPEAT),
    Rung(30 * 60, DEPUTY),
    Rung(45 * 60, Audience.role(Role.CSP_COORDINATOR)),
    Rung(60 * 60, Audience.role(Role.GOLD_GROUP)),
)


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


class Message(TypedDict, total=False):
    """What ``notify`` is told to send, as keyword arguments."""

    audiences: Required[Sequence[Audience]]
    title: Required[str]  # goes into email subjects and logs: no victim's details
    body: Required[str]
    purposes: Required[Sequence[Purpose | str]]
    # Why it is sent ("duty:12:rung:2"): the same cause never tells the same person twice.
    cause: Required[str]
    subject: Required[models.Model]
    scope: Required[Scope | None]  # the case it is about; None for none
    sender: Member | None  # absent or None: the engine itself
    urgency: Urgency | str  # absent: normal
    # Chases whoever does not acknowledge: absent or None for DEFAULT_ACK_LADDER, [] for none.
    ack_ladder: Sequence[dict[str, Any]] | None
    escalation_of: Notification | None  # the unacknowledged notification this one chases
    # Whose roles the audiences mean and where it is shown: absent, the subject's partnership.
    partnership: Partnership | None


def outbox_write(**message: Unpack[Message]) -> list[Notification]:
    """The rows ``notify`` promises (see there), not yet handed to anyone to send."""
    if not connection.in_atomic_block:
        raise RuntimeError("notify must run inside the transaction of the change that causes it")
    audiences, cause, subject = message["audiences"], message["cause"], message["subject"]
    sender = message.get("sender")
    urgency = message.get("urgency", Urgency.NORMAL)
    purposes = [str(p) for p in message["purposes"]]
    ack_ladder = message.get("ack_ladder")
    ladder = list(DEFAULT_ACK_LADDER if ack_ladder is None else ack_ladder)
    now = timezone.now()
    first_rung_at = rung_due_at(rungs_parse(ladder), 0, now)
    # What it is about says which partnership: its roles are resolved there, and it is shown there.
    named = message.get("partnership")
    partnership_id: int | None = (
        named.pk if named is not None else getattr(subject, "partnership_id", None)
    )
    recipients = audiences_members(audiences, partnership_id)
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
            partnership_id=partnership_id,
            recipient=member,
            audience=str(audience),
            scope=Scope.stored(message["scope"]),
            subject_type=subject._meta.label_lower,
            subject_id=str(subject.pk),
            title=message["title"],
            body=message["body"],
            purposes=purposes,
            urgency=urgency,
            idempotency_key=keys[member.pk],
            created_at=now,
            sender=sender,
            ack_ladder=ladder,
            next_rung_at=first_rung_at,
            escalation_of=message.get("escalation_of"),
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
            scope=message["scope"],
            changes={
                "cause": cause,
                "audiences": Audience.stored(audiences),
                "title": message["title"],
                "purposes": purposes,
                "urgency": str(urgency),
                "recipients": [
                    {"member_id": n.recipient_id, "audience": n.audience, "notification_id": n.pk}
                    for n in created
                ],
            },
        )
    return created
