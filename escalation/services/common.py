"""What every escalation service shares: the board's live group, and times
that must carry their zone.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from escalation.models import (
    Incident,
)
from partnership.live import group_send_on_commit
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


def _board_changed(incident: Incident) -> None:
    group_send_on_commit(
        board_group(incident.partnership_id),
        {"type": "board.changed", "incident_id": incident.pk, "state": incident.state},
    )
    # The same change may add to, or take from, someone's work list.
    worklist_changed_on_commit(incident.partnership_id)


def _aware(moment: datetime, field: str) -> datetime:
    if timezone.is_naive(moment):
        raise ValidationError(
            {field: "Give a time with its time zone (for example 2026-11-21T14:30:00Z)."}
        )
    return moment
