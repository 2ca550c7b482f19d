"""Scheduled work of casework: steps of victim contact and case actions past their due time, and
their ladders (the ladder engine finds the work in the database; running it late or twice is
harmless)."""

from __future__ import annotations

from datetime import datetime

from casework.services import CASE_TASKS
from config.scheduler import Job
from notifications.ladder.engine import ladder_run


def case_tasks_run(now: datetime | None = None) -> datetime | None:
    return ladder_run(CASE_TASKS, now)


JOBS = [Job(name="casework-tasks", run=case_tasks_run)]
