"""Telling people, proving they were told, and how each member wants to be told.

``notify`` is the one seam every other app calls: it writes the outbox rows (one notification per
person, one delivery per channel) inside the caller's transaction, and hands them to the
dispatcher when that transaction commits. Acknowledging and replying are services too, used by
the pages, the API, the websocket and the emailed link alike. Chasing those who do not
acknowledge is the ladder engine's (``notifications.ladder``, ``notifications.ack_ladder``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from notifications import dispatch
from notifications.models import (
    ContactPreference,
    Notification,
    NotificationState,
    Purpose,
    ReplyKind,
)
from notifications.outbox import Message, outbox_write
from notifications.selectors import notifications_about
from notifications.webhooks import WebhookAddressError, webhook_url_check
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Member
from partnership.scopes import Scope
from partnership.timeline import audit_record


def notify(**message: Unpack[Message]) -> list[Notification]:
    """Tell every member the audiences mean, once per ``cause`` (see ``outbox.Message``).

    The rows (one notification per person, one delivery per channel) are written in the caller's
    transaction and handed to the senders when it commits. The same cause never notifies the same
    person twice, so callers may safely retry. Returns the notifications created now.
    """
    created = outbox_write(**message)
    if created:
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
    if original.next_rung_at is not None and can_proceed(original.stop_ladder):
        original.stop_ladder(by=by)
        original.save()
        audit_record(
            actor=by,
            verb="notification.ladder_stopped",
            subject=original,
            scope=Scope.parse_stored(original.scope),
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
        scope=Scope.parse_stored(notification.scope),
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
        scope=Scope.parse_stored(notification.scope),
        changes={"kind": kind, "via": via},
    )
    _stop_chased_ladder(notification, by=member)
    if notification.sender_id is not None:
        notify(
            audiences=[Audience.member(notification.sender_id)],
            title=(
                f"{member} replied to your message: {ReplyKind(kind).label.lower()}. "
                f"Please read the reply."
            )[:200],
            body=(
                f"{member}"
                + (f" ({member.agency.name})" if member.agency else "")
                + f" replied to your message “{notification.title}”: "
                f"{ReplyKind(kind).label.lower()}.\n\n{notification.reply}"
            ),
            purposes=[Purpose.COORDINATION],
            cause=f"notification:{notification.pk}:reply",
            subject=notification,
            scope=Scope.parse_stored(notification.scope),
            sender=member,
            ack_ladder=[],
        )
    dispatch.updated_on_commit(notification)
    return notification


@transaction.atomic
def notifications_personal_data_remove(
    *,
    scopes: Sequence[Scope],
    subject_type: str = "",
    subject_ids: Sequence[str] = (),
    removed: str,
) -> int:
    """Retention: the bodies and replies of everything sent about a case (see
    ``selectors.notifications_about``) are replaced by ``removed``; who was told what and when
    stays. Returns how many bodies were removed. The caller records the retention event."""
    about = notifications_about(scopes=scopes, subject_type=subject_type, subject_ids=subject_ids)
    count = about.exclude(body=removed).update(body=removed)
    about.exclude(reply="").update(reply=removed)
    return count


# --- How a member wants to be told ---------------------------------------------------------------
# A directory change, not a message: it tells nobody.
_FIELDS = ("email", "sms", "sms_number", "webhook", "webhook_url")
# Digits with the spaces, brackets and dashes people write; at most the column's 40 characters.
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{5,38}")
_URL_MAX = 200  # URLField's column


@transaction.atomic
def contact_preference_set(
    *,
    member: Member,
    email: bool,
    sms: bool,
    sms_number: str,
    webhook: bool,
    webhook_url: str,
) -> ContactPreference:
    """Save the member's channels. The audit event names the fields that changed, never their
    values: a phone number or a private webhook address does not belong on the timeline, which
    nothing can ever remove."""
    sms_number = sms_number.strip()
    webhook_url = webhook_url.strip()
    errors: dict[str, str] = {}
    if sms and not (sms_number or member.phone):
        errors["sms_number"] = (
            "Give a mobile number for text messages: the directory has no phone number for you."
        )
    if sms_number and not _PHONE.fullmatch(sms_number):
        errors["sms_number"] = "Enter a phone number, such as 07700 900123 or +44 7700 900123."
    if webhook_url:
        try:
            URLValidator(schemes=["https", "http"])(webhook_url)
        except ValidationError:
            errors["webhook_url"] = "Enter the full web address, starting with https://."
        if len(webhook_url) > _URL_MAX:
            errors["webhook_url"] = f"The web address must be at most {_URL_MAX} characters."
        if "webhook_url" not in errors:
            try:
                webhook_url_check(webhook_url)
            except WebhookAddressError as exc:
                errors["webhook_url"] = str(exc)
    if webhook and not webhook_url:
        errors["webhook_url"] = "Give the web address to send notifications to."
    if errors:
        raise ValidationError(errors)

    wanted = {
        "email": email,
        "sms": sms,
        "sms_number": sms_number,
        "webhook": webhook,
        "webhook_url": webhook_url,
    }
    before = ContactPreference.objects.select_for_update().filter(member=member).first()
    # A member with no row yet has had the model's defaults all along.
    current = before or ContactPreference(member=member)
    changed = [name for name in _FIELDS if getattr(current, name) != wanted[name]]
    preference, _created = ContactPreference.objects.update_or_create(
        member=member, defaults=wanted
    )
    if changed:
        audit_record(
            actor=member,
            verb="contact.changed",
            subject=preference,
            changes={"fields": changed},
        )
    return preference
