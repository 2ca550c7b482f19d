"""What every escalation service shares: the board's live group, and times
that must carry their zone.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from escalation.models import (
    BoardChange,
    Incident,
)
from partnership.live import group_send_now, group_send_on_commit
from partnership.locks import advisory_xact_lock
from partnership.worklist import worklist_changed_on_commit


def board_group(partnership_id: int) -> str:
    """The group of one partnership's board sockets: a push never leaves its partnership."""
    return f"escalation.board.{partnership_id}"


def board_panel_changed(partnership_id: int, *, panel: str, rule: str) -> None:
    """A panel a higher app adds to the board changed (``views.board_panel_register``): each
    board of the partnership whose member passes ``rule`` fetches it again, after commit."""
    group_send_on_commit(
        board_group(partnership_id), {"type": "board.panel", "panel": panel, "rule": rule}
    )


def board_change_publish(*, partnership_id: int, incident_id: int, state: str) -> int:
    """Number the change for the partnership's board (in the database, in commit order), then
    push it. Returns its number; the change is kept whether or not the push reached Redis (a
    board page asks for what it missed on every reconnect and heartbeat).

    Caller has committed the change itself: a change is numbered only once it is true."""
    with transaction.atomic():
        advisory_xact_lock(f"escalation.board.{partnership_id}")
        change = BoardChange.objects.create(
            partnership_id=partnership_id, incident_id=incident_id, state=state
        )
    group_send_now(
        board_group(partnership_id),
        {"type": "board.changed", "id": change.pk, "incident_id": incident_id, "state": state},
    )
    return change.pk


def _board_changed(incident: Incident) -> None:
    partnership_id, incident_id, state = incident.partnership_id, incident.pk, incident.state
    # Robust: numbering the change is a hint for open pages, never a failure of the request
    # that made it (the pages fetch the board afresh when they reconnect).
    transaction.on_commit(
        lambda: board_change_publish(
            partnership_id=partnership_id, incident_id=incident_id, state=state
        ),
        robust=True,
    )
    # The same change may add to, or take from, someone's work list.
    worklist_changed_on_commit(incident.partnership_id)


def _aware(moment: datetime, field: str) -> datetime:
    if timezone.is_naive(moment):
        raise ValidationError(
            {field: "Give a time with its time zone (for example 2026-11-21T14:30:00Z)."}
        )
    return moment
