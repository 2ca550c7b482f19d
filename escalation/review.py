"""How an incident stood at a chosen moment, and how its protocol was kept.

Replay reads the recorded times (state changes from the timeline, duties' due, done and overdue
times, notifications' sent, acknowledged and answered times), so "as at 14:00" shows what was
true at 14:00, including a duty already past its due time that the engine had not yet marked.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from escalation.models import Duty, DutyState, Incident
from notifications.models import Notification
from partnership.models import AuditEvent

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
    if duty.rungs.filter(fired_at__lte=at).exclude(audience=f"role:{duty.owner_role}").exists():
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
        scope=f"incident:{incident.pk}",
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
        scope=f"incident:{incident.pk}", created_at__lte=at
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
        "open": [d for d in duties if d["state"] in ("pending", "overdue", "escalated")],
        "overdue": [d for d in duties if d["state"] in ("overdue", "escalated")],
        "done": [d for d in duties if d["state"] in ("done", "waived")],
        "not_yet_answered": waiting,
    }


def _duties_existing_at(incident: Incident, at: datetime) -> list[int]:
    """Duties exist from the declaration (an incident is declared major at most once)."""
    if incident.declared_at is None or incident.declared_at > at:
        return []
    return list(incident.duties.values_list("pk", flat=True))


# --- Compliance ----------------------------------------------------------------------------------
def _duration(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if minutes or not parts:
        parts.append(f"{minutes} min")
    return sign + " ".join(parts)


def duty_compliance(duty: Duty) -> dict[str, Any]:
    """Met or missed, and by how much. A waived duty is neither (it is reported as waived)."""
    result: dict[str, Any] = {
        "step": duty.step_code,
        "description": duty.description,
        "owner_role": duty.owner_role,
        "due_at": duty.due_at.isoformat(),
        "done_at": duty.completed_at.isoformat() if duty.completed_at else None,
        "state": duty.state,
        "escalations": [r.audience for r in duty.rungs.order_by("index")],
    }
    if duty.state == DutyState.WAIVED:
        result.update(outcome="waived", reason=duty.waived_reason, by_seconds=None, by="")
    elif duty.completed_at is None:
        result.update(outcome="open", by_seconds=None, by="")
    else:
        late = (duty.completed_at - duty.due_at).total_seconds()
        result.update(
            outcome="met" if late <= 0 else "missed",
            by_seconds=late,
            by=_duration(late if late > 0 else -late) + (" late" if late > 0 else " early"),
        )
    return result


def incident_compliance(incident: Incident) -> list[dict[str, Any]]:
    return [duty_compliance(d) for d in incident.duties.prefetch_related("rungs").order_by("order")]


@dataclass
class StepFigures:
    step: str
    description: str
    finished: int = 0
    met: int = 0
    missed: int = 0
    waived: int = 0
    open: int = 0
    completion_seconds: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        timed = self.met + self.missed
        return {
            "step": self.step,
            "description": self.description,
            "met": self.met,
            "missed": self.missed,
            "waived": self.waived,
            "open": self.open,
            "share_met": round(self.met / timed, 3) if timed else None,
            "median_to_complete": _duration(statistics.median(self.completion_seconds))
            if self.completion_seconds
            else None,
            "worst_to_complete": _duration(max(self.completion_seconds))
            if self.completion_seconds
            else None,
        }


def compliance_across(incidents: QuerySet[Incident]) -> dict[str, Any]:
    """Per step: how often it was met on time, the median and worst time to complete (from the
    declaration), and the incidents with missed steps."""
    figures: dict[str, StepFigures] = {}
    missed_incidents: dict[int, list[str]] = {}
    duties: Iterable[Duty] = (
        Duty.objects.filter(incident__in=incidents).select_related("incident").order_by("order")
    )
    for duty in duties:
        row = figures.setdefault(duty.step_code, StepFigures(duty.step_code, duty.description))
        if duty.state == DutyState.WAIVED:
            row.waived += 1
        elif duty.completed_at is None:
            row.open += 1
            if duty.state in (DutyState.OVERDUE, DutyState.ESCALATED):
                missed_incidents.setdefault(duty.incident_id, []).append(duty.step_code)
        else:
            start = duty.incident.declared_at or duty.due_at
            row.completion_seconds.append((duty.completed_at - start).total_seconds())
            if duty.completed_at <= duty.due_at:
                row.met += 1
            else:
                row.missed += 1
                missed_incidents.setdefault(duty.incident_id, []).append(duty.step_code)
    return {
        "steps": [f.as_dict() for f in figures.values()],
        "incidents_with_missed_steps": [
            {"incident_id": pk, "steps": steps} for pk, steps in sorted(missed_incidents.items())
        ],
        "incidents": incidents.count(),
    }
