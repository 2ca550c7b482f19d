"""How victim contact kept to the standard: per step (contact, visit, follow-up), how many were
done on time, done late, are still open (and of those, late), or were cancelled when the case
closed. Counted over any set of cases (a member's visible cases, or a partnership's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from casework.models import CONTACT_KINDS, OPEN_TASK_STATES, Case, CaseTask, TaskKind, TaskState


@dataclass(frozen=True)
class StepCompliance:
    kind: str
    label: str
    on_time: int
    late: int
    open_in_time: int
    open_late: int
    cancelled: int

    @property
    def done(self) -> int:
        return self.on_time + self.late

    @property
    def share_on_time(self) -> str:
        """Of the steps done, the share done on time; "nothing done yet" over none."""
        if not self.done:
            return "nothing done yet"
        return f"{round(100 * self.on_time / self.done)}%"

    def as_json(self) -> dict[str, Any]:
        return {
            "step": self.kind,
            "on_time": self.on_time,
            "late": self.late,
            "open_in_time": self.open_in_time,
            "open_late": self.open_late,
            "cancelled": self.cancelled,
            "share_on_time": self.share_on_time,
        }


def contact_compliance(cases: QuerySet[Case]) -> list[StepCompliance]:
    now = timezone.now()
    tasks = CaseTask.objects.filter(case__in=cases, kind__in=CONTACT_KINDS).only(
        "kind", "state", "due_at", "done_at"
    )
    counts: dict[str, dict[str, int]] = {
        kind: {"on_time": 0, "late": 0, "open_in_time": 0, "open_late": 0, "cancelled": 0}
        for kind in CONTACT_KINDS
    }
    for task in tasks:
        row = counts[task.kind]
        if task.state == TaskState.DONE:
            row["late" if task.done_late else "on_time"] += 1
        elif task.state in OPEN_TASK_STATES:
            row["open_late" if task.due_at < now else "open_in_time"] += 1
        else:
            row["cancelled"] += 1
    return [StepCompliance(kind, TaskKind(kind).label, **counts[kind]) for kind in CONTACT_KINDS]
