"""Actions after the meeting: completing them, and the ladder of an overdue action."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from conference.models import (
    Action,
    ActionRung,
    ActionState,
)
from conference.services.common import _conference_scope
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.errors import ConflictError
from partnership.models import Member, Role
from partnership.permissions import require
from partnership.timeline import audit_record

# Overdue actions alert the owner at once, the CSP Co-ordinator a day later, the gold group after
# three days (counted from the due time), like the protocol's duties.
ACTION_LADDER: list[dict[str, Any]] = [
    {"after_seconds": 0, "to": "owner"},
    {"after_seconds": 24 * 3600, "to": f"role:{Role.CSP_COORDINATOR}"},
    {"after_seconds": 3 * 24 * 3600, "to": f"role:{Role.GOLD_GROUP}"},
]


# --- Actions after the meeting -------------------------------------------------------------------
def _locked_action(action_id: int) -> Action:
    action: Action = (
        Action.objects.select_for_update(of=("self",))
        .select_related("owner", "conference")
        .get(pk=action_id)
    )
    return action


@transaction.atomic
def action_complete(*, actor: Member, action_id: int, outcome: str) -> Action:
    action = _locked_action(action_id)
    require(actor, "action.complete", action)
    if not outcome.strip():
        raise ValidationError({"outcome": "Say what was done."})
    if not can_proceed(action.complete):
        raise ConflictError(f"This action is already {action.get_state_display().lower()}.")
    action.complete(at=timezone.now(), by=actor, outcome=outcome.strip())
    action.save()
    audit_record(
        actor=actor,
        verb="action.completed",
        subject=action,
        scope=_conference_scope(action.conference_id),
        changes={"late": action.completed_at is not None and action.completed_at > action.due_at},
    )
    return action


def _action_rung_time(action: Action, index: int) -> datetime | None:
    if index >= len(action.ladder):
        return None
    return action.due_at + timedelta(seconds=int(action.ladder[index]["after_seconds"]))


@transaction.atomic
def action_mark_overdue(*, action_id: int, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    action = _locked_action(action_id)
    if action.state != ActionState.OPEN or action.due_at > now:
        return False
    action.mark_overdue(at=now)
    action.next_rung = 0
    action.next_rung_at = _action_rung_time(action, 0)
    action.save()
    audit_record(
        actor=None,
        verb="action.overdue",
        subject=action,
        scope=_conference_scope(action.conference_id),
    )
    _action_fire_rungs(action, now)
    return True


@transaction.atomic
def action_escalate(*, action_id: int, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return _action_fire_rungs(_locked_action(action_id), now)


def _action_fire_rungs(action: Action, now: datetime) -> int:
    """Caller holds the action's row lock. Each rung fires once (unique row per rung)."""
    fired = 0
    while (
        action.state in (ActionState.OVERDUE, ActionState.ESCALATED)
        and action.next_rung_at is not None
        and action.next_rung_at <= now
    ):
        index = action.next_rung
        to = action.ladder[index]["to"]
        audience = f"member:{action.owner_id}" if to == "owner" else to
        ActionRung.objects.create(action=action, index=index, audience=audience, fired_at=now)
        notify(
            audiences=[audience],
            title=f"OVERDUE action from “{action.conference.title}”"[:200],
            body=(
                f"{action.description}\nOwner: {action.owner} ({action.owner_agency}). "
                f"Was due {timezone.localtime(action.due_at):%a %d %b %Y %H:%M}."
            ),
            purposes=[Purpose.COORDINATION],
            cause=f"action:{action.pk}:rung:{index}",
            subject=action,
            scope=_conference_scope(action.conference_id),
            urgency=Urgency.URGENT,
            ack_ladder=[],
        )
        action.climb(next_rung_at=_action_rung_time(action, index + 1), escalates=to != "owner")
        action.save()
        audit_record(
            actor=None,
            verb="action.escalated",
            subject=action,
            scope=_conference_scope(action.conference_id),
            changes={"rung": index, "audience": audience},
        )
        fired += 1
    return fired
