"""Scheduled work of the escalation engine: duties that fell due, ladder rungs that are due, and
board changes too old to be replayed deleted (``partnership.replay``).

The scheduler calls ``escalation_run`` at the next due time it returned and on every sweep. The
ladder engine finds the work in the database each time, and each duty it takes does nothing when
its row no longer wants it, so running this late, twice, or in two processes at once is harmless.
"""

from __future__ import annotations

from datetime import datetime

from config.scheduler import Job
from escalation.models import BoardChange
from escalation.services.duties import DUTIES
from notifications.ladder.engine import ladder_next_due, ladder_run
from partnership.replay import prune_job


def escalation_run(now: datetime | None = None) -> datetime | None:
    """Handle every duty due by ``now``; return when something next falls due."""
    return ladder_run(DUTIES, now)


def escalation_next_due() -> datetime | None:
    return ladder_next_due(DUTIES)


def board_changes_prune() -> datetime:
    return prune_job("board-changes-prune", BoardChange, owner="partnership", at="changed_at")


JOBS = [
    Job(name="escalation", run=escalation_run),
    Job(name="board-changes-prune", run=board_changes_prune),
]
