"""Ageing rows of a replay log past the retention and pruning them, for the tests of the pages
that replay from them (``partnership.replay``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from partnership.replay import replay_log_prune


def aged_and_pruned(model: type[models.Model], ids: list[int], *, owner: str, at: str) -> None:
    """Every row of ``model`` up to ``ids`` made older than the retention, then the log pruned
    (rows go by number, below the first recent one)."""
    hours = settings.LIVE_REPLAY_RETENTION_HOURS + 1
    model._default_manager.filter(pk__lte=max(ids)).update(
        **{at: timezone.now() - timedelta(hours=hours)}
    )
    replay_log_prune(model, owner=owner, at=at)
