"""The real scheduler processes: a crash before a deadline, and two schedulers at once.

Each test starts ``manage.py runscheduler`` processes against the test database and ends by
checking that every deadline fired exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from config.scheduler import LEADER_LOCK_KEY
from escalation.models import Duty, DutyState
from notifications.models import LadderRung
from partnership.models import AuditEvent, Member
from tests import factories
from tests.processes import ROOT, suite_database_url, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def start_scheduler() -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        env = dict(
            os.environ,
            DATABASE_URL=suite_database_url(),
            SCHEDULER_SWEEP_SECONDS="1",
            SCHEDULER_LEADER_POLL_SECONDS="0.3",
            LOG_LEVEL="WARNING",
        )
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runscheduler"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _due_soon(duty: Duty, seconds: float, ladder: list[dict[str, Any]] | None = None) -> None:
    """Test arrangement: bring a deadline forward (the engine's own deadlines are an hour away)."""
    fields: dict[str, Any] = {"due_at": timezone.now() + timedelta(seconds=seconds)}
    if ladder is not None:
        fields["ladder"] = ladder
    Duty.objects.filter(pk=duty.pk).update(**fields)


def test_killed_scheduler_restarted_after_a_deadline_fires_it_once(
    demo: dict[str, Member], start_scheduler: Callable[[], subprocess.Popen[bytes]]
) -> None:
    incident = factories.incident_declared()
    duty = incident.duties.get(step_code="inform-rec")
    scheduler = start_scheduler()
    time.sleep(2)  # leading and idle: nothing is due yet
    _due_soon(duty, 3)
    scheduler.send_signal(signal.SIGKILL)
    scheduler.wait(timeout=10)

    time.sleep(4)  # the deadline passes with no scheduler running
    duty.refresh_from_db()
    assert duty.state == DutyState.PENDING

    start_scheduler()
    took = wait_for(
        lambda: Duty.objects.get(pk=duty.pk).state != DutyState.PENDING, 15, "the duty overdue"
    )
    assert took < 10
    time.sleep(2)  # give a double firing every chance to happen
    assert AuditEvent.objects.filter(verb="duty.overdue", subject_id=str(duty.pk)).count() == 1
    assert LadderRung.objects.filter(duty=duty).count() == 1  # the owner's reminder, once


def test_two_schedulers_fire_every_deadline_and_rung_exactly_once(
    demo: dict[str, Member], start_scheduler: Callable[[], subprocess.Popen[bytes]]
) -> None:
    incidents = [factories.incident_declared() for _ in range(3)]
    ladder = [
        {"after_seconds": 0, "to": "owner"},
        {"after_seconds": 1, "to": "deputy"},
        {"after_seconds": 2, "to": "role:gold_group"},
    ]
    duties = [d for i in incidents for d in i.duties.filter(state=DutyState.PENDING)]
    for n, duty in enumerate(duties):
        _due_soon(duty, 2 + (n % 4) * 0.5, ladder)
    start_scheduler()
    start_scheduler()

    def finished() -> bool:
        return LadderRung.objects.filter(duty__in=duties).count() >= 3 * len(duties)

    wait_for(finished, 40, "every rung fired")
    time.sleep(2)
    for duty in duties:
        assert AuditEvent.objects.filter(verb="duty.overdue", subject_id=str(duty.pk)).count() == 1
        assert (
            AuditEvent.objects.filter(verb="duty.escalated", subject_id=str(duty.pk)).count() == 3
        )
        assert [r.index for r in LadderRung.objects.filter(duty=duty)] == [0, 1, 2]


def test_the_leader_lock_stays_on_its_own_connection_while_the_jobs_use_the_pool(
    demo: dict[str, Member], start_scheduler: Callable[[], subprocess.Popen[bytes]]
) -> None:
    """The jobs borrow pooled connections and give them back after every run; the leader's
    advisory lock lives on a connection of its own, outside the pool, so it is neither handed
    to another thread nor dropped when a job's connection goes back."""
    started = {start_scheduler().pid, start_scheduler().pid}

    def holders() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.application_name FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s",
                [LEADER_LOCK_KEY >> 32, LEADER_LOCK_KEY & 0xFFFFFFFF],
            )
            return [row[0] for row in cursor.fetchall()]

    wait_for(lambda: len(holders()) == 1, 15, "a scheduler leads")
    leader = holders()
    assert leader[0].removeprefix("coordinator-scheduler-").isdigit()
    assert int(leader[0].removeprefix("coordinator-scheduler-")) in started
    time.sleep(4)  # four sweeps of every job, each on a pooled connection lent and taken back
    assert holders() == leader
