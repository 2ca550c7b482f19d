"""A case's deadlines: victim contact to the standard (contact, visit, follow-up within 14 days
of the visit) and case actions, done or cancelled, and the ladder they climb when late (the one
engine, ``notifications.ladder``: owner, their deputy, then the CSP Co-ordinator)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from casework.models import Case, CaseTask, TaskKind, TaskState
from casework.standards import Step, standard_for, step_due, step_of, step_words
from conference.models import RiskLevel
from escalation.deadlines import LONDON
from notifications.audiences import deputies_of
from notifications.ladder.engine import ladder_climb, ladder_fall_due
from notifications.ladder.kinds import Alert, Firing, LadderKind, ladder_register
from notifications.ladder.rungs import DEPUTY, OWNER, Rung, ladder_stored
from notifications.models import Purpose
from notifications.services import notify
from notifications.wording import title_words
from partnership.audiences import Audience
from partnership.calendar.selectors import BankHolidays
from partnership.errors import ConflictError
from partnership.models import Agency, Member, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record
from partnership.worklist import worklist_changed_on_commit

# A late step reminds its owner at once, tells their deputy after a day and the CSP Co-ordinator
# after two (counted from the due time), like the protocol's duties.
CASE_TASK_LADDER: list[dict[str, Any]] = ladder_stored(
    Rung(0, OWNER),
    Rung(24 * 3600, DEPUTY),
    Rung(2 * 24 * 3600, Audience.role(Role.CSP_COORDINATOR)),
)
# How far ahead a case action may be dated.
LONGEST_ACTION = timedelta(days=366)


def _words(moment: datetime) -> str:
    local = timezone.localtime(moment, LONDON)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def contact_task_create(
    *,
    case: Case,
    kind: str,
    start: datetime,
    actor: Member | None,
    bank_holidays: BankHolidays | None = None,
) -> CaseTask:
    """A step of victim contact, owned by the case's lead officer, due by the standard of the
    case's risk level. The caller holds the case's lock."""
    step = step_of(standard_for(case.partnership, case.risk_level), kind)
    deadline = step_due(
        partnership=case.partnership,
        step=step,
        start=start,
        why=_why(case.risk_level, kind, step),
        bank_holidays=bank_holidays,
    )
    task = CaseTask.objects.create(
        case=case,
        kind=kind,
        description=TaskKind(kind).label,
        owner_agency=case.lead_agency,
        owner=case.lead_officer,
        due_at=deadline.due_at,
        due_explanation=deadline.explanation,
        deadline_start=start,
        deadline_kind=step.kind,
        deadline_amount=step.amount,
        deadline_division=case.partnership.division,
        ladder=CASE_TASK_LADDER,
        created_at=timezone.now(),
        created_by=actor,
    )
    _created(task, actor)
    return task


def _why(risk_level: str, kind: str, step: Step) -> str:
    what = {
        TaskKind.CONTACT: "contact",
        TaskKind.VISIT: "visit",
        TaskKind.FOLLOW_UP: "follow-up",
    }[TaskKind(kind)]
    if kind == TaskKind.FOLLOW_UP:
        return f"Follow-up {step_words(step)} of the visit"
    return f"{RiskLevel(risk_level).label} risk: {what} {step_words(step)}"


def _changed(case: Case) -> None:
    """A deadline of the case changed: open home pages in its partnership fetch their lists."""
    worklist_changed_on_commit(case.partnership_id)


def _created(task: CaseTask, actor: Member | None) -> None:
    _changed(task.case)
    audit_record(
        actor=actor,
        verb="case_task.created",
        subject=task,
        scope=Scope.incident(task.case.incident_id),
        changes={
            "case_id": task.case_id,
            "kind": task.kind,
            "owner_id": task.owner_id,
            "due_at": task.due_at,
            "why": task.due_explanation,
        },
    )


def contact_tasks_reschedule(*, case: Case, actor: Member, bank_holidays: BankHolidays) -> None:
    """The risk level changed: pending steps of victim contact are due by the new standard,
    counted from where they started. A step already late stays on its ladder."""
    for task in case.tasks.select_for_update().filter(
        kind__in=(TaskKind.CONTACT, TaskKind.VISIT), state=TaskState.PENDING
    ):
        step = step_of(standard_for(case.partnership, case.risk_level), task.kind)
        deadline = step_due(
            partnership=case.partnership,
            step=step,
            start=task.deadline_start,
            why=_why(case.risk_level, task.kind, step),
            bank_holidays=bank_holidays,
        )
        task.reschedule(
            due_at=deadline.due_at,
            explanation=deadline.explanation,
            start=task.deadline_start,
            kind=step.kind,
            amount=step.amount,
        )
        task.save()
        _changed(case)
        audit_record(
            actor=actor,
            verb="case_task.rescheduled",
            subject=task,
            scope=Scope.incident(case.incident_id),
            changes={"kind": task.kind, "due_at": task.due_at, "why": task.due_explanation},
        )


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LONDON) - timedelta(
        microseconds=1
    )


@transaction.atomic
def case_action_add(
    *, actor: Member, case_id: int, description: str, owner: Member, due_on: date
) -> CaseTask:
    """An action on the case, owned by a member of a partner agency, due by the end of
    ``due_on`` (UK time). Its owner is told."""
    case = Case.objects.select_for_update().select_related("partnership").get(pk=case_id)
    require(actor, "case.work", case)
    errors: dict[str, str] = {}
    description = description.strip()
    if not description:
        errors["description"] = "Say what is to be done."
    if owner.agency_id is None or not owner.partnerships.filter(pk=case.partnership_id).exists():
        errors["owner"] = "Choose a member of a partner agency in this partnership."
    today = timezone.localdate()
    if due_on < today:
        errors["due_on"] = "An action cannot be due in the past."
    elif due_on > today + LONGEST_ACTION:
        errors["due_on"] = "Agree a date within a year."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    due_at = _end_of(due_on)
    task = CaseTask.objects.create(
        case=case,
        kind=TaskKind.ACTION,
        description=description,
        owner_agency=owner.agency,
        owner=owner,
        due_at=due_at,
        due_explanation=f"Date agreed by {actor}: end of {due_on:%a} {due_on.day} {due_on:%b %Y}",
        deadline_start=now,
        deadline_division=case.partnership.division,
        ladder=CASE_TASK_LADDER,
        created_at=now,
        created_by=actor,
    )
    _created(task, actor)
    notify(
        audiences=[Audience.member(owner.pk)],
        title=f"{case.reference}: an action for you by {due_on:%a} {due_on.day} {due_on:%b}",
        body=f"{description}\nDue by the end of {due_on:%a} {due_on.day} {due_on:%b %Y}.",
        purposes=[Purpose.COORDINATION],
        cause=f"case_task:{task.pk}:assigned",
        subject=task,
        scope=Scope.incident(case.incident_id),
        sender=actor,
        ack_ladder=[],  # its own ladder chases it when late
    )
    return task


@transaction.atomic
def case_task_complete(
    *, actor: Member, task_id: int, note: str, done_at: datetime | None = None
) -> CaseTask:
    """Record that a step was done (when it happened, and what was done). A visit starts the
    follow-up's clock; a follow-up records what the victim says of the service."""
    task = CASE_TASKS.lock(task_id)
    require(actor, "case_task.complete", task)
    now = timezone.now()
    at = done_at or now
    if at.tzinfo is None:
        raise ValidationError({"done_at": "Give the time with its zone."})
    note = note.strip()
    errors: dict[str, str] = {}
    if at > now:
        errors["done_at"] = "It cannot have happened in the future."
    elif at < task.case.incident.occurred_at:
        errors["done_at"] = "It cannot have happened before the incident."
    if not note:
        errors["note"] = (
            "Record what the victim says of the service."
            if task.kind == TaskKind.FOLLOW_UP
            else "Say what was done."
        )
    if errors:
        raise ValidationError(errors)
    if not can_proceed(task.complete):
        raise ConflictError(f"This is already {task.get_state_display().lower()}.")
    task.complete(at=at, recorded_at=now, by=actor, note=note)
    task.save()
    _changed(task.case)
    audit_record(
        actor=actor,
        verb="case_task.done",
        subject=task,
        scope=Scope.incident(task.case.incident_id),
        changes={
            "case_id": task.case_id,
            "kind": task.kind,
            "done_at": at,
            "due_at": task.due_at,
            "late": at > task.due_at,
        },
    )
    if task.kind == TaskKind.VISIT and not task.case.tasks.filter(kind=TaskKind.FOLLOW_UP).exists():
        case = Case.objects.select_for_update().select_related("partnership").get(pk=task.case_id)
        contact_task_create(case=case, kind=TaskKind.FOLLOW_UP, start=at, actor=actor)
    return task


def case_tasks_cancel(*, case: Case, actor: Member | None, reason: str) -> int:
    """Cancel the case's open tasks (the case closed); how many. The caller holds its lock."""
    cancelled = 0
    for task in case.tasks.select_for_update().filter(
        state__in=(TaskState.PENDING, TaskState.OVERDUE, TaskState.ESCALATED)
    ):
        task.cancel(at=timezone.now(), by=actor, reason=reason)
        task.save()
        _changed(case)
        audit_record(
            actor=actor,
            verb="case_task.cancelled",
            subject=task,
            scope=Scope.incident(case.incident_id),
            changes={"case_id": case.pk, "kind": task.kind, "reason": reason},
        )
        cancelled += 1
    return cancelled


def case_tasks_reassign(*, case: Case, agency: Agency | None, officer: Member | None) -> None:
    """The lead changed: the open steps of victim contact are the new lead's (their ladders keep
    their place). The caller holds the case's lock and records the change."""
    case.tasks.filter(
        kind__in=(TaskKind.CONTACT, TaskKind.VISIT, TaskKind.FOLLOW_UP),
        state__in=(TaskState.PENDING, TaskState.OVERDUE, TaskState.ESCALATED),
    ).update(owner=officer, owner_agency=agency)
    _changed(case)


# --- The ladder of a late step --------------------------------------------------------------------
class CaseTaskLadder(LadderKind[CaseTask]):
    """A step falls due at its due time; its rungs count from then. Its owner is the member it is
    assigned to (the lead officer for victim contact); a case without a lead officer yet is the
    CSP Co-ordinator's to chase."""

    model = CaseTask
    name = "case_task"
    waiting_states = (TaskState.PENDING,)
    climbing_states = (TaskState.OVERDUE, TaskState.ESCALATED)
    related = ("case", "case__incident", "owner", "owner_agency")

    def owner(self, thing: CaseTask) -> list[Audience]:
        if thing.owner_id is None:
            return [Audience.role(Role.CSP_COORDINATOR)]
        return [Audience.member(thing.owner_id)]

    def deputies(self, thing: CaseTask) -> list[Audience]:
        if thing.owner_id is None:
            return [Audience.deputy(Role.CSP_COORDINATOR)]
        return deputies_of(thing.owner_id, partnership_id=thing.partnership_id)

    def scope(self, thing: CaseTask) -> Scope:
        return Scope.incident(thing.case.incident_id)

    def details(self, thing: CaseTask) -> dict[str, Any]:
        return {"case_id": thing.case_id, "kind": thing.kind}

    def alert(self, thing: CaseTask, firing: Firing) -> Alert:
        owner = f"{thing.owner} ({thing.owner_agency})" if thing.owner else "no lead officer yet"
        # In the reader's voice: the owner is asked to do it; whoever the ladder reaches above
        # them is asked to make sure it is done.
        step = f"{thing.get_kind_display()} for case {thing.case.reference}"
        if firing.escalates:
            news = f"{step} was due {_words(thing.due_at)} and is not recorded as done."
            ask = "Please make sure it is done."
        else:
            news = f"{step} was due {_words(thing.due_at)}."
            ask = "Please do it and record it done."
        return Alert(
            title=title_words(news, ask),
            body=(
                f"{thing.description}\nDue {_words(thing.due_at)} ({thing.due_explanation}) and "
                f"not recorded as done. Owner: {owner}.\n{ask}"
            ),
            purposes=[Purpose.COORDINATION],
        )

    def after_change(self, thing: CaseTask) -> None:
        _changed(thing.case)


CASE_TASKS = ladder_register(CaseTaskLadder())


def case_task_mark_overdue(*, task_id: int, now: datetime | None = None) -> bool:
    """A pending step past its due time becomes overdue and its ladder starts; False (changing
    nothing) when it no longer wants it."""
    return ladder_fall_due(CASE_TASKS, pk=task_id, now=now)


def case_task_escalate(*, task_id: int, now: datetime | None = None) -> int:
    """Fire every rung of the step now due; how many fired."""
    return ladder_climb(CASE_TASKS, pk=task_id, now=now)
