"""Who may receive, read and answer notifications."""

from __future__ import annotations

from partnership.models import Member
from partnership.permissions import in_partnership, is_admin, rule


@rule("alerts.receive", denied="Only members of a partner agency receive alerts.")
def _alerts_receive(member: Member, obj: object) -> bool:
    return in_partnership(member) or is_admin(member)


@rule("notification.answer", denied="Only the person a notification was sent to can answer it.")
def _notification_answer(member: Member, obj: object) -> bool:
    return getattr(obj, "recipient_id", None) == member.pk
