"""Actions a partnership agrees outside a risk conference (at a debrief, or on its strategy action
plan): an owner, a date, progress notes (a plan's are reviewed at strategy group meetings), the
outcome when done, and the ladder of an overdue action on the one ladder engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from conference.models import Conference, ConferenceKind
from escalation.deadlines import LONDON
from notifications.audiences import deputies_of
from notifications.ladder.engine import ladder_climb, ladder_fall_due
from notifications.ladder.kinds import Alert, Firing, LadderKind, ladder_register
from notifications.ladder.rungs import DEPUTY, OWNER, Rung, ladder_stored
from notifications.models import Purpose
from notifications.services import notify
from notifications.wording import title_words
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Member, Partnership, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.selectors import members_active
from partnership.timeline import audit_record
from partnership.worklist import worklist_changed_on_commit
from review.models import Debrief, PlanAction, PlanActionNote, PlanActionState

DAY = 24 * 3600
# An overdue action reminds its owner on the day, their deputy a day later, the CSP Co-ordinator
# after two days and the Council chief officer after five (counted from the due time).
PLAN_ACTION_LADDER: list[dict[str, Any]] = ladder_stored(
    Rung(0, OWNER),
    Rung(DAY, DEPUTY),
    Rung(2 * DAY, Audience.role(Role.CSP_COORDINATOR)),
    Rung(5 * DAY, Audience.role(Role.COUNCIL_CHIEF_OFFICER)),
)
# How far ahead an action's date may be set.
LONGEST_NOTICE = timedelta(days=2 * 366)


@dataclass(frozen=True)
class ActionPlan:
    """An action to agree: what, who owns it (a member of the partnership), due by which day."""

    description: str
    owner_id: int
    due_on: date


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LONDON) - timedelta(
        microseconds=1
    )


def _day_words(moment: datetime) -> str:
    local = timezone.localtime(moment, LONDON)
    return f"{local:%a} {local.day} {local:%B %Y}"


def _scope(action: PlanAction) -> Scope | None:
    return Scope.incident(action.debrief.incident_id) if action.debrief else None


def _page(action: PlanAction) -> str:
    if action.debrief is not None:
        return reverse("debrief", args=[action.debrief.incident_id])
    return reverse("strategy-plan")


def plan_actions_create(
    *,
    actor: Member,
    partnership: Partnership,
    debrief: Debrief | None,
    plans: Sequence[ActionPlan],
    now: datetime,
) -> list[PlanAction]:
    """Create the actions in the caller's transaction (after the caller asked who may), each
    owner told. Every plan is checked first: one bad plan refuses them all."""
    errors: list[str] = []
    owners = {
        m.pk: m
        for m in members_active(partnership).filter(
            pk__in={p.owner_id for p in plans}, agency__isnull=False
        )
    }
    today = timezone.localdate()
    for number, plan in enumerate(plans, start=1):
        if not plan.description.strip():
            errors.append(f"Action {number}: say what is to be done.")
        if plan.owner_id not in owners:
            errors.append(f"Action {number}: choose its owner from the partnership's members.")
        if plan.due_on < today:
            errors.append(f"Action {number}: its date must not be in the past.")
        elif plan.due_on > today + LONGEST_NOTICE:
            errors.append(f"Action {number}: set a date within two years.")
    if errors:
        raise ValidationError({"actions": errors})
    created = []
    for plan in plans:
        owner = owners[plan.owner_id]
        assert owner.agency is not None  # noqa: S101 (owners are chosen with an agency)
        action = PlanAction.objects.create(
            partnership=partnership,
            debrief=debrief,
            description=plan.description.strip(),
            owner=owner,
            owner_agency=owner.agency,
            due_at=_end_of(plan.due_on),
            ladder=PLAN_ACTION_LADDER,
            created_by=actor,
            created_at=now,
        )
        audit_record(
            actor=actor,
            verb="plan_action.agreed",
            subject=action,
            scope=_scope(action),
            changes={"owner_id": owner.pk, "due_at": action.due_at},
        )
        notify(
            audiences=[Audience.member(owner.pk)],
            title=f"An action for you, due {_day_words(action.due_at)}",
            body=(
                f"{action.description}\n\nDue by {_day_words(action.due_at)}. Record what was "
                f"done at {_page(action)}."
            ),
            purposes=[Purpose.COORDINATION],
            cause=f"plan-action:{action.pk}:agreed",
            subject=action,
            scope=_scope(action),
            sender=actor,
            ack_ladder=[],  # the action's own ladder chases it
        )
        created.append(action)
    # The owners' work lists show them at once.
    worklist_changed_on_commit(partnership.pk)
    return created


@transaction.atomic
def plan_action_add(*, actor: Member, debrief_id: int, plan: ActionPlan) -> PlanAction:
    """One more action agreed at (or after) a debrief."""
    debrief = Debrief.objects.select_for_update(of=("self",)).get(pk=debrief_id)
    require(actor, "debrief.record", debrief)
    return plan_actions_create(
        actor=actor,
        partnership=debrief.partnership,
        debrief=debrief,
        plans=[plan],
        now=timezone.now(),
    )[0]


@transaction.atomic
def strategy_action_add(*, actor: Member, plan: ActionPlan) -> PlanAction:
    """An action on the partnership's strategy action plan (the CSP Co-ordinator)."""
    require(actor, "strategy.manage")
    partnership = actor.partnership
    assert partnership is not None  # noqa: S101 (the rule needs one)
    return plan_actions_create(
        actor=actor, partnership=partnership, debrief=None, plans=[plan], now=timezone.now()
    )[0]


@transaction.atomic
def plan_action_note(
    *, actor: Member, action_id: int, text: str, meeting_id: int | None = None
) -> PlanActionNote:
    """A note of progress on an action (its owner or the CSP Co-ordinator), made at a strategy
    group meeting of the partnership if ``meeting_id`` names one."""
    action = PLAN_ACTIONS.lock(action_id)
    require(actor, "plan_action.note", action)
    errors: dict[str, str] = {}
    text = text.strip()
    if not text:
        errors["text"] = "Write the progress to note."
    meeting = None
    if meeting_id is not None:
        meeting = Conference.objects.filter(
            pk=meeting_id, partnership_id=action.partnership_id, kind=ConferenceKind.STRATEGY
        ).first()
        if meeting is None:
            errors["meeting_id"] = "Choose one of the partnership's strategy group meetings."
    if errors:
        raise ValidationError(errors)
    note = PlanActionNote.objects.create(
        action=action, author=actor, text=text, written_at=timezone.now(), meeting=meeting
    )
    audit_record(
        actor=actor,
        verb="plan_action.noted",
        subject=action,
        scope=_scope(action),
        changes={"note_id": note.pk, "meeting_id": meeting_id},
    )
    return note


@transaction.atomic
def plan_action_complete(*, actor: Member, action_id: int, outcome: str) -> PlanAction:
    """Its owner (or the CSP Co-ordinator) records what was done; the ladder stops."""
    action = PLAN_ACTIONS.lock(action_id)
    require(actor, "plan_action.complete", action)
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError({"outcome": "Say what was done."})
    if not can_proceed(action.complete):
        raise ConflictError(f"This action is already {action.get_state_display().lower()}.")
    now = timezone.now()
    action.complete(at=now, by=actor, outcome=outcome)
    action.save()
    audit_record(
        actor=actor,
        verb="plan_action.completed",
        subject=action,
        scope=_scope(action),
        changes={"late": now > action.due_at},
    )
    worklist_changed_on_commit(action.partnership_id)
    return action


# --- The ladder of an overdue action -------------------------------------------------------------
class PlanActionLadder(LadderKind[PlanAction]):
    """An action turns overdue at the end of its day; its rungs count from then. Its owner is the
    member who took it on, "deputy" their deputies."""

    model = PlanAction
    name = "plan_action"
    waiting_states = (PlanActionState.OPEN,)
    climbing_states = (PlanActionState.OVERDUE, PlanActionState.ESCALATED)
    related = ("owner", "owner_agency", "debrief")

    def owner(self, thing: PlanAction) -> list[Audience]:
        return [Audience.member(thing.owner_id)]

    def deputies(self, thing: PlanAction) -> list[Audience]:
        return deputies_of(thing.owner_id, partnership_id=thing.partnership_id)

    def scope(self, thing: PlanAction) -> Scope | None:
        return _scope(thing)

    def alert(self, thing: PlanAction, firing: Firing) -> Alert:
        if firing.escalates:
            news = (
                f"An action {thing.owner} ({thing.owner_agency}) took on was due "
                f"{_day_words(thing.due_at)}."
            )
            ask = "Please make sure it is done."
        else:
            news = f"Your action “{thing.description}” was due {_day_words(thing.due_at)}."
            ask = "Please do it and record it done."
        return Alert(
            title=title_words(news, ask),
            body=(
                f"{thing.description}\nOwner: {thing.owner} ({thing.owner_agency}). Was due by "
                f"{_day_words(thing.due_at)}. Record what was done at {_page(thing)}."
            ),
            purposes=[Purpose.COORDINATION],
        )

    def after_change(self, thing: PlanAction) -> None:
        # Late now: the owner's work list shows it so.
        worklist_changed_on_commit(thing.partnership_id)


PLAN_ACTIONS = ladder_register(PlanActionLadder())


def plan_action_mark_overdue(*, action_id: int, now: datetime | None = None) -> bool:
    """An open action past its date becomes overdue, and its ladder starts. Returns False
    (changing nothing) when it no longer wants it."""
    return ladder_fall_due(PLAN_ACTIONS, pk=action_id, now=now)


def plan_action_escalate(*, action_id: int, now: datetime | None = None) -> int:
    """Fire every rung of the action's ladder now due; how many fired."""
    return ladder_climb(PLAN_ACTIONS, pk=action_id, now=now)
