"""Scheduled work of the review: debrief records not written by their date and actions past
theirs, with their ladders (the ladder engine finds the work in the database; running it late or
twice is harmless)."""

from __future__ import annotations

from datetime import datetime

from config.scheduler import Job
from notifications.ladder.engine import ladder_run
from review.services import DEBRIEFS, PLAN_ACTIONS


def debriefs_run(now: datetime | None = None) -> datetime | None:
    return ladder_run(DEBRIEFS, now)


def plan_actions_run(now: datetime | None = None) -> datetime | None:
    return ladder_run(PLAN_ACTIONS, now)


JOBS = [
    Job(name="review-debriefs", run=debriefs_run),
    Job(name="review-plan-actions", run=plan_actions_run),
]
