"""Casework on the home page's work list (``partnership.worklist``): the case deadlines that are
the member's (victim contact for the cases they lead, and case actions they own), with the form
to record each done on the spot. No person's name is shown: the case's page has the details."""

from __future__ import annotations

from django.urls import reverse

from casework.forms import TaskCompleteForm
from casework.models import Case, CaseTask, TaskKind, TaskState
from casework.selectors import tasks_due_for
from partnership.models import Member
from partnership.permissions import can
from partnership.worklist import WorkAction, WorkItem, WorkSource, worklist_register

_WHAT = {
    TaskKind.CONTACT: "Contact the victim",
    TaskKind.VISIT: "Visit the victim",
    TaskKind.FOLLOW_UP: "Follow the victim up: ask what they think of the service",
}


def _item(member: Member, task: CaseTask) -> WorkItem:
    actions: tuple[WorkAction, ...] = ()
    if can(member, "case_task.complete", task):
        actions = (
            WorkAction(
                url=reverse("case-task-complete", args=[task.pk]),
                label="Record it done",
                form=TaskCompleteForm(task_id=task.pk, kind=task.kind),
            ),
        )
    case = task.case
    return WorkItem(
        key=f"case-task-{task.pk}",
        what=_WHAT.get(TaskKind(task.kind), task.description),
        url=f"{reverse('case-detail', args=[case.pk])}#task-{task.pk}",
        about=f"Case {case.reference} ({case.incident.reference} in {case.incident.area})",
        due_at=task.due_at,
        reason=task.due_explanation,
        late=task.state in (TaskState.OVERDUE, TaskState.ESCALATED),
        actions=actions,
    )


def case_deadlines(member: Member) -> list[WorkItem]:
    tasks = tasks_due_for(member).select_related("case__incident__area")
    return [_item(member, task) for task in tasks]


def _concerns(member: Member) -> bool:
    """Those who lead a case here or have a case deadline: the rest see no casework section."""
    leads = Case.objects.filter(partnership=member.partnership, lead_officer=member).exists()
    return leads or tasks_due_for(member).exists()


def register() -> None:
    worklist_register(
        WorkSource(
            key="case-deadlines",
            heading="Your case deadlines",
            empty="No case is waiting for you.",
            concerns=_concerns,
            items=case_deadlines,
            order=35,
        )
    )
