"""Scheduled work of notifications: deliveries due for a retry (or left behind by a crashed
process), acknowledgement ladders whose next rung is due, and the digest of people no channel
reached, and live events too old to be replayed deleted (``partnership.replay``). Each finds
its work in the database and is harmless when run twice."""

from __future__ import annotations

from concurrent.futures import wait
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Min
from django.utils import timezone

from config.scheduler import Job
from notifications.ack_ladder import ACKNOWLEDGEMENTS
from notifications.dispatch import (
    deliveries_due,
    delivery_attempt,
    dispatch_on_commit,
    live_deliveries_send,
    senders,
)
from notifications.ladder.engine import ladder_run
from notifications.models import Channel, Delivery, DeliveryState, LiveEvent
from notifications.unreachable import unreachable_digest
from notifications.workers import due_defer, stalled_retry
from partnership.replay import prune_job

log = structlog.get_logger(__name__)


def _attempt(delivery_id: int) -> None:
    try:
        delivery_attempt(delivery_id=delivery_id)
    finally:
        close_old_connections()


def deliveries_run(now: datetime | None = None) -> datetime | None:
    """Send what is due, in parallel: a channel that hangs holds one sender until its timeout,
    the others carry on. With ``NOTIFICATION_WORKERS`` the workers send it, in jobs this writes."""
    now = now or timezone.now()
    if settings.NOTIFICATION_WORKERS:
        # A delivery never tried nor taken has its own job, written with it: left to that job
        # for as long as a claim lasts. Without this, a sweep during a backlog wrote a second
        # job for every fresh delivery, which the workers then claimed in vain.
        grace = timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
        _to_workers(deliveries_due(now, fresh_grace=grace))
    else:
        _in_this_process(deliveries_due(now), now)
    next_at: datetime | None = Delivery.objects.filter(state=DeliveryState.PENDING).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    return next_at


def _to_workers(due: list[int]) -> None:
    """The workers send; the clock only hands them what is due, and puts back the jobs of a
    worker that stopped answering (killed mid-job: its job would stay taken for ever)."""
    retried = stalled_retry()
    if retried:
        log.warning("deliveries.stalled_jobs_retried", jobs=retried)
    if due:
        due_defer(due)


def _in_this_process(due: list[int], now: datetime) -> None:
    live = set(
        Delivery.objects.filter(pk__in=due, channel=Channel.LIVE).values_list("pk", flat=True)
    )
    if live:
        # Left behind by a process that died before pushing them: one batch, like any other.
        live_deliveries_send(sorted(live), now=now)
    others = [pk for pk in due if pk not in live]
    if others:
        # The process's own sender threads (a fixed pool, so their database connections are
        # reused rather than piled up): a channel that hangs holds one until its timeout.
        pool = senders()
        futures = [pool.submit(_attempt, pk) for pk in others]
        wait(futures, timeout=settings.NOTIFICATION_SEND_TIMEOUT * (len(others) + 1))


def ladders_run(now: datetime | None = None) -> datetime | None:
    """Acknowledgement ladders whose next rung is due."""
    return ladder_run(ACKNOWLEDGEMENTS, now)


def unreachable_digest_run(now: datetime | None = None) -> datetime | None:
    """The digest of people no channel reached, once its interval has passed."""
    with transaction.atomic():
        notices, next_at = unreachable_digest(now)
        dispatch_on_commit(notices)
    return next_at


def live_events_prune() -> datetime:
    return prune_job("live-events-prune", LiveEvent, owner="member", at="created_at")


JOBS = [
    Job(name="deliveries", run=deliveries_run),
    Job(name="ack-ladders", run=ladders_run),
    Job(name="unreachable-digest", run=unreachable_digest_run),
    Job(name="live-events-prune", run=live_events_prune),
]
