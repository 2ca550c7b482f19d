"""Scheduled work of the escalation engine: duties that fell due, and ladder rungs that are due.

The scheduler calls ``escalation_run`` at the next due time it returned and on every sweep. The
work is found in the database each time, and each service call does nothing when its row no
longer wants it, so running this late, twice, or in two processes at once is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import Min, QuerySet
from django.utils import timezone

from config.scheduler import Job
from escalation.models import Duty, DutyState
from escalation.services import duty_escalate, duty_mark_overdue

BATCH = 500


def escalation_run(now: datetime | None = None) -> datetime | None:
    """Handle everything due by ``now``; return when something next falls due."""
    now = now or timezone.now()
    _drain(Duty.objects.filter(state=DutyState.PENDING, due_at__lte=now), duty_mark_overdue, now)
    _drain(
        Duty.objects.filter(
            state__in=(DutyState.OVERDUE, DutyState.ESCALATED), next_rung_at__lte=now
        ),
        duty_escalate,
        now,
    )
    return escalation_next_due()


def _drain(query: QuerySet[Duty], service: Callable[..., object], now: datetime) -> None:
    done: set[int] = set()
    while True:
        ids = list(query.exclude(pk__in=done).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        for pk in ids:
            service(duty_id=pk, now=now)
            done.add(pk)


def escalation_next_due() -> datetime | None:
    pending = Duty.objects.filter(state=DutyState.PENDING).aggregate(at=Min("due_at"))["at"]
    rung = Duty.objects.filter(
        state__in=(DutyState.OVERDUE, DutyState.ESCALATED), next_rung_at__isnull=False
    ).aggregate(at=Min("next_rung_at"))["at"]
    candidates = [t for t in (pending, rung) if t is not None]
    return min(candidates) if candidates else None


JOBS = [Job(name="escalation", run=escalation_run)]
