"""Scheduled work of oversight: scrutiny requests unanswered past their date, and their ladders
(the ladder engine finds the work in the database; running it late or twice is harmless)."""

from __future__ import annotations

from datetime import datetime

from config.scheduler import Job
from notifications.ladder.engine import ladder_run
from oversight.services import SCRUTINY


def scrutiny_run(now: datetime | None = None) -> datetime | None:
    return ladder_run(SCRUTINY, now)


JOBS = [Job(name="oversight-scrutiny", run=scrutiny_run)]
