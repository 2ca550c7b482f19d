"""Duties: completing, waiving, the debrief meeting, and the ladder of an overdue duty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from escalation.models import FINISHED_DUTY_STATES, Completion, Duty, DutyState, Meeting
from escalation.services.common import _aware, _board_changed
from notifications.ladder.engine import ladder_climb, ladder_fall_due
from notifications.ladder.kinds import Alert, Firing, LadderKind, ladder_register
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Member, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record


# --- Duties --------------------------------------------------------------------------------------
def _locked_duty(duty_id: int) -> Duty:
    return DUTIES.lock(duty_id)


def duty_waiting_for(duty: Duty) -> list[Duty]:
    """The earlier duties this one waits for that are not yet done or waived."""
    if not duty.waits_for:
        return []
    return list(
        Duty.objects.filter(incident_id=duty.incident_id, step_code__in=duty.waits_for)
        .exclude(state__in=FINISHED_DUTY_STATES)
        .order_by("order")
    )


def _duty_send(
    duty: Duty,
    *,
    sender: Member | None,
    message: str,
    purposes: Sequence[str],
    urgency: str = Urgency.NORMAL,
    audiences: Sequence[Audience] | None = None,
) -> None:
    notify(
        audiences=Audience.parse_all(duty.informs) if audiences is None else audiences,
        title=f"{duty.incident.reference}: {duty.description}",
        body=message,
        purposes=purposes,
        cause=f"duty:{duty.pk}:done",
        subject=duty,
        scope=Scope.incident(duty.incident_id),
        sender=sender,
        urgency=urgency,
        ack_ladder=duty.ack_ladder,
    )


@dataclass(frozen=True)
class MeetingPlan:
    starts_at: datetime
    ends_at: datetime
    location: str
    invitees: Sequence[Member]


@transaction.atomic
def duty_complete(
    *,
    actor: Member,
    duty_id: int,
    message: str = "",
    purposes: Sequence[str] = (Purpose.SITUATION, Purpose.COORDINATION),
    meeting: MeetingPlan | None = None,
) -> Duty:
    """The owner does what the duty stands for: sends its message (the evidence is the message
    itself) or, for the debrief, schedules the meeting."""
    duty = _locked_duty(duty_id)
    require(actor, "duty.complete", duty)
    if not can_proceed(duty.complete):
        raise ConflictError(f"This duty is already {duty.get_state_display().lower()}.")
    waiting = duty_waiting_for(duty)
    if waiting:
        raise ConflictError(
            "This duty waits for: " + "; ".join(d.description for d in waiting) + "."
        )
    bad = [p for p in purposes if p not in Purpose.values]
    if bad or not purposes:
        raise ValidationError(
            {"purposes": f"Choose one or more purposes: {', '.join(Purpose.values)}."}
        )
    now = timezone.now()
    if duty.completion == Completion.MEETING:
        if meeting is None:
            raise ValidationError({"meeting": "Give the debrief's time, place and invitees."})
        created = _meeting_schedule(duty, actor=actor, plan=meeting, now=now)
        summary = (
            f"Debrief on {timezone.localtime(created.starts_at):%a %d %b %Y %H:%M} "
            f"at {created.location}." + (f"\n{message.strip()}" if message.strip() else "")
        )
        duty.complete(at=now, by=actor, message=summary)
    else:
        if not message.strip():
            raise ValidationError(
                {
                    "message": (
                        "Write the message this duty sends; it is the record that the duty "
                        "was done."
                    )
                }
            )
        _duty_send(duty, sender=actor, message=message.strip(), purposes=purposes)
        duty.complete(at=now, by=actor, message=message.strip())
    duty.save()
    audit_record(
        actor=actor,
        verb="duty.completed",
        subject=duty,
        scope=Scope.incident(duty.incident_id),
        changes={
            "step": duty.step_code,
            "due_at": duty.due_at,
            "late": now > duty.due_at,
            "purposes": list(purposes),
        },
    )
    _board_changed(duty.incident)
    return duty


def _meeting_schedule(duty: Duty, *, actor: Member, plan: MeetingPlan, now: datetime) -> Meeting:
    errors: dict[str, str] = {}
    if _aware(plan.starts_at, "starts_at") <= now:
        errors["starts_at"] = "The debrief must be scheduled for a time still to come."
    if _aware(plan.ends_at, "ends_at") <= plan.starts_at:
        errors["ends_at"] = "The debrief must end after it starts."
    if not plan.location.strip():
        errors["location"] = "Say where the debrief will be held."
    if not plan.invitees:
        errors["invitees"] = "Invite at least one person."
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        incident=duty.incident,
        duty=duty,
        title=f"Formal debrief: {duty.incident.reference}",
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        location=plan.location.strip(),
        organiser=actor,
    )
    meeting.invitees.set(plan.invitees)
    audit_record(
        actor=actor,
        verb="meeting.scheduled",
        subject=meeting,
        scope=Scope.incident(duty.incident_id),
        changes={
            "starts_at": plan.starts_at,
            "location": meeting.location,
            "invitee_ids": sorted(m.pk for m in plan.invitees),
        },
    )
    notify(
        audiences=[Audience.member(m.pk) for m in plan.invitees],
        title=meeting.title,
        body=(
            f"You are invited to the formal debrief of incident {duty.incident.reference}: "
            f"{timezone.localtime(plan.starts_at):%a %d %b %Y %H:%M} to "
            f"{timezone.localtime(plan.ends_at):%H:%M}, {meeting.location}."
        ),
        purposes=[Purpose.COORDINATION],
        cause=f"meeting:{meeting.pk}:invited",
        subject=meeting,
        scope=Scope.incident(duty.incident_id),
        sender=actor,
        ack_ladder=duty.ack_ladder,
    )
    return meeting


@transaction.atomic
def duty_waive(*, actor: Member, duty_id: int, reason: str) -> Duty:
    duty = _locked_duty(duty_id)
    require(actor, "duty.waive", duty)
    if not reason.strip():
        raise ValidationError({"reason": "Say why this duty is being waived."})
    if not can_proceed(duty.waive):
        raise ConflictError(f"This duty is already {duty.get_state_display().lower()}.")
    duty.waive(at=timezone.now(), by=actor, reason=reason.strip())
    duty.save()
    audit_record(
        actor=actor,
        verb="duty.waived",
        subject=duty,
        scope=Scope.incident(duty.incident_id),
        changes={"step": duty.step_code, "reason": duty.waived_reason},
    )
    _board_changed(duty.incident)
    return duty


# --- The ladder of an overdue duty ----------------------------------------------------------------
class DutyLadder(LadderKind[Duty]):
    """A duty turns overdue at its due time; its rungs count from then. Its owner is the role the
    protocol step names, so "owner" reaches whoever holds that role and "deputy" their deputies."""

    model = Duty
    name = "duty"
    waiting_states = (DutyState.PENDING,)
    climbing_states = (DutyState.OVERDUE, DutyState.ESCALATED)
    related = ("incident",)

    def owner(self, thing: Duty) -> list[Audience]:
        # A step the engine completes itself has no owner (and no ladder).
        return [Audience.role(thing.owner_role)] if thing.owner_role else []

    def deputies(self, thing: Duty) -> list[Audience]:
        return [Audience.deputy(thing.owner_role)] if thing.owner_role else []

    def scope(self, thing: Duty) -> Scope:
        return Scope.incident(thing.incident_id)

    def details(self, thing: Duty) -> dict[str, Any]:
        return {"step": thing.step_code}

    def alert(self, thing: Duty, firing: Firing) -> Alert:
        owner = Role(thing.owner_role).label if thing.owner_role else "the engine"
        return Alert(
            title=f"OVERDUE {thing.incident.reference}: {thing.description}",
            body=(
                f"This duty was due {timezone.localtime(thing.due_at):%a %d %b %Y %H:%M} "
                f"({thing.due_explanation}) and is not done. Owner: {owner}."
            ),
            purposes=[Purpose.COORDINATION],
        )

    def after_change(self, thing: Duty) -> None:
        _board_changed(thing.incident)


DUTIES = ladder_register(DutyLadder())


def duty_mark_overdue(*, duty_id: int, now: datetime | None = None) -> bool:
    """A pending duty past its due time becomes overdue, and its ladder starts. Returns False
    (and changes nothing) when the duty no longer wants it."""
    return ladder_fall_due(DUTIES, pk=duty_id, now=now)


def duty_escalate(*, duty_id: int, now: datetime | None = None) -> int:
    """Fire every ladder rung now due. Returns how many fired (0 when the duty no longer wants
    it: done, waived, or already escalated by another run)."""
    return ladder_climb(DUTIES, pk=duty_id, now=now)
