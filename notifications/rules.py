"""Who may read and answer notifications."""

from __future__ import annotations

from partnership.models import Member
from partnership.permissions import rule


@rule("notification.answer", denied="Only the person a notification was sent to can answer it.")
def _notification_answer(member: Member, obj: object) -> bool:
    return getattr(obj, "recipient_id", None) == member.pk
