"""Scheduled work of conferences: actions past their date, and their ladders (the ladder engine
finds the work in the database; running it late or twice is harmless)."""

from __future__ import annotations

from datetime import datetime

from conference.services.actions import ACTIONS
from config.scheduler import Job
from notifications.ladder.engine import ladder_run


def actions_run(now: datetime | None = None) -> datetime | None:
    return ladder_run(ACTIONS, now)


JOBS = [Job(name="conference-actions", run=actions_run)]
