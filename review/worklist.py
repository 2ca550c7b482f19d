"""On the home page's work list (``partnership.worklist``): for the gold group, the running major
incidents with a missed protocol step (late and still open, or done late), worst first; for
anyone, the actions they own from a debrief or on the strategy action plan, each with the form to
record it done on the spot."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from escalation.models import Duty, DutyState, IncidentState
from escalation.rules import incidents_visible
from partnership.models import Member, Role
from partnership.permissions import can
from partnership.worklist import WorkAction, WorkItem, WorkSource, worklist_register
from review.compliance import duration_words
from review.debrief_forms import PlanActionCompleteForm
from review.models import OPEN_PLAN_ACTION_STATES, PlanAction, PlanActionState


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


def _owned(member: Member) -> QuerySet[PlanAction]:
    return PlanAction.objects.filter(
        owner=member, partnership=member.partnership, state__in=OPEN_PLAN_ACTION_STATES
    )


def _plan_action(member: Member, action: PlanAction) -> WorkItem:
    if action.debrief is not None:
        incident = action.debrief.incident
        url = f"{reverse('debrief', args=[incident.pk])}#action-{action.pk}"
        about = f"Agreed at the debrief of {incident.reference} in {incident.area}"
        reason = "the date agreed at the debrief"
    else:
        url = f"{reverse('strategy-plan')}#action-{action.pk}"
        about = "On the partnership's strategy action plan"
        reason = "the target date on the strategy action plan"
    actions: tuple[WorkAction, ...] = ()
    if can(member, "plan_action.complete", action):
        actions = (
            WorkAction(
                url=reverse("plan-action-complete", args=[action.pk]),
                label="Record it done",
                form=PlanActionCompleteForm(prefix=f"complete-{action.pk}"),
            ),
        )
    return WorkItem(
        key=f"plan-action-{action.pk}",
        what=action.description,
        url=url,
        about=about,
        due_at=action.due_at,
        reason=reason,
        late=action.state in (PlanActionState.OVERDUE, PlanActionState.ESCALATED),
        actions=actions,
    )


def plan_actions(member: Member) -> list[WorkItem]:
    """The member's open actions agreed at a debrief or on the strategy action plan, in their
    partnership, by date."""
    owned = _owned(member).select_related("debrief__incident__area").order_by("due_at", "pk")
    return [_plan_action(member, action) for action in owned]


def register() -> None:
    worklist_register(
        WorkSource(
            key="plan-actions",
            heading="Your actions from debriefs and the strategy action plan",
            empty="No debrief or strategy plan action is waiting for you.",
            concerns=lambda m: _owned(m).exists(),
            items=plan_actions,
            order=36,
        )
    )
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
