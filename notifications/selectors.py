"""Reads of notifications: a member's inbox, and who was told what about a case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from notifications.models import (
    PURPOSES_NEEDING_REPLY,
    Notification,
    NotificationState,
)
from partnership.models import Member
from partnership.scopes import Scope, ScopeKind


def _needs_reply_q() -> Q:
    query = Q()
    for purpose in PURPOSES_NEEDING_REPLY:
        # purposes is a JSON list of codes; its text form contains each code in quotes.
        query |= Q(purposes__icontains=f'"{purpose}"')
    return query


def _here(member: Member) -> Q:
    """Messages of the partnership the member works in, and those about no partnership's case."""
    return Q(partnership=member.partnership) | Q(partnership__isnull=True)


def notifications_of(
    member: Member, *, unread: bool | None = None, needs_reply: bool | None = None
) -> QuerySet[Notification]:
    found = (
        Notification.objects.filter(recipient=member)
        .filter(_here(member))
        .select_related("sender")
        .prefetch_related("deliveries")
    )
    if unread is True:
        found = found.filter(state=NotificationState.OPEN)
    elif unread is False:
        found = found.exclude(state=NotificationState.OPEN)
    if needs_reply is True:
        found = found.filter(_needs_reply_q()).exclude(state=NotificationState.ANSWERED)
    elif needs_reply is False:
        found = found.exclude(_needs_reply_q())
    return found.order_by("-pk")


# The work list shows the most recent ones; the inbox has every one.
WAITING_SHOWN = 50


def messages_waiting_for(member: Member) -> list[Notification]:
    """Messages to the member not yet acknowledged, or asking a reply not yet given (in the
    partnership they work in), newest first."""
    waiting = (
        Notification.objects.filter(recipient=member)
        .filter(_here(member))
        .filter(Q(state=NotificationState.OPEN) | (_needs_reply_q() & ~Q(state="answered")))
        .select_related("sender")
        .order_by("-pk")
    )
    return list(waiting[:WAITING_SHOWN])


@dataclass(frozen=True)
class DeliveryRow:
    notification: Notification
    channels: list[tuple[str, str]]  # (channel label, state label)
    late: bool
    waiting_for_reply: bool


def delivery_panel(scope: Scope, *, now: datetime | None = None) -> list[DeliveryRow]:
    """Who was told what about a case, on which channels, and who has not answered."""
    now = now or timezone.now()
    rows = []
    found = (
        Notification.objects.filter(scope=str(scope))
        .select_related("recipient__agency", "sender")
        .prefetch_related("deliveries")
        .order_by("-pk")[:500]
    )
    for n in found:
        first_rung = int(n.ack_ladder[0]["after_seconds"]) if n.ack_ladder else 15 * 60
        rows.append(
            DeliveryRow(
                notification=n,
                channels=[
                    (d.get_channel_display(), d.get_state_display()) for d in n.deliveries.all()
                ],
                late=n.state == NotificationState.OPEN
                and n.created_at + timedelta(seconds=first_rung) < now,
                waiting_for_reply=n.needs_reply and n.state != NotificationState.ANSWERED,
            )
        )
    return rows


def notifications_about(
    *, scopes: Sequence[Scope], subject_type: str = "", subject_ids: Sequence[str] = ()
) -> QuerySet[Notification]:
    """Everything sent about a case: in one of its scopes, or about one of the given subjects
    (such as the actions a conference agreed for it, which sit in the conference's scope)."""
    about = Q(scope__in=[str(scope) for scope in scopes])
    if subject_type:
        about |= Q(subject_type=subject_type, subject_id__in=list(subject_ids))
    return Notification.objects.filter(about)


def told_about(member: Member, scope: Scope) -> bool:
    """Whether any message about the case reached the member (what lets a member who is told
    about an incident see it)."""
    return member.notifications.filter(_here(member), scope=str(scope)).exists()


def told_about_ids(member: Member, kind: ScopeKind) -> set[int]:
    """The ids of the cases of one kind any message about which reached the member."""
    stored = member.notifications.filter(_here(member), scope__startswith=Scope.kind_prefix(kind))
    return Scope.ids_of(kind, stored.values_list("scope", flat=True).distinct())
