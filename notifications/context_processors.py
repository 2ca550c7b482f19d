"""What every page needs for live alerts: the unread count and where the live stream stands."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from notifications.models import LiveEvent
from notifications.selectors import notifications_of
from partnership.models import Member
from partnership.permissions import can

ALERTS_SOCKET_PATH = "/ws/alerts/"


class AlertsState:
    """Read only when a template asks: fragments fetched by scripts (the board's table) render
    with the same context processors and must not pay for two queries they never show."""

    socket_path = ALERTS_SOCKET_PATH

    def __init__(self, member: Member) -> None:
        self.member = member
        self.member_id = member.pk

    @cached_property
    def enabled(self) -> bool:
        """Whether the alerts websocket will accept this member (it refuses accounts outside the
        partnership's agencies, and the page should not keep knocking)."""
        return can(self.member, "alerts.receive")

    @cached_property
    def unread(self) -> int:
        return notifications_of(self.member, unread=True).count()

    @cached_property
    def last_event_id(self) -> int:
        # The page shows the state as of this event; the script asks for everything after it.
        latest = (
            LiveEvent.objects.filter(member_id=self.member_id)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        return latest or 0


def alerts(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, Member) or not user.is_authenticated:
        return {}
    return {"alerts": AlertsState(user)}
