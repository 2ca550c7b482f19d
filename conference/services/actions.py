"""Actions after the meeting: completing them, and the ladder of an overdue action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from conference.models import Action, ActionState
from conference.services.minutes import minutes_after_action
from notifications.audiences import deputies_of
from notifications.ladder.engine import ladder_climb, ladder_fall_due
from notifications.ladder.kinds import Alert, Firing, LadderKind, ladder_register
from notifications.ladder.rungs import OWNER, Rung, ladder_stored
from notifications.models import Purpose
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Member, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record
from partnership.worklist import worklist_changed_on_commit

# Overdue actions alert the owner at once, the CSP Co-ordinator a day later, the gold group after
# three days (counted from the due time), like the protocol's duties.
ACTION_LADDER: list[dict[str, Any]] = ladder_stored(
    Rung(0, OWNER),
    Rung(24 * 3600, Audience.role(Role.CSP_COORDINATOR)),
    Rung(3 * 24 * 3600, Audience.role(Role.GOLD_GROUP)),
)


# --- Actions after the meeting -------------------------------------------------------------------
def _locked_action(action_id: int) -> Action:
    return ACTIONS.lock(action_id)


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
        scope=Scope.conference(action.conference_id),
        changes={"late": action.completed_at is not None and action.completed_at > action.due_at},
    )
    minutes_after_action(action=action, actor=actor)
    worklist_changed_on_commit(action.conference.partnership_id)
    return action


# --- The ladder of an overdue action -------------------------------------------------------------
class ActionLadder(LadderKind[Action]):
    """An action turns overdue at its due date; its rungs count from then. Its owner is the
    member who took it on for their agency, so "owner" reaches them and "deputy" their deputies."""

    model = Action
    name = "action"
    waiting_states = (ActionState.OPEN,)
    climbing_states = (ActionState.OVERDUE, ActionState.ESCALATED)
    related = ("owner", "owner_agency", "conference")

    def owner(self, thing: Action) -> list[Audience]:
        return [Audience.member(thing.owner_id)]

    def deputies(self, thing: Action) -> list[Audience]:
        return deputies_of(thing.owner_id, partnership_id=thing.partnership_id)

    def scope(self, thing: Action) -> Scope:
        return Scope.conference(thing.conference_id)

    def alert(self, thing: Action, firing: Firing) -> Alert:
        due = timezone.localtime(thing.due_at)
        if not firing.escalates:
            title = (
                f"Your action from “{thing.conference.title}” was due {due:%a} {due.day} "
                f"{due:%b}. Please do it and record it done."
            )
            ask = "Please do it, and record it done on your home page."
        else:
            title = (
                f"An action {thing.owner} ({thing.owner_agency}) took on is overdue. "
                "Please make sure it is done."
            )
            ask = f"{thing.owner} has not recorded it done: please make sure it is done."
        return Alert(
            title=title[:200],
            body=(
                f"Agreed at “{thing.conference.title}”: {thing.description}\n"
                f"Owner: {thing.owner} ({thing.owner_agency}). "
                f"Due {due:%a %d %b %Y %H:%M}.\n{ask}"
            ),
            purposes=[Purpose.COORDINATION],
        )

    def after_change(self, thing: Action) -> None:
        # Late now: the owner's work list (and whoever it reached) shows it so.
        worklist_changed_on_commit(thing.conference.partnership_id)


ACTIONS = ladder_register(ActionLadder())


def action_mark_overdue(*, action_id: int, now: datetime | None = None) -> bool:
    """An open action past its due date becomes overdue, and its ladder starts. Returns False
    (and changes nothing) when the action no longer wants it."""
    return ladder_fall_due(ACTIONS, pk=action_id, now=now)


def action_escalate(*, action_id: int, now: datetime | None = None) -> int:
    """Fire every ladder rung now due; how many fired."""
    return ladder_climb(ACTIONS, pk=action_id, now=now)
