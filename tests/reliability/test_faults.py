"""Faults, each ending by checking that nothing was lost or doubled."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from escalation.models import Duty, DutyState
from notifications.models import LadderRung
from partnership.audiences import Audience
from partnership.models import AuditEvent
from tests import factories
from tests.processes import (
    ROOT,
    AlertClient,
    OwnPostgres,
    OwnRedis,
    Stack,
    suite_database_url,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

DECLARE = {"is_major": True, "rationale": "Disorder likely tonight."}

MK = "milton-keynes"  # the demo partnership the calls work in (X-Partnership)


def _declared(event: dict[str, Any]) -> bool:
    # "Major incident in Woughton declared 14:02 (HC-00012): for your information. …"
    title = str(event.get("title", ""))
    return title.startswith("Major incident in ") and " declared " in title


def _declare(server: Any, token: str, body: dict[str, Any]) -> int:
    status, incident = server.call("POST", "/api/incidents/", token, body)
    assert status == 201, incident
    status, declared = server.call(
        "POST", f"/api/incidents/{incident['id']}/determination/", token, DECLARE
    )
    assert status == 201, declared
    return int(incident["id"])


def _leader_pid() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND a.datname = current_database() "
            "AND a.application_name LIKE 'coordinator-scheduler-%%'"
        )
        row = cursor.fetchone()
    return int(row[0].rsplit("-", 1)[1]) if row else None


def test_killing_the_leading_scheduler_hands_over_without_missing_or_doubling(
    stack: Stack, tokens: dict[str, str]
) -> None:
    server = stack.daphne()
    incident_id = _declare(server, tokens["officer"], factories.incident_body())
    first, second = stack.scheduler(), stack.scheduler()
    wait_for(lambda: _leader_pid() in (first.pid, second.pid), 15, "a scheduler leads")
    leader = first if _leader_pid() == first.pid else second
    standby = second if leader is first else first

    duties = list(Duty.objects.filter(incident_id=incident_id, state=DutyState.PENDING))
    for n, duty in enumerate(duties):
        Duty.objects.filter(pk=duty.pk).update(due_at=timezone.now() + timedelta(seconds=3 + n % 2))
    leader.send_signal(signal.SIGKILL)
    leader.wait(timeout=10)

    took_over = wait_for(lambda: _leader_pid() == standby.pid, 10, "the standby leads")
    assert took_over < 5
    wait_for(
        lambda: (
            not Duty.objects.filter(pk__in=[d.pk for d in duties], state=DutyState.PENDING).exists()
        ),
        15,
        "every due duty overdue",
    )
    time.sleep(2)
    for duty in Duty.objects.filter(pk__in=[d.pk for d in duties]):
        assert duty.overdue_at is not None
        assert (duty.overdue_at - duty.due_at).total_seconds() < 5, "late past its due time"
        assert AuditEvent.objects.filter(verb="duty.overdue", subject_id=str(duty.pk)).count() == 1
        assert LadderRung.objects.filter(duty=duty, index=0).count() == 1


def test_clients_of_a_killed_server_reconnect_to_the_other_and_miss_nothing(
    stack: Stack, tokens: dict[str, str]
) -> None:
    a, b = stack.daphne(), stack.daphne()
    bodies = [factories.incident_body(title=title) for title in ("First", "Second", "Third")]

    async def scenario() -> list[dict[str, Any]]:
        client = AlertClient(tokens["coordinator"])
        await client.connect(a)
        await asyncio.to_thread(_declare, b, tokens["officer"], bodies[0])
        await client.receive_until(lambda events: len([e for e in events if _declared(e)]) == 1, 10)
        a.kill()
        # While the client is cut off, two more declarations.
        await asyncio.to_thread(_declare, b, tokens["officer"], bodies[1])
        await asyncio.to_thread(_declare, b, tokens["officer"], bodies[2])
        await client.connect(b)  # resumes from the last event it saw
        await client.receive_until(lambda events: len([e for e in events if _declared(e)]) == 3, 10)
        await client.close()
        return client.events

    events = asyncio.run(scenario())
    ids = [e["notification_id"] for e in events if _declared(e)]
    assert len(ids) == len(set(ids)) == 3  # each once


def test_with_redis_stopped_work_goes_on_and_alerts_are_replayed_when_it_returns(
    tokens: dict[str, str], own_redis: OwnRedis
) -> None:
    stack = Stack(database_url=suite_database_url(), redis_url=own_redis.url)
    try:
        a, b = stack.daphne(), stack.daphne()

        async def before() -> AlertClient:
            client = AlertClient(tokens["coordinator"])
            await client.connect(a)
            return client

        client = asyncio.run(before())
        last_seen = client.last_event_id
        own_redis.stop()

        # Traffic while Redis is away: every change still succeeds.
        declared = [
            _declare(server, tokens["officer"], factories.incident_body(title=f"During outage {n}"))
            for n, server in enumerate([a, b, a])
        ]
        status, duties = b.call("GET", f"/api/incidents/{declared[0]}/duties/", tokens["crro"])
        assert status == 200
        inform_rec = next(d for d in duties if d["step"] == "inform-rec")
        status, done = b.call(
            "POST",
            f"/api/duties/{inform_rec['id']}/complete/",
            tokens["crro"],
            {"message": "Told."},
        )
        assert status == 200, done
        status, mine = a.call("GET", "/api/notifications/?unread=true", tokens["crro"])
        assert status == 200
        assert mine
        status, acked = a.call(
            "POST", f"/api/notifications/{mine[0]['id']}/acknowledge/", tokens["crro"]
        )
        assert status == 200, acked
        assert a.call("GET", "/healthz", tokens["crro"])[0] == 503  # honest about the layer

        own_redis.start()
        wait_for(a.healthy, 15, "the server sees Redis again")

        async def after() -> list[dict[str, Any]]:
            again = AlertClient(tokens["coordinator"])
            again.last_event_id = last_seen
            await again.connect(a)
            await again.receive_until(
                lambda events: len([e for e in events if _declared(e)]) == 3, 15
            )
            await again.close()
            return again.events

        events = asyncio.run(after())
        ids = [e["notification_id"] for e in events if _declared(e)]
        assert len(ids) == len(set(ids)) == 3
    finally:
        stack.stop()


# --- PostgreSQL restarting -----------------------------------------------------------------------
@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
        pytest.skip("starting a PostgreSQL cluster of our own needs root (to run as postgres)")
    server = OwnPostgres()
    server.create()
    yield server
    server.destroy()


def _manage(database_url: str, *args: str, code: str = "") -> str:
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings")
    command = [sys.executable, "manage.py", *args] + (["-c", code] if code else [])
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=True
    )
    return done.stdout


def test_a_postgres_restart_fails_requests_cleanly_and_everything_recovers(
    own_postgres: OwnPostgres,
) -> None:
    url = own_postgres.url
    _manage(url, "migrate", "--noinput")
    _manage(url, "load_demo")  # both demo partnerships: the officer works in both
    officer_token = (
        _manage(
            url,
            "shell",
            code=(
                "from partnership.auth import token_issue; from partnership.models import Member; "
                "print(token_issue(member=Member.objects.get(username='officer')).key)"
            ),
        )
        .strip()
        .splitlines()[-1]
    )  # the shell may print a line of its own first
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        row = db.execute("SELECT id FROM partnership_area WHERE name = 'Bletchley'").fetchone()
        assert row is not None
        area_id = row[0]
        # The demo's own incidents, not counted below.
        counted = db.execute("SELECT count(*) FROM escalation_incident").fetchone()
        demo_incidents = counted[0] if counted else 0

    stack = Stack(database_url=url, redis_url=os.environ["REDIS_URL"])
    try:
        server = stack.daphne()
        stack.scheduler()
        statuses: list[int] = []
        stop = threading.Event()

        def traffic() -> None:
            while not stop.is_set():
                body = factories.incident_body(title=f"Load {len(statuses)}", area_id=area_id)
                status, _ = server.call(
                    "POST", "/api/incidents/", officer_token, body, partnership=MK
                )
                statuses.append(status)

        worker = threading.Thread(target=traffic)
        worker.start()
        time.sleep(1.5)
        # A request held inside the database when it goes away, for certain: the next report
        # waits on a lock the test holds. (A pooled request that arrives while PostgreSQL is
        # down waits for a connection and is answered once it is back, so without this the
        # restart could fall between two requests and meet none.)
        blocker = psycopg.connect(url.replace("postgres://", "postgresql://"))
        blocker.execute("LOCK TABLE escalation_incident IN SHARE MODE")

        def report_waits() -> bool:
            row = blocker.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()
            return bool(row and row[0])

        wait_for(report_waits, 15, "a report waits on the locked table")
        own_postgres.stop("fast")  # requests in flight meet a database that went away
        with contextlib.suppress(psycopg.Error):
            blocker.close()
        time.sleep(1.5)
        own_postgres.start()
        time.sleep(3)
        stop.set()
        worker.join(timeout=30)

        assert statuses.count(201) > 0, statuses[:20]
        assert set(statuses) <= {201, 503}, f"unexpected answers: {sorted(set(statuses))}"
        assert 503 in statuses, "the restart was not noticed: the test did not test anything"
        # Later requests succeed.
        status, incident = server.call(
            "POST",
            "/api/incidents/",
            officer_token,
            factories.incident_body(area_id=area_id),
            partnership=MK,
        )
        assert status == 201, incident
        status, _ = server.call(
            "POST",
            f"/api/incidents/{incident['id']}/determination/",
            officer_token,
            DECLARE,
            partnership=MK,
        )
        assert status == 201

        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as db:
            # No half-written incident: every incident has its strands and its timeline event.
            # Every 201 is there; a 503 may still have committed (the connection went while
            # answering), never partly.
            (incidents,) = db.execute("SELECT count(*) FROM escalation_incident").fetchone() or (0,)
            incidents -= demo_incidents
            answered = statuses.count(201) + 1
            assert answered <= incidents <= answered + statuses.count(503)
            (orphans,) = db.execute(
                "SELECT count(*) FROM escalation_incident i WHERE NOT EXISTS "
                "(SELECT 1 FROM escalation_incidentstrand s WHERE s.incident_id = i.id) "
                "OR NOT EXISTS "
                "(SELECT 1 FROM partnership_auditevent e WHERE e.scope = 'incident:' || i.id "
                "AND e.verb = 'incident.reported')"
            ).fetchone() or (None,)
            assert orphans == 0
            # The scheduler reconnected by itself: a deadline after the restart is handled.
            db.execute(
                "UPDATE escalation_duty SET due_at = now() + interval '2 seconds' "
                "WHERE incident_id = %s AND step_code = 'inform-rec'",
                [incident["id"]],
            )

            def overdue() -> bool:
                row = db.execute(
                    "SELECT state FROM escalation_duty "
                    "WHERE incident_id = %s AND step_code = 'inform-rec'",
                    [incident["id"]],
                ).fetchone()
                return bool(row and row[0] != "pending")

            wait_for(overdue, 20, "the scheduler marks a deadline after the restart")
    finally:
        stack.stop()


# --- A channel that fails or hangs ---------------------------------------------------------------
class _Hanging(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        time.sleep(10)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


# The demo members the roles below reach (their contact preferences are set before they are told).
PEOPLE_TOLD = ("crro", "coordinator", "chief", "staff", "member", "rec")


def _tell_the_partnership(demo: dict[str, Any], *, cause: str, title: str, **extra: Any) -> Any:
    """A notification to the CRRO, the co-ordinator, the chief officer, operational staff and
    the partnership's members (``PEOPLE_TOLD``), about the co-ordinator."""
    return factories.notifications(
        audiences=[
            Audience.role("crro"),
            Audience.role("csp_coordinator"),
            Audience.role("council_chief_officer"),
            Audience.role("operational_staff"),
            Audience.role("ccsp_member"),
        ],
        subject=demo["coordinator"],
        cause=cause,
        title=title,
        **extra,
    )


def test_a_hanging_or_failing_channel_blocks_nobody(demo: dict[str, Any], settings: Any) -> None:

    from notifications.channels import backends_reset
    from notifications.dispatch import senders_wait
    from notifications.jobs import deliveries_run
    from notifications.models import ContactPreference, Delivery, DeliveryState

    hang = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hanging)
    threading.Thread(target=hang.serve_forever, daemon=True).start()
    settings.NOTIFICATION_SEND_TIMEOUT = 1
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the hanging receiver is on loopback
    settings.NOTIFICATION_BACKENDS = {
        **settings.NOTIFICATION_BACKENDS,
        "webhook": "notifications.channels.HttpWebhookBackend",
        "sms": "tests.notifications.backends.FailingBackend",
    }
    backends_reset()
    try:
        for username in PEOPLE_TOLD:
            ContactPreference.objects.create(
                member=demo[username],
                sms=True,
                webhook=True,
                webhook_url=f"http://127.0.0.1:{hang.server_port}/hook",
            )
        # Sent on commit by the senders, then swept: both paths meet the hanging webhook.
        for n in range(4):
            _tell_the_partnership(demo, cause=f"hang-test:{n}", title=f"Update {n}")
        began = time.monotonic()
        assert senders_wait(timeout=30)
        deliveries_run()
        took = time.monotonic() - began
        # 4 x 7 webhook sends each time out after 1 s; in parallel they take seconds, not 28.
        assert took < 12, took
        email = Delivery.objects.filter(channel="email")
        # Email printed to the console: kept, not sent.
        assert email.count() == email.filter(state=DeliveryState.RECORDED).count() > 0
        hooks = Delivery.objects.filter(channel="webhook")
        assert hooks.count() > 0
        for delivery in hooks:
            assert delivery.state == DeliveryState.PENDING  # to be retried later
            assert delivery.next_attempt_at is not None
            assert delivery.next_attempt_at > timezone.now()
            assert (
                "timed out" in delivery.last_error.lower()
                or "timeout" in delivery.last_error.lower()
            )
        sms = Delivery.objects.filter(channel="sms")
        assert all(d.state == DeliveryState.PENDING and d.attempts == 1 for d in sms)
    finally:
        hang.shutdown()
        backends_reset()


# --- A sender worker killed mid-batch ----------------------------------------------------------
def test_a_worker_killed_mid_batch_leaves_every_delivery_made_exactly_once(
    demo: dict[str, Any], settings: Any
) -> None:
    from notifications.models import ContactPreference, Delivery, DeliveryAttempt, LiveEvent

    settings.NOTIFICATION_WORKERS = True  # this process writes the jobs, as a web process would
    with connection.cursor() as cursor:  # procrastinate's tables are not flushed between tests
        cursor.execute("DELETE FROM procrastinate_jobs")
        cursor.execute("DELETE FROM procrastinate_workers")
    stack = Stack(
        database_url=suite_database_url(),
        redis_url=os.environ["REDIS_URL"],
        extra_env={
            "NOTIFICATION_WORKERS": "true",
            # The batch is one job (NOTIFICATION_WORKER_JOB_SIZE), its texts slow: a kill
            # lands in the middle of it.
            "SMS_BACKEND": "tests.notifications.backends.SlowBackend",
            # Each text takes 1.5 s, so the kill after the first lands with four or more of the
            # batch still to send, however late this (busy) process notices the first (at 0.3 s
            # a text, the whole batch was sometimes sent before the kill under load).
            "SLOW_BACKEND_SECONDS": "1.5",
            # Shortened so that the test takes seconds: a held delivery is free again after
            # 5 s (longer than a text takes), a worker silent for 2 s counts as dead.
            "NOTIFICATION_CLAIM_SECONDS": "5",
            "NOTIFICATION_WORKER_HEARTBEAT_SECONDS": "0.5",
            "NOTIFICATION_WORKER_STALLED_SECONDS": "2",
        },
    )
    try:
        for username in PEOPLE_TOLD:
            ContactPreference.objects.create(member=demo[username], sms=True)
        told = _tell_the_partnership(
            demo, cause="killed-worker", title="Disorder expected tonight", urgency="urgent"
        )
        deliveries = Delivery.objects.filter(notification__in=told)
        texts = deliveries.filter(channel="sms")
        assert texts.count() >= 5
        first = stack.senders()

        def some_texts_sent() -> bool:
            return DeliveryAttempt.objects.filter(delivery__in=texts).count() >= 1

        wait_for(some_texts_sent, 30, "the first worker sends a text")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        done_by_first = DeliveryAttempt.objects.filter(delivery__in=deliveries).count()
        assert done_by_first < deliveries.count(), "killed too late: the batch was finished"

        stack.senders()
        stack.scheduler()  # the sweep: stalled jobs back to the queue, due deliveries to jobs
        wait_for(lambda: not deliveries.filter(state="pending").exists(), 60, "every delivery made")

        def no_job_left_taken() -> bool:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")
                row = cursor.fetchone()
            return bool(row and row[0] == 0)

        # The killed worker's job did not stay taken: it was put back and run again.
        wait_for(no_job_left_taken, 15, "the killed worker's job retried")
        time.sleep(1.5)  # anything doubled would show by now
        for delivery in deliveries:
            assert delivery.state in ("delivered", "recorded"), delivery
            assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 1, delivery
        for notification in told:
            assert LiveEvent.objects.filter(notification=notification).count() == 1
    finally:
        stack.stop()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs")
            cursor.execute("DELETE FROM procrastinate_workers")
