"""Pruning the numbered logs live pages replay from (``escalation.models.BoardChange``,
``notifications.models.LiveEvent``; docs/decisions/0027-pruning-the-replay-logs.md).

A page asks for what came after the last number it saw, on every (re)connect and every 20
seconds, so an open page never asks for more than a minute or so back. Rows older than
``LIVE_REPLAY_RETENTION_HOURS`` are deleted, except each owner's newest (each member's event,
each partnership's board change): what is kept of an owner is then always everything after some
number, and that number is how a page that was away longer than the retention is told so (the
consumers: ``escalation.consumers``, ``notifications.consumers``) rather than left with a gap.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

log = structlog.get_logger(__name__)

BATCH = 2000  # rows per delete: each its own short transaction, whatever the backlog
EVERY = timedelta(minutes=10)  # the sweep calls every few seconds; the retention is in hours

_due: dict[str, datetime] = {}
_due_lock = threading.Lock()


def replay_log_prune(
    model: type[models.Model], *, owner: str, at: str, now: datetime | None = None
) -> int:
    """Delete ``model``'s rows older than the retention, ``BATCH`` at a time, keeping each
    ``owner``'s newest row; returns how many went. Harmless when run twice or in two processes
    at once: a row is deleted only if it is old and a newer row of its owner exists.

    Rows go by number, below the first number written since the cutoff: everything kept is then
    newer than everything deleted (a clock that steps back between two writers cannot leave a
    deleted row behind a kept one)."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.LIVE_REPLAY_RETENTION_HOURS)
    rows = model._default_manager.all()
    boundary = (
        rows.filter(**{f"{at}__gte": cutoff}).order_by("pk").values_list("pk", flat=True).first()
    )
    if boundary is None:  # nothing recent: everything written so far is old
        latest = rows.order_by("-pk").values_list("pk", flat=True).first()
        if latest is None:
            return 0
        boundary = latest + 1
    newest = rows.filter(**{owner: OuterRef(owner)}).order_by("-pk").values("pk")[:1]
    deleted, after = 0, 0
    while True:
        ids = list(
            rows.filter(pk__gt=after, pk__lt=boundary)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            break
        after = ids[-1]
        with transaction.atomic():
            count, _ = rows.filter(pk__in=ids).exclude(pk=Subquery(newest)).delete()
        deleted += count
    if deleted:
        log.info("replay_log.pruned", table=model._meta.db_table, rows=deleted)
    return deleted


def prune_job(name: str, model: type[models.Model], *, owner: str, at: str) -> datetime:
    """``replay_log_prune`` as a scheduled job: at most once per ``EVERY`` in this process (the
    sweep calls each job every few seconds). The memory is only a hint: a restarted scheduler
    prunes at once, which is harmless."""
    now = timezone.now()
    with _due_lock:
        due = _due.get(name)
        if due is not None and now < due:
            return due
        _due[name] = now + EVERY
    replay_log_prune(model, owner=owner, at=at, now=now)
    return now + EVERY
