"""Messages on the home page's work list (``partnership.worklist``): those waiting for the
member's acknowledgement or reply, with the button to acknowledge on the spot."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationState
from notifications.selectors import messages_waiting_for
from partnership.models import Member
from partnership.worklist import WorkAction, WorkItem, WorkSource


def _item(notification: Notification) -> WorkItem:
    inbox = reverse("inbox")
    open_ = notification.state == NotificationState.OPEN
    if notification.needs_reply:
        what = "Reply: " + notification.title
        note = "The sender asks you to confirm it, correct it or answer it."
    else:
        what = notification.title
        note = "Please acknowledge it, so the sender knows you have it."
    sender = f"From {notification.sender}" if notification.sender else "From the service"
    sent = timezone.localtime(notification.created_at)
    actions: list[WorkAction] = []
    if open_:
        actions.append(
            WorkAction(
                url=reverse("notification-acknowledge", args=[notification.pk]),
                label="Acknowledge",
            )
        )
    if notification.needs_reply:
        actions.append(
            WorkAction(url=f"{inbox}?show=reply#n-{notification.pk}", label="Reply", post=False)
        )
    return WorkItem(
        key=f"notification-{notification.pk}",
        what=what,
        url=f"{inbox}#n-{notification.pk}",
        about=f"{sender}, {sent:%H:%M} on {sent:%a} {sent.day} {sent:%b}",
        note=note,
        late=notification.urgency == "urgent",
        actions=tuple(actions),
    )


def messages(member: Member) -> list[WorkItem]:
    return [_item(n) for n in messages_waiting_for(member)]


MESSAGES = WorkSource(
    key="messages",
    heading="Messages waiting for your acknowledgement or reply",
    empty="Nothing is waiting for your acknowledgement or reply.",
    concerns=lambda member: True,
    items=messages,
    order=20,
)
