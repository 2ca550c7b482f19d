"""Duties: completing, waiving, the debrief meeting, and the ladder of an overdue duty."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from escalation.deadlines import deadline_compute
from escalation.models import FINISHED_DUTY_STATES, Completion, Duty, DutyState, Meeting
from escalation.services.common import _aware, _board_changed
from escalation.wording import duty_message, duty_reason, local_time, owner_words
from notifications.ladder.engine import ladder_climb, ladder_fall_due
from notifications.ladder.kinds import Alert, Firing, LadderKind, Told, ladder_register
from notifications.ladder.rungs import DEPUTY
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.audiences import Audience, AudienceKind
from partnership.calendar.selectors import BankHolidays
from partnership.errors import ConflictError
from partnership.models import Member
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record

# Apps above escalation that keep a record of the debrief (review: the debrief record and its own
# deadline) register here, and are called in the transaction that schedules the meeting.
MeetingScheduled = Callable[[Meeting], object]
_MEETING_SCHEDULED: list[MeetingScheduled] = []


def meeting_scheduled_register(handler: MeetingScheduled) -> None:
    """``handler(meeting)`` runs whenever the protocol's debrief meeting is scheduled."""
    _MEETING_SCHEDULED.append(handler)


# --- Duties --------------------------------------------------------------------------------------
def _locked_duty(duty_id: int) -> Duty:
    return DUTIES.lock(duty_id)


def duty_waiting_for(duty: Duty, *, siblings: Sequence[Duty] | None = None) -> list[Duty]:
    """The earlier duties this one waits for that are not yet done or waived. ``siblings``, every
    duty of its incident as just read, answers it without a query (a list of all of them asks
    this of each)."""
    if not duty.waits_for:
        return []
    if siblings is not None:
        return sorted(
            (
                other
                for other in siblings
                if other.incident_id == duty.incident_id
                and other.step_code in duty.waits_for
                and other.state not in FINISHED_DUTY_STATES
            ),
            key=lambda other: other.order,
        )
    return list(
        Duty.objects.filter(incident_id=duty.incident_id, step_code__in=duty.waits_for)
        .exclude(state__in=FINISHED_DUTY_STATES)
        .order_by("order")
    )


def _could_start_at(duty: Duty) -> datetime | None:
    """When a finished duty let the ones waiting for it start. A step the engine does on
    declaration counts as done at the declaration: the protocol's clock runs from the decision,
    however late it was recorded."""
    if duty.completion == Completion.ENGINE:
        return duty.deadline_start
    return duty.completed_at


def duties_ready(finished: Duty, *, now: datetime) -> list[Duty]:
    """The duties of ``finished``'s incident that waited only for it (or for steps now all
    finished) become due: counted by the step's own rule from when its owner could start (the
    last of the steps it waited for was done), not from the decision, so that an earlier step's
    lateness is never its owner's. Caller holds ``finished``'s row lock, after its
    transition."""
    waiting = list(
        Duty.objects.select_for_update(of=("self",))
        .filter(incident_id=finished.incident_id, state=DutyState.WAITING)
        .order_by("order")
    )
    if not waiting:
        return []
    # Every duty of the incident in one read (it was two queries per waiting duty), taken once
    # the waiting duties' locks are held: a step finished by a transaction that held them first
    # has committed by then, and this statement sees it. Making a duty ready below changes no
    # answer for the others: ready is not finished, and a duty's blockers are all finished.
    siblings = list(Duty.objects.filter(incident_id=finished.incident_id).order_by("order"))
    made_ready = []
    bank_holidays = BankHolidays()
    for duty in waiting:
        if finished.step_code not in duty.waits_for or duty_waiting_for(duty, siblings=siblings):
            continue
        blockers = [b for b in siblings if b.step_code in duty.waits_for]
        started = [(at, b) for b in blockers if (at := _could_start_at(b)) is not None]
        due_at, explanation, start = duty.due_at, duty.due_explanation, duty.deadline_start
        last = max(started, key=lambda pair: pair[0]) if started else None
        if last is not None and start is not None and duty.deadline_kind and last[0] > start:
            start, latest = last
            deadline = deadline_compute(
                start=start,
                kind=duty.deadline_kind,
                amount=duty.deadline_amount,
                nation=duty.deadline_division or "ENG",
                immediate_target=timedelta(minutes=settings.PROTOCOL_IMMEDIATE_MINUTES),
                bank_holidays=bank_holidays,
            )
            due_at = deadline.due_at
            explanation = f"{deadline.explanation} (from when “{latest.description}” was done)"
            max_length = Duty._meta.get_field("due_explanation").max_length or 1000
            explanation = explanation[:max_length]
        after = last[1].step_code if last is not None else finished.step_code
        was_due = duty.due_at
        duty.ready(due_at=due_at, due_explanation=explanation, deadline_start=start)
        duty.save()
        audit_record(
            actor=None,
            verb="duty.ready",
            subject=duty,
            scope=Scope.incident(duty.incident_id),
            changes={
                "step": duty.step_code,
                "after": after,
                "due_at_before": was_due,
                "due_at": duty.due_at,
            },
        )
        made_ready.append(duty)
    return made_ready


def _duty_send(
    duty: Duty,
    *,
    sender: Member | None,
    message: str,
    purposes: Sequence[str],
    urgency: str = Urgency.NORMAL,
    audiences: Sequence[Audience] | None = None,
) -> None:
    title, body = duty_message(duty, sender=sender, message=message, purposes=purposes)
    notify(
        audiences=Audience.parse_all(duty.informs) if audiences is None else audiences,
        title=title,
        body=body,
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
    send: bool = True,
) -> Duty:
    """The owner does what the duty stands for: sends its message (the evidence is the message
    itself) or, for the debrief, schedules the meeting. ``send=False``: what the duty stands for
    was sent by a record of its own (the 14-day report, from review), which ``message`` names."""
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
        if send:
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
    duties_ready(duty, now=now)
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
        title=(
            f"You are invited to the debrief of the major incident in {duty.incident.area}: "
            f"{local_time(plan.starts_at)}, {meeting.location}. Please acknowledge."
        )[:200],
        body=(
            f"{actor} has organised the formal debrief of the major incident in "
            f"{duty.incident.area} ({duty.incident.reference}), and invites you: "
            f"{timezone.localtime(plan.starts_at):%a %d %b %Y %H:%M} to "
            f"{timezone.localtime(plan.ends_at):%H:%M}, {meeting.location}.\n"
            "Please acknowledge, and add it to your calendar (the invitation is attached to "
            "the email)."
        ),
        purposes=[Purpose.COORDINATION],
        cause=f"meeting:{meeting.pk}:invited",
        subject=meeting,
        scope=Scope.incident(duty.incident_id),
        sender=actor,
        ack_ladder=duty.ack_ladder,
    )
    for handler in _MEETING_SCHEDULED:
        handler(meeting)
    return meeting


@transaction.atomic
def duty_waive(*, actor: Member, duty_id: int, reason: str) -> Duty:
    duty = _locked_duty(duty_id)
    require(actor, "duty.waive", duty)
    if not reason.strip():
        raise ValidationError({"reason": "Say why this duty is being waived."})
    if not can_proceed(duty.waive):
        raise ConflictError(f"This duty is already {duty.get_state_display().lower()}.")
    now = timezone.now()
    duty.waive(at=now, by=actor, reason=reason.strip())
    duty.save()
    audit_record(
        actor=actor,
        verb="duty.waived",
        subject=duty,
        scope=Scope.incident(duty.incident_id),
        changes={"step": duty.step_code, "reason": duty.waived_reason},
    )
    duties_ready(duty, now=now)
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
    related = ("incident", "incident__area")
    # A declaration's duties due together are told together: one message per person.
    group_field = "incident_id"

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
        return self.alert_for(None, [Told(thing, firing, firing.audiences[0])])

    def alert_for(self, member: Member | None, told: Sequence[Told[Duty]]) -> Alert:
        """One message for everything of one incident that reached this person in one run, in
        their own position: the owner is asked to do it, a deputy to cover it, anyone else to
        make sure it is done."""
        incident = told[0].thing.incident
        # Per duty, the strongest ask of the rungs that reached them (a co-ordinator who owns
        # the step is asked to do it, not to make sure someone does).
        strongest: dict[int, tuple[int, Duty, str]] = {}
        for item in told:
            rank, ask = _ask(item)
            if item.thing.pk not in strongest or rank < strongest[item.thing.pk][0]:
                strongest[item.thing.pk] = (rank, item.thing, ask)
        lines = [
            f"- {duty.description}: was due {local_time(duty.due_at)} ({duty_reason(duty)}). {ask}"
            for _rank, duty, ask in strongest.values()
        ]
        count = len(lines)
        if count == 1:
            _rank, duty, ask = next(iter(strongest.values()))
            title = {
                _YOURS: f"Overdue, please do it now: {duty.description}",
                _COVER: f"Overdue, please cover: {duty.description}",
            }.get(ask, f"Late: {duty.description}")
            title = f"{incident.reference}: {title}"
        else:
            title = f"{incident.reference}: {count} protocol steps are overdue"
        body = (
            f"Major incident {incident.reference} in {incident.area}: "
            + ("this step is" if count == 1 else f"these {count} steps are")
            + " not done.\n"
            + "\n".join(lines)
        )
        return Alert(title=title, body=body, purposes=[Purpose.COORDINATION])

    def waiting_on(self, thing: Duty) -> Sequence[Duty]:
        # A duty made waiting at declaration stays in ``DutyState.WAITING``, outside the ladder's
        # states, until ``duties_ready``; this also holds back a duty that climbed before waiting
        # existed (migration 0009 leaves those as they were) while what it waits for is open.
        return duty_waiting_for(thing)

    def after_change(self, thing: Duty) -> None:
        _board_changed(thing.incident)


_YOURS = "It is yours: please do it now."
_COVER = "You stand in for its owner: please do it, or make sure it is done."


def _ask(item: Told[Duty]) -> tuple[int, str]:
    """What the rung asks of the person it reached, by how it reached them (rank 0 strongest)."""
    duty = item.thing
    if duty.owner_role and item.audience == Audience.role(duty.owner_role):
        return 0, _YOURS
    if item.firing.rung.to == DEPUTY or item.audience.kind == AudienceKind.DEPUTY:
        return 1, _COVER
    return 2, f"It is for {owner_words(duty)}: please make sure it is done."


DUTIES = ladder_register(DutyLadder())


def duty_mark_overdue(*, duty_id: int, now: datetime | None = None) -> bool:
    """A pending duty past its due time becomes overdue, and its ladder starts. Returns False
    (and changes nothing) when the duty no longer wants it."""
    return ladder_fall_due(DUTIES, pk=duty_id, now=now)


def duty_escalate(*, duty_id: int, now: datetime | None = None) -> int:
    """Fire every ladder rung now due. Returns how many fired (0 when the duty no longer wants
    it: done, waived, or already escalated by another run)."""
    return ladder_climb(DUTIES, pk=duty_id, now=now)
