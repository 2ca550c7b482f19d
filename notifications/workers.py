"""Jobs for the sender workers (``manage.py runsenders``) when ``NOTIFICATION_WORKERS`` is on:
written through procrastinate (docs/decisions/0023-task-engine.md), read by the task bodies in
``notifications.tasks``.

A job carries ids only: the ``Delivery`` rows stay the one queue of record, and a job claims them
as the in-process senders do, so a job run twice (a retried stalled job, a sweep's job racing
a commit's) sends nothing twice. Jobs are written on Django's own connection, always (a worker's
app fetches on a pool of its own, but a job its task defers belongs to the task's transaction):
one deferred inside a transaction commits with it, or is rolled back with it.
"""

from __future__ import annotations

from functools import cache

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from procrastinate import exceptions as procrastinate_errors
from procrastinate import jobs, manager, tasks
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.types import JSONValue

QUEUE = "notifications"
# Live pushes have a queue, and job slots, of their own: an alert on an open page never waits
# for a slot held by an email or a text (a provider that hangs holds one for up to
# NOTIFICATION_SEND_TIMEOUT; a surge's emails held all eight for a moment).
LIVE_QUEUE = "notifications.live"
SEND = "notifications.send"  # notification ids: each one's pending deliveries
SEND_LIVE = "notifications.send_live"  # notification ids: each one's pending live delivery
SEND_DUE = "notifications.send_due"  # delivery ids the scheduler's sweep found due
UPDATED = "notifications.updated"  # a notification changed: the recipient's pages are told
QUEUES = (LIVE_QUEUE, QUEUE)


@cache
def _jobs() -> manager.JobManager:
    return manager.JobManager(connector=DjangoConnector())


def _task(name: str, queueing_lock: str | None = None, queue: str = QUEUE) -> jobs.JobDeferrer:
    return tasks.configure_task(
        name=name, job_manager=_jobs(), queue=queue, queueing_lock=queueing_lock
    )


def _ids(ids: list[int]) -> JSONValue:
    return list[JSONValue](ids)


def in_jobs(ids: list[int]) -> list[list[int]]:
    """``ids`` in runs of at most ``NOTIFICATION_WORKER_JOB_SIZE``: each job's fixed costs (the
    queue's round trips, a live batch's locks and numbering) are paid once for many people, and
    a large batch still spreads over every worker."""
    size = max(1, settings.NOTIFICATION_WORKER_JOB_SIZE)
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def notifications_defer(notification_ids: list[int]) -> None:
    """The jobs for these notifications, in the caller's transaction (one INSERT a queue): the
    live queue's pushes their live deliveries; the other's sends whatever is still pending (the
    live ones too, should it come first: each delivery is claimed by one job only)."""
    chunks = [{"notification_ids": _ids(chunk)} for chunk in in_jobs(notification_ids)]
    if chunks:
        _task(SEND_LIVE, queue=LIVE_QUEUE).batch_defer(*chunks)
        _task(SEND).batch_defer(*chunks)


def update_defer(*, member_id: int, notification_id: int, state: str) -> None:
    """The recipient's open pages are told of the change, in the caller's transaction."""
    _task(UPDATED, queue=LIVE_QUEUE).defer(
        member_id=member_id, notification_id=notification_id, state=state
    )


def due_defer(delivery_ids: list[int]) -> int:
    """Jobs for these due deliveries, each unless the sweep's job for that place in the line is
    still waiting (its queueing lock): a backlog is not queued again on every sweep, and what
    is skipped now is found due by a later sweep. Returns how many jobs were written."""
    written = 0
    for place, chunk in enumerate(in_jobs(delivery_ids)):
        deferrer = _task(SEND_DUE, queueing_lock=f"{SEND_DUE}.{place}")
        try:
            # A savepoint: the refused INSERT must not spoil a surrounding transaction.
            with transaction.atomic():
                deferrer.defer(delivery_ids=_ids(chunk))
        except procrastinate_errors.AlreadyEnqueued:
            continue
        written += 1
    return written


def stalled_retry() -> list[int]:
    """Put back the notification jobs of workers silent for ``NOTIFICATION_WORKER_STALLED_SECONDS``
    (a worker killed mid-job leaves its job ``doing`` for ever otherwise). The job is then run
    again by a live worker; whatever the dead one finished is not sent twice, because its
    deliveries are no longer pending, and what it held is taken again once its claim expires."""
    stalled = [
        job
        for queue in QUEUES
        for job in async_to_sync(_jobs().get_stalled_jobs)(
            queue=queue, seconds_since_heartbeat=settings.NOTIFICATION_WORKER_STALLED_SECONDS
        )
    ]
    retried: list[int] = []
    for job in stalled:
        if job.id is None:  # never, for a job read from the table
            continue
        try:
            _jobs().retry_job_by_id(job_id=job.id, retry_at=timezone.now())
        except procrastinate_errors.ConnectorException:
            continue  # finished meanwhile: its worker was slow, not dead
        retried.append(job.id)
    return retried
