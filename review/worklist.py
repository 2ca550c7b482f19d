"""For the gold group, on the home page's work list (``partnership.worklist``): the running major
incidents with a missed protocol step (late and still open, or done late), worst first."""

from __future__ import annotations

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from escalation.models import Duty, DutyState, IncidentState
from escalation.rules import incidents_visible
from partnership.models import Member, Role
from partnership.worklist import WorkAction, WorkItem, WorkSource, worklist_register
from review.compliance import duration_words


def missed_steps(member: Member) -> list[WorkItem]:
    now = timezone.now()
    running = incidents_visible(member).filter(
        state__in=(IncidentState.DECLARED_MAJOR, IncidentState.STOOD_DOWN)
    )
    # Late and still open (not waiting: that is the earlier step's miss), or done late.
    missed = (
        Duty.objects.filter(incident__in=running)
        .filter(
            Q(state__in=(DutyState.PENDING, DutyState.OVERDUE, DutyState.ESCALATED), due_at__lt=now)
            | Q(state=DutyState.DONE, completed_at__gt=F("due_at"))
        )
        .select_related("incident", "incident__area")
        .order_by("due_at", "pk")
    )
    by_incident: dict[int, list[Duty]] = {}
    for duty in missed:
        by_incident.setdefault(duty.incident_id, []).append(duty)
    items = []
    for duties in by_incident.values():
        incident = duties[0].incident
        still_open = [d for d in duties if d.completed_at is None]
        lines = "; ".join(
            f"{d.description} ("
            + (
                f"{duration_words((now - d.due_at).total_seconds())} late, not yet done"
                if d.completed_at is None
                else f"done {duration_words((d.completed_at - d.due_at).total_seconds())} late"
            )
            + ")"
            for d in duties
        )
        timeline = reverse("incident-timeline", args=[incident.pk])
        items.append(
            WorkItem(
                key=f"missed-{incident.pk}",
                what=f"{incident.reference} in {incident.area}: {len(duties)} protocol "
                f"step{'s' if len(duties) != 1 else ''} missed",
                url=reverse("incident-detail", args=[incident.pk]),
                about=lines,
                due_at=duties[0].due_at,
                note=(
                    f"{len(still_open)} still not done." if still_open else "All done, but late."
                ),
                late=bool(still_open),
                actions=(WorkAction(url=timeline, label="Read the timeline", post=False),),
            )
        )
    return items


def register() -> None:
    worklist_register(
        WorkSource(
            key="missed",
            heading="Major incidents with missed steps",
            empty="No running major incident has missed a protocol step.",
            concerns=lambda m: m.has_role(Role.GOLD_GROUP),
            items=missed_steps,
            order=50,
        )
    )
