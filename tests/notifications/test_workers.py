"""Deliveries made by sender workers (``NOTIFICATION_WORKERS``): the jobs are written in the
notification's own transaction, a worker makes every delivery once, and a job run twice, or the
sweep's job racing the commit's, sends nothing twice."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from notifications import dispatch, services
from notifications.dispatch import senders_wait
from notifications.jobs import deliveries_run
from notifications.models import (
    ContactPreference,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    LiveEvent,
    Notification,
)
from notifications.workers import (
    LIVE_QUEUE,
    QUEUE,
    QUEUES,
    SEND,
    SEND_DUE,
    SEND_LIVE,
    UPDATED,
    stalled_retry,
)
from partnership.audiences import Audience
from partnership.models import Member
from tests import factories
from tests.processes import Stack, suite_database_url, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EVERYONE = [
    Audience.role("crro"),
    Audience.role("csp_coordinator"),
    Audience.role("council_chief_officer"),
    Audience.role("operational_staff"),
]


def _jobs_clear() -> None:
    # procrastinate's tables are not Django's to flush between tests.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM procrastinate_workers")


@pytest.fixture
def workers(settings: Any, demo: dict[str, Member]) -> Iterator[dict[str, Member]]:
    """Worker mode, with the demo partnership; every member told on every channel."""
    settings.NOTIFICATION_WORKERS = True
    for username in ("crro", "coordinator", "chief", "staff"):
        ContactPreference.objects.create(member=demo[username], sms=True)
    _jobs_clear()
    yield demo
    _jobs_clear()


@pytest.fixture
def died_after_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The committing process dies before its after-commit live push: only the jobs it wrote
    with the notifications are left to make them."""
    monkeypatch.setattr(dispatch, "live_send_on_commit", lambda notification_ids: None)


def _jobs(task_name: str | None = None) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, task_name, args, status, queue_name FROM procrastinate_jobs "
            "WHERE %s::varchar IS NULL OR task_name = %s ORDER BY id",
            [task_name, task_name],
        )
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:  # Django's connection leaves jsonb as text, for its fields to decode
        row["args"] = json.loads(row["args"])
    return rows


def _tell(demo: dict[str, Member], cause: str) -> list[Notification]:
    return factories.notifications(
        audiences=EVERYONE, subject=demo["coordinator"], cause=cause, urgency="urgent"
    )


def _work(queues: tuple[str, ...] = QUEUES) -> None:
    """A worker, as ``manage.py runsenders`` runs it, until the queues are empty."""
    from procrastinate.contrib.django import app
    from procrastinate.contrib.django.django_connector import DjangoConnector

    assert isinstance(app.connector, DjangoConnector)
    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(
            queues=list(queues),
            wait=False,
            concurrency=4,
            install_signal_handlers=False,
            delete_jobs="successful",
        )


def _made_once(notifications: list[Notification]) -> None:
    deliveries = Delivery.objects.filter(notification__in=notifications)
    assert deliveries.count() >= 3 * len(notifications)  # live, email and text for each
    for delivery in deliveries:
        assert delivery.state in (DeliveryState.DELIVERED, DeliveryState.RECORDED), delivery
        assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 1, delivery
    for notification in notifications:
        assert LiveEvent.objects.filter(notification=notification).count() == 1


class _ChangeFailedError(Exception):
    pass


def _rolled_back(change: Any) -> Any:
    """What ``change`` returned inside a transaction that then failed."""
    seen: list[Any] = []
    try:
        with transaction.atomic():
            seen.append(change())
            raise _ChangeFailedError
    except _ChangeFailedError:
        return seen[0]


def test_a_change_rolled_back_leaves_no_job_and_nothing_is_sent(
    workers: dict[str, Member],
) -> None:
    jobs_inside = _rolled_back(lambda: (_tell(workers, "workers:rolled-back"), _jobs(SEND))[1])
    assert jobs_inside  # written in the transaction ...
    assert _jobs() == []  # ... and gone with it
    assert not Notification.objects.exists()
    assert senders_wait(timeout=10)
    assert not DeliveryAttempt.objects.exists()


def test_a_committed_change_leaves_its_jobs_written_inside_its_transaction(
    workers: dict[str, Member],
) -> None:
    with transaction.atomic():
        told = _tell(workers, "workers:committed")
        # Before the commit another connection sees no job: the job is the transaction's.
        with psycopg.connect(suite_database_url().replace("postgres://", "postgresql://")) as db:
            row = db.execute("SELECT count(*) FROM procrastinate_jobs").fetchone()
            assert row == (0,)
    for task, queue in ((SEND, QUEUE), (SEND_LIVE, LIVE_QUEUE)):
        jobs = _jobs(task)
        assert jobs
        assert {j["queue_name"] for j in jobs} == {queue}
        carried = [pk for job in jobs for pk in job["args"]["notification_ids"]]
        assert sorted(carried) == sorted(n.pk for n in told)  # each notification in one job
    # The web process pushed the live alerts itself, once committed, and sends nothing else.
    assert senders_wait(timeout=10)
    live = Delivery.objects.filter(notification__in=told, channel="live")
    assert set(live.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    others = Delivery.objects.filter(notification__in=told).exclude(channel="live")
    assert set(others.values_list("state", flat=True)) == {DeliveryState.PENDING}
    assert not DeliveryAttempt.objects.filter(delivery__in=others).exists()


def test_a_worker_makes_every_delivery_once(workers: dict[str, Member]) -> None:
    told = _tell(workers, "workers:sent") + _tell(workers, "workers:sent-again")
    _work()
    _made_once(told)
    assert _jobs() == []  # done, and not kept


def test_the_committing_process_pushes_the_alerts_before_it_answers_and_the_job_finds_them_made(
    workers: dict[str, Member],
) -> None:
    told = _tell(workers, "workers:fast")  # committed: its after-commit hooks have run
    live = Delivery.objects.filter(notification__in=told, channel="live")
    assert set(live.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    assert _jobs(SEND_LIVE)  # the record, and the way round a process that died first
    _work()
    _made_once(told)  # the live job found them made: one event, one attempt each


def test_live_pushes_have_a_queue_of_their_own_that_no_email_holds(
    workers: dict[str, Member], died_after_commit: None
) -> None:
    told = _tell(workers, "workers:live-first")
    _work(queues=(LIVE_QUEUE,))  # the live queue's slots alone, every email still waiting
    live = Delivery.objects.filter(notification__in=told, channel="live")
    assert live.exists()
    assert set(live.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    others = Delivery.objects.filter(notification__in=told).exclude(channel="live")
    assert others.exists()
    assert set(others.values_list("state", flat=True)) == {DeliveryState.PENDING}
    assert not DeliveryAttempt.objects.filter(delivery__in=others).exists()
    assert _jobs(SEND_LIVE) == []
    _work(queues=(QUEUE,))  # the other queue's job sends the rest, and no alert again
    _made_once(told)


def test_a_job_run_twice_sends_nothing_twice(workers: dict[str, Member]) -> None:
    from notifications.workers import notifications_defer

    told = _tell(workers, "workers:twice")
    jobs = _jobs(SEND)
    _work()
    # The same jobs again, as a retried stalled job would be: every delivery is finished.
    notifications_defer([pk for job in jobs for pk in job["args"]["notification_ids"]])
    _work()
    _made_once(told)


def test_the_sweep_hands_due_deliveries_to_the_workers_once(
    workers: dict[str, Member], died_after_commit: None
) -> None:
    told = _tell(workers, "workers:due")
    _jobs_clear()  # the commit's jobs failed for good: only the sweep can find the deliveries now
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS + 1)
    deliveries_run(later)
    due_jobs = _jobs(SEND_DUE)
    assert due_jobs
    deliveries_run(later)
    assert len(_jobs(SEND_DUE)) == len(due_jobs)  # still waiting: not queued again
    assert not DeliveryAttempt.objects.exists()  # the sweep sends nothing itself
    _work()
    _made_once(told)


def test_the_sweep_leaves_a_fresh_delivery_to_the_job_written_with_it(
    workers: dict[str, Member],
) -> None:
    told = _tell(workers, "workers:fresh")
    sends = len(_jobs(SEND))
    assert sends
    # A sweep while the workers are behind: the deliveries are due, untried and untaken, and
    # each has its job waiting. A second job for each would only be claimed and find it taken.
    deliveries_run(timezone.now() + timedelta(seconds=1))
    assert _jobs(SEND_DUE) == []
    assert len(_jobs(SEND)) == sends
    _work()
    _made_once(told)


def test_an_acknowledgement_tells_the_pages_through_a_job(workers: dict[str, Member]) -> None:
    (mine,) = factories.notifications(
        audiences=[Audience.member(workers["crro"].pk)],
        subject=workers["coordinator"],
        cause="workers:ack",
    )
    _work()
    _rolled_back(
        lambda: services.notification_acknowledge(
            member=workers["crro"], notification_id=mine.pk, via="web"
        )
    )
    assert _jobs(UPDATED) == []
    services.notification_acknowledge(member=workers["crro"], notification_id=mine.pk, via="web")
    (job,) = _jobs(UPDATED)
    assert job["args"] == {
        "member_id": workers["crro"].pk,
        "notification_id": mine.pk,
        "state": "acknowledged",
    }
    _work()
    updates = [
        e
        for e in LiveEvent.objects.filter(member=workers["crro"])
        if e.payload.get("type") == "notification.updated"
    ]
    assert [u.payload["notification_id"] for u in updates] == [mine.pk]


def test_the_jobs_of_a_silent_worker_are_put_back(
    workers: dict[str, Member], settings: Any
) -> None:
    settings.NOTIFICATION_WORKER_STALLED_SECONDS = 30
    _tell(workers, "workers:stalled")
    _tell(workers, "workers:still-working")
    job, other = _jobs(SEND)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - interval '1 minute') RETURNING id"
        )
        (silent,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now()) RETURNING id"
        )
        (alive,) = cursor.fetchone()
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s WHERE id = %s",
            [silent, job["id"]],
        )
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s WHERE id = %s",
            [alive, other["id"]],
        )
    assert stalled_retry() == [job["id"]]
    statuses = {j["id"]: j["status"] for j in _jobs(SEND)}
    assert statuses[job["id"]] == "todo"
    assert statuses[other["id"]] == "doing"  # its worker still beats


def _registered_workers() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_workers")
        (count,) = cursor.fetchone()
    return int(count)


def test_a_worker_process_serves_both_queues_and_stops_gracefully_on_sigterm(
    workers: dict[str, Member],
) -> None:
    stack = Stack(
        database_url=suite_database_url(),
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
        extra_env={"NOTIFICATION_WORKERS": "true"},
    )
    try:
        process = stack.senders()
        wait_for(lambda: _registered_workers() == 2, 30, "the live and the other worker listening")
        told = _tell(workers, "workers:process")
        wait_for(
            lambda: (
                not Delivery.objects.filter(
                    notification__in=told, state=DeliveryState.PENDING
                ).exists()
            ),
            30,
            "every delivery made",
        )
        _made_once(told)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert _registered_workers() == 0  # both unregistered on the way out
    finally:
        stack.stop()
