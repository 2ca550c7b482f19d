"""The one seam through which every other app tells people things.

``notify`` writes the outbox rows inside the caller's transaction; delivery runs after commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone

from notifications.audiences import audiences_members
from notifications.models import Notification, Purpose, Urgency
from partnership.models import Member
from partnership.timeline import audit_record


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
) -> list[Notification]:
    """Tell every member the audiences mean, once per ``cause``.

    ``cause`` identifies the reason (such as ``duty:12:rung:2``); the same cause never notifies the
    same person twice, so callers may safely retry. Returns the notifications created now.
    Titles go into email subjects and logs: keep victims' details out of them.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("notify must run inside the transaction of the change that causes it")
    now = timezone.now()
    recipients = audiences_members(audiences)
    keys = {member.pk: f"{cause}:{member.pk}" for _, member in recipients}
    already = set(
        Notification.objects.filter(idempotency_key__in=keys.values()).values_list(
            "idempotency_key", flat=True
        )
    )
    created = [
        Notification.objects.create(
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
        )
        for audience, member in recipients
        if keys[member.pk] not in already
    ]
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
    return created
