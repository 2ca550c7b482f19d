"""Scheduled work of the review: debrief records not written by their date and actions past
theirs, with their ladders, and each partnership's six-monthly report when a half-year ends (all
found in the database; running late or twice is harmless)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from config.scheduler import Job
from notifications.ladder.engine import ladder_run
from partnership.models import Partnership
from review.services import (
    DEBRIEFS,
    PLAN_ACTIONS,
    six_monthly_next_due,
    six_monthly_scheduled,
)


def debriefs_run(now: datetime | None = None) -> datetime | None:
    return ladder_run(DEBRIEFS, now)


def plan_actions_run(now: datetime | None = None) -> datetime | None:
    return ladder_run(PLAN_ACTIONS, now)


def six_monthly_run(now: datetime | None = None) -> datetime | None:
    """Each partnership's report of the half-year that last ended, once (the service finds
    whether it is due and made in the database); then wake at the next month's start."""
    now = now or timezone.now()
    for pk in Partnership.objects.order_by("pk").values_list("pk", flat=True):
        six_monthly_scheduled(partnership_id=pk, now=now)
    return six_monthly_next_due(timezone.localdate(now))


JOBS = [
    Job(name="review-debriefs", run=debriefs_run),
    Job(name="review-plan-actions", run=plan_actions_run),
    Job(name="review-six-monthly", run=six_monthly_run),
]
