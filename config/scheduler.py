"""The clock: one leading scheduler among any number of scheduler processes.

Deadlines live in the database. The scheduler only wakes the engine up: at the next due time a
job asks for, and on a regular sweep as a safety net, so a lost wake-up, a restart or a crash can
delay work by at most one sweep interval and never lose it. Every job finds its work in the
database and is harmless when run twice, so two processes that both believe they lead (for the
moment a PostgreSQL restart takes to settle) still fire each deadline once.

Leadership is a session-level PostgreSQL advisory lock held on a connection of its own: it lasts
as long as the leader's process and connection live, and a standby takes it within one poll of the
leader dying. With SQLite there is only ever one process, and it leads.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

import psycopg
import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings
from django.db import close_old_connections, connection

log = structlog.get_logger(__name__)

# Any fixed 64-bit number shared by every scheduler process of the deployment.
LEADER_LOCK_KEY = 0x48435F5343484544  # "HC_SCHED"


@dataclass(frozen=True)
class Job:
    """A piece of scheduled work. ``run`` does whatever is due now and returns when it next
    wants to run (or None to wait for the sweep)."""

    name: str
    run: Callable[[], datetime | None]


def registered_jobs() -> list[Job]:
    jobs: list[Job] = []
    for dotted in settings.SCHEDULER_JOBS:
        module_name, _, attribute = dotted.rpartition(".")
        jobs.extend(getattr(import_module(module_name), attribute))
    return jobs


class Leadership:
    """Holds (or tries to take) the leader lock on a dedicated connection."""

    def __init__(self) -> None:
        self._conn: psycopg.Connection[Any] | None = None
        self.postgres = connection.vendor == "postgresql"

    def _conninfo(self) -> dict[str, Any]:
        db = settings.DATABASES["default"]
        return {
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
            "dbname": db["NAME"],
            "connect_timeout": 5,
            "autocommit": True,
            # The process id lets an operator (and the fault tests) see which process leads.
            "application_name": f"coordinator-scheduler-{os.getpid()}",
        }

    def acquire(self) -> bool:
        if not self.postgres:
            return True
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(**self._conninfo())
            row = self._conn.execute(
                "SELECT pg_try_advisory_lock(%s)", [LEADER_LOCK_KEY]
            ).fetchone()
        except psycopg.Error:
            self.release()
            return False
        return bool(row and row[0])

    def held(self) -> bool:
        """The lock lives exactly as long as its session: a live session means it is still ours."""
        if not self.postgres:
            return True
        if self._conn is None or self._conn.closed:
            return False
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None


class Scheduler:
    """Runs the registered jobs while it leads; stands by otherwise."""

    def __init__(
        self,
        jobs: list[Job] | None = None,
        *,
        sweep_seconds: float | None = None,
        poll_seconds: float | None = None,
    ) -> None:
        self.jobs = registered_jobs() if jobs is None else jobs
        self.sweep_seconds = sweep_seconds or settings.SCHEDULER_SWEEP_SECONDS
        self.poll_seconds = poll_seconds or settings.SCHEDULER_LEADER_POLL_SECONDS
        self.leadership = Leadership()
        self._aps: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def leading(self) -> bool:
        return self._aps is not None

    # --- the jobs ------------------------------------------------------------------------------
    def _run_job(self, job: Job) -> None:
        # APScheduler runs jobs on its own threads: each gets fresh database connections.
        close_old_connections()
        try:
            next_due = job.run()
        except Exception:
            log.exception("scheduler.job_failed", job=job.name)
            next_due = None
        finally:
            close_old_connections()
        if next_due is not None and self._aps is not None:
            self._wake_at(job, next_due)

    def _wake_at(self, job: Job, when: datetime) -> None:
        if self._aps is None:  # stood down meanwhile
            return
        # Never schedule in the past: APScheduler would count it as a misfire.
        when = max(when, datetime.now(UTC) + timedelta(milliseconds=10))
        self._aps.add_job(
            self._run_job,
            "date",
            run_date=when,
            args=[job],
            id=f"{job.name}.wake",
            replace_existing=True,
            # The wake-up is scheduled from inside the run before it: with one instance allowed,
            # a wake-up due before that run has been counted finished would be skipped.
            max_instances=3,
        )

    def _start_leading(self) -> None:
        aps = BackgroundScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                # Deadlines missed while the process was busy are still handled, however late.
                "misfire_grace_time": 24 * 3600,
                "max_instances": 1,
            },
        )
        for job in self.jobs:
            # The first sweep runs at once: whatever fell due while no scheduler ran is handled
            # within seconds of taking the lead.
            aps.add_job(
                self._run_job,
                "interval",
                seconds=self.sweep_seconds,
                args=[job],
                id=f"{job.name}.sweep",
                next_run_time=datetime.now(UTC),
            )
        self._aps = aps
        aps.start()
        log.info("scheduler.leading", jobs=[job.name for job in self.jobs])

    def _stop_leading(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
            log.warning("scheduler.stood_down")

    # --- the loop ------------------------------------------------------------------------------
    def run_forever(self) -> None:
        log.info("scheduler.started", postgres=self.leadership.postgres)
        try:
            while not self._stop.is_set():
                if self.leading:
                    if not self.leadership.held():
                        self._stop_leading()
                elif self.leadership.acquire():
                    self._start_leading()
                self._stop.wait(self.poll_seconds)
        finally:
            self._stop_leading()
            self.leadership.release()
            close_old_connections()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="scheduler", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Safe from a signal handler: the loop notices within one poll."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def production_checks() -> None:
    """What a production scheduler checks before it starts, as ``config/asgi.py`` does before it
    serves: it sends notifications too (retries, chases), so it refuses to start while a channel
    members use only records its messages (``notifications.readiness``)."""
    from notifications.readiness import production_start_check

    production_start_check()


def start_in_background() -> Scheduler:
    """The scheduler inside a web process: only for the single-process ``make run``."""
    scheduler = Scheduler()
    scheduler.start()
    return scheduler
