"""How an incident's protocol was kept: each duty met or missed and by how much, and the same
across incidents (share met on time, median and worst time to complete, incidents that missed a
step). Pages and the API choose the incidents through ``compliance_incidents`` alone."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from escalation.models import Duty, DutyState, Incident
from escalation.rules import incidents_visible
from partnership.models import Member, Partnership


@dataclass(frozen=True)
class ComplianceFilter:
    """Which major incidents to count: declared in ``since``..``until`` (both inclusive), in an
    area, of a strand; any of them may be left out."""

    since: datetime | None = None
    until: datetime | None = None
    area_id: int | None = None
    strand: str = ""


def compliance_incidents(member: Member, wanted: ComplianceFilter) -> QuerySet[Incident]:
    """The declared major incidents ``wanted`` names, among those the member may see."""
    return _wanted(incidents_visible(member), wanted)


def partnership_compliance_incidents(
    partnership: Partnership, wanted: ComplianceFilter
) -> QuerySet[Incident]:
    """The declared major incidents ``wanted`` names among all of one partnership's: what its
    co-ordinator's compliance page counts, for figures that name no incident (an oversight
    body's)."""
    return _wanted(Incident.objects.filter(partnership=partnership), wanted)


def _wanted(incidents: QuerySet[Incident], wanted: ComplianceFilter) -> QuerySet[Incident]:
    incidents = incidents.filter(declared_at__isnull=False)
    if wanted.since is not None:
        incidents = incidents.filter(declared_at__gte=wanted.since)
    if wanted.until is not None:
        incidents = incidents.filter(declared_at__lte=wanted.until)
    if wanted.area_id is not None:
        incidents = incidents.filter(area_id=wanted.area_id)
    if wanted.strand:
        incidents = incidents.filter(strand_rows__strand=wanted.strand)
    return incidents.distinct()


def duration_words(seconds: float) -> str:
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


def _late_open(duty: Duty, now: datetime) -> bool:
    """Open past its due time: missed already, though not yet done. A step still waiting for
    an earlier one is not its owner's miss (the earlier step is)."""
    return duty.state != DutyState.WAITING and duty.due_at < now


def duty_compliance(duty: Duty, now: datetime | None = None) -> dict[str, Any]:
    """Met or missed, and by how much (an open duty past its due time is missed by how late it
    is so far). A waived duty is neither (it is reported as waived)."""
    now = now or timezone.now()
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
    elif duty.completed_at is None and _late_open(duty, now):
        late = (now - duty.due_at).total_seconds()
        result.update(
            outcome="missed", by_seconds=late, by=duration_words(late) + " late, not yet done"
        )
    elif duty.completed_at is None:
        result.update(outcome="open", by_seconds=None, by="")
    else:
        late = (duty.completed_at - duty.due_at).total_seconds()
        result.update(
            outcome="met" if late <= 0 else "missed",
            by_seconds=late,
            by=duration_words(late if late > 0 else -late) + (" late" if late > 0 else " early"),
        )
    return result


def incident_compliance(incident: Incident) -> list[dict[str, Any]]:
    now = timezone.now()
    duties = incident.duties.prefetch_related("rungs").order_by("order")
    return [duty_compliance(d, now) for d in duties]


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
            "median_to_complete": duration_words(statistics.median(self.completion_seconds))
            if self.completion_seconds
            else None,
            "worst_to_complete": duration_words(max(self.completion_seconds))
            if self.completion_seconds
            else None,
        }


def compliance_across(incidents: QuerySet[Incident]) -> dict[str, Any]:
    """Per step: how often it was met on time (a step open past its due time is missed), the
    median and worst time to complete (from the declaration), and the incidents with missed
    steps."""
    now = timezone.now()
    figures: dict[str, StepFigures] = {}
    missed_incidents: dict[int, list[str]] = {}
    duties: Iterable[Duty] = (
        Duty.objects.filter(incident__in=incidents).select_related("incident").order_by("order")
    )
    for duty in duties:
        row = figures.setdefault(duty.step_code, StepFigures(duty.step_code, duty.description))
        if duty.state == DutyState.WAIVED:
            row.waived += 1
        elif duty.completed_at is None and _late_open(duty, now):
            # Missed already: counted against the met share now, not when it is done.
            row.missed += 1
            missed_incidents.setdefault(duty.incident_id, []).append(duty.step_code)
        elif duty.completed_at is None:
            row.open += 1
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
