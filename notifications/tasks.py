"""What the sender workers (``manage.py runsenders``) run: procrastinate tasks, found by its
Django app (it imports each app's ``tasks`` module). Jobs are written by
``notifications.workers``; each loads its rows by id and claims them before sending, as the
in-process senders do (``notifications.dispatch``), so running one twice sends nothing twice.

The task bodies are synchronous: the worker runs each on a thread of its pool, where the ORM's
connections are per thread, so each job starts and ends by dropping a connection that broke or
outlived its age.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import close_old_connections
from procrastinate.contrib.django import app

from notifications.dispatch import (
    deliveries_send,
    delivery_attempt,
    live_deliveries_send,
    live_publish,
    live_send,
    updated_payload,
)
from notifications.models import Channel, Delivery
from notifications.workers import LIVE_QUEUE, QUEUE, SEND, SEND_DUE, SEND_LIVE, UPDATED


@contextmanager
def _fresh_connections() -> Iterator[None]:
    close_old_connections()
    try:
        yield
    finally:
        close_old_connections()


@app.task(name=SEND, queue=QUEUE)
def notifications_send(*, notification_ids: list[int]) -> None:
    """The pending deliveries of these notifications (live first, as one batch)."""
    with _fresh_connections():
        deliveries_send(notification_ids)


@app.task(name=SEND_LIVE, queue=LIVE_QUEUE)
def notifications_send_live(*, notification_ids: list[int]) -> None:
    """The pending live deliveries of these notifications, as one batch."""
    with _fresh_connections():
        live_send(notification_ids)


@app.task(name=SEND_DUE, queue=QUEUE)
def deliveries_due_send(*, delivery_ids: list[int]) -> None:
    """Deliveries the sweep found due (retries, or left behind by a process that died): the live
    ones as one batch, then the others one after the other. A channel that hangs holds this job
    until its timeout; the sweep's other jobs run on the worker's other slots."""
    with _fresh_connections():
        live = set(
            Delivery.objects.filter(pk__in=delivery_ids, channel=Channel.LIVE).values_list(
                "pk", flat=True
            )
        )
        if live:
            live_deliveries_send(sorted(live))
        for pk in delivery_ids:
            if pk not in live:
                delivery_attempt(delivery_id=pk)


@app.task(name=UPDATED, queue=LIVE_QUEUE)
def notification_updated(*, member_id: int, notification_id: int, state: str) -> None:
    """Tell the recipient's open pages that a notification changed (unread counts)."""
    with _fresh_connections():
        live_publish(member_id, updated_payload(notification_id=notification_id, state=state), None)
