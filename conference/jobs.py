"""Scheduled work of conferences: actions past their date, and their ladders."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min
from django.utils import timezone

from conference.models import Action, ActionState
from conference.services import action_escalate, action_mark_overdue
from config.scheduler import Job


def actions_run(now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    for pk in list(
        Action.objects.filter(state=ActionState.OPEN, due_at__lte=now).values_list("pk", flat=True)[
            :1000
        ]
    ):
        action_mark_overdue(action_id=pk, now=now)
    climbing = Action.objects.filter(
        state__in=(ActionState.OVERDUE, ActionState.ESCALATED), next_rung_at__lte=now
    )
    for pk in list(climbing.values_list("pk", flat=True)[:1000]):
        action_escalate(action_id=pk, now=now)
    pending = Action.objects.filter(state=ActionState.OPEN).aggregate(at=Min("due_at"))["at"]
    rung = Action.objects.filter(
        state__in=(ActionState.OVERDUE, ActionState.ESCALATED), next_rung_at__isnull=False
    ).aggregate(at=Min("next_rung_at"))["at"]
    candidates = [t for t in (pending, rung) if t is not None]
    return min(candidates) if candidates else None


JOBS = [Job(name="conference-actions", run=actions_run)]
