"""Scheduled work of gold: decisions whose review fell due, and their ladders (the ladder engine
finds the work in the database; running it late or twice is harmless)."""

from __future__ import annotations

from datetime import datetime

from config.scheduler import Job
from gold.services import DECISIONS
from notifications.ladder.engine import ladder_run


def decision_reviews_run(now: datetime | None = None) -> datetime | None:
    return ladder_run(DECISIONS, now)


JOBS = [Job(name="gold-decision-reviews", run=decision_reviews_run)]
