"""How an incident stood at a chosen moment.

Replay reads the recorded times (state changes from the timeline, duties' due, done and overdue
times, notifications' sent, acknowledged and answered times), so "as at 14:00" shows what was
true at 14:00, including a duty already past its due time that the engine had not yet marked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from escalation.models import Duty, DutyState, Incident
from notifications.models import Notification
from partnership.audiences import Audience
from partnership.models import AuditEvent
from partnership.scopes import Scope

_STATE_AFTER = {
    "incident.reported": "reported",
    "incident.assessment_started": "under_assessment",
    "incident.declared_major": "declared_major",
    "incident.found_not_major": "not_major",
    "incident.stood_down": "stood_down",
    "incident.closed": "closed",
}


def _duty_state_at(duty: Duty, at: datetime) -> str:
    if duty.completed_at is not None and duty.completed_at <= at:
        return DutyState.WAIVED if duty.state == DutyState.WAIVED else DutyState.DONE
    # A rung that reached only the owner reminded them; any other escalated the duty. (A duty
    # with no owner has no ladder.)
    # A step that waited for another counts from when that one was done (``duties_ready``
    # moved its deadline's start there); before then it was waiting.
    if duty.state == DutyState.WAITING or (
        duty.waits_for and duty.deadline_start is not None and at < duty.deadline_start
    ):
        return DutyState.WAITING
    owner = str(Audience.role(duty.owner_role)) if duty.owner_role else ""
    if duty.rungs.filter(fired_at__lte=at).exclude(audience=owner).exists():
        return DutyState.ESCALATED
    if duty.due_at <= at:
        return DutyState.OVERDUE
    return DutyState.PENDING


def _state_at(incident: Incident, at: datetime) -> str | None:
    """The state at ``at``. A determination counts from its ``determined_at`` (decisions are
    often recorded after the fact, and the protocol clock runs from the decision); other moves
    count from when they were recorded."""
    determinations = list(incident.determinations.all())
    # Reporting precedes any decision, even when the record of it was typed in later.
    reported = min([incident.reported_at, *(d.determined_at for d in determinations)])
    changes: list[tuple[datetime, int, str]] = [(reported, 0, "reported")]
    recorded = AuditEvent.objects.filter(
        scope=str(Scope.incident(incident.pk)),
        verb__in=["incident.assessment_started", "incident.stood_down", "incident.closed"],
    )
    changes += [(e.occurred_at, e.seq, _STATE_AFTER[e.verb]) for e in recorded]
    changes += [
        (d.determined_at, d.pk, "declared_major" if d.is_major else "not_major")
        for d in determinations
    ]
    state = None
    for when, _, after in sorted(changes):
        if when <= at:
            state = after
    return state


REPLAY_FUTURE = (
    "Replay shows the incident as it stood at a moment that has passed, and this one has not "
    "happened yet. Choose a time up to now."
)


# A person's watch may run a few minutes ahead of the service's clock, and "as at now" typed to
# the minute is meant to include what happened in that minute.
REPLAY_CLOCK_MARGIN = timedelta(minutes=5)


def replay_moment_refusal(at: datetime) -> str | None:
    """Why ``at`` cannot be replayed (a moment still to come), or None. The page and the API
    both ask here, so neither shows an empty future as if it were the record."""
    return REPLAY_FUTURE if at > timezone.now() + REPLAY_CLOCK_MARGIN else None


def incident_replay(incident: Incident, at: datetime) -> dict[str, Any]:
    state = _state_at(incident, at)
    duties = []
    for duty in incident.duties.filter(pk__in=_duties_existing_at(incident, at)).order_by("order"):
        duties.append(
            {
                "id": duty.pk,
                "step": duty.step_code,
                "description": duty.description,
                "due_at": duty.due_at.isoformat(),
                "state": _duty_state_at(duty, at),
            }
        )
    waiting = []
    for n in Notification.objects.filter(
        scope=str(Scope.incident(incident.pk)), created_at__lte=at
    ).select_related("recipient"):
        acknowledged = n.acknowledged_at is not None and n.acknowledged_at <= at
        answered = n.answered_at is not None and n.answered_at <= at
        if not acknowledged or (n.needs_reply and not answered):
            waiting.append(
                {
                    "notification_id": n.pk,
                    "recipient": str(n.recipient),
                    "title": n.title,
                    "waiting_for": "an acknowledgement" if not acknowledged else "a reply",
                }
            )
    return {
        "at": at.isoformat(),
        "state": state or "not yet reported",
        "duties": duties,
        "open": [d for d in duties if d["state"] in ("waiting", "pending", "overdue", "escalated")],
        "overdue": [d for d in duties if d["state"] in ("overdue", "escalated")],
        "done": [d for d in duties if d["state"] in ("done", "waived")],
        "not_yet_answered": waiting,
    }


def _duties_existing_at(incident: Incident, at: datetime) -> list[int]:
    """Duties exist from the declaration (an incident is declared major at most once)."""
    if incident.declared_at is None or incident.declared_at > at:
        return []
    return list(incident.duties.values_list("pk", flat=True))
