"""What the conference services share: the live room's group and push, locking a
conference, and who may see an entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conference.models import (
    Conference,
    ConferenceState,
    Visibility,
)
from partnership.errors import ConflictError
from partnership.live import group_send_on_commit
from partnership.models import Agency


def room_group(conference_id: int) -> str:
    return f"conference.{conference_id}"


def _locked_conference(conference_id: int) -> Conference:
    conference: Conference = Conference.objects.select_for_update().get(pk=conference_id)
    return conference


def _open_for_planning(conference: Conference) -> None:
    if conference.state == ConferenceState.CONCLUDED:
        raise ConflictError("This conference has concluded; its agenda can no longer change.")


def _visibility_errors(visibility: str, agencies: Sequence[Agency]) -> dict[str, str]:
    if visibility not in Visibility.values:
        return {"visibility": "Choose who may see it: panel, agencies or chair."}
    if visibility == Visibility.AGENCIES and not agencies:
        return {"visible_agencies": "Name the agencies that may see it."}
    return {}


def _room_push(conference: Conference, event: dict[str, Any]) -> None:
    group_send_on_commit(room_group(conference.pk), {"type": "room.event", "event": event})
