"""Deadlines when the calendar of working days changes: the duties counted over a changed day are
recomputed, explained, told to their owners and put on the timeline."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from escalation.deadlines import LONDON, Deadline, DeadlineKind, day_start, deadline_compute
from escalation.models import OPEN_DUTY_STATES, Duty, DutyState, Incident
from escalation.services.common import _board_changed
from escalation.services.duties import DUTIES
from notifications.ladder.engine import ladder_next_rung_at
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.audiences import Audience
from partnership.calendar.selectors import BankHolidays
from partnership.calendar.services import CalendarChange
from partnership.scopes import Scope
from partnership.timeline import audit_record


def duty_deadlines_recompute(change: CalendarChange) -> int:
    """Recompute, once each, the deadline of every open duty counted in working days over a
    weekday the change made or unmade a bank holiday (after the duty's start, up to its due day).
    Returns how many moved.

    Registered with the calendar (``EscalationConfig.ready``) and run inside the calendar change's
    transaction. A duty overdue whose new due time is still to come is pending again; see
    ``_duty_deadline_move``."""
    weekdays = [day for day in change.days if day.date.weekday() < 5]
    if not weekdays:
        return 0
    first, last = min(d.date for d in weekdays), max(d.date for d in weekdays)
    duties = (
        Duty.objects.select_for_update(of=("self",))
        .select_related("incident")
        .filter(
            state__in=OPEN_DUTY_STATES,
            deadline_kind=DeadlineKind.WORKING_DAYS,
            deadline_division=change.division,
            deadline_start__lt=day_start(last),
            due_at__gte=day_start(first),
        )
        .order_by("pk")
    )
    bank_holidays = BankHolidays()
    moved: dict[int, Incident] = {}
    for duty in duties:
        start = duty.deadline_start
        if start is None:  # excluded by the query; for the type checker
            continue
        start_day, due_day = start.astimezone(LONDON).date(), duty.due_at.astimezone(LONDON).date()
        if not any(start_day < day.date <= due_day for day in weekdays):
            continue  # counted to its due day without meeting a changed day: not affected
        deadline = deadline_compute(
            start=start,
            kind=duty.deadline_kind,
            amount=duty.deadline_amount,
            nation=duty.deadline_division,
            bank_holidays=bank_holidays,
        )
        # Every changed day the old or the new count passed over.
        until = max(due_day, deadline.due_at.astimezone(LONDON).date())
        why = "; ".join(change.describe(day) for day in weekdays if start_day < day.date <= until)
        _duty_deadline_move(duty, deadline, why=why, change=change)
        moved[duty.pk] = duty.incident
    for incident in {i.pk: i for i in moved.values()}.values():
        _board_changed(incident)
    return len(moved)


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%a %d %b %Y %H:%M}"


def _duty_deadline_move(
    duty: Duty, deadline: Deadline, *, why: str, change: CalendarChange
) -> None:
    """Give a duty its recomputed due time, and tell its owner. Caller holds the duty's row lock.

    An overdue duty whose new due time is still to come is pending again: it was late only by a
    calendar that was wrong, and its ladder must not go on climbing over its owner's head. The
    ladder keeps its place, so rungs that fired (the owner's reminder) do not fire again; the
    next ones count from the new due time. An escalated duty stays escalated (people above the
    owner already act on it), its remaining rungs likewise counted from the new due time. A
    pending duty whose new due time has passed is left for the scheduler to mark overdue."""
    now = change.at
    was_due, was_state = duty.due_at, duty.state
    duty.due_at = deadline.due_at
    explanation = f"{deadline.explanation}. Recomputed: {why}"
    max_length = Duty._meta.get_field("due_explanation").max_length or 1000
    duty.due_explanation = (
        explanation if len(explanation) <= max_length else explanation[: max_length - 1] + "…"
    )
    if duty.state == DutyState.OVERDUE and duty.due_at > now:
        duty.lift_overdue()
        state_words = " It is no longer overdue."
    elif duty.state in (DutyState.OVERDUE, DutyState.ESCALATED):
        duty.retime(next_rung_at=ladder_next_rung_at(DUTIES, duty))
        state_words = (
            " It stays escalated; further escalation counts from the new due time."
            if duty.state == DutyState.ESCALATED
            else " It is still overdue."
        )
    else:
        state_words = " That time has passed: it is now late." if duty.due_at <= now else ""
    duty.save()
    audit_record(
        actor=change.actor,
        verb="duty.deadline_recomputed",
        subject=duty,
        scope=Scope.incident(duty.incident_id),
        changes={
            "step": duty.step_code,
            "due_at_before": was_due,
            "due_at": duty.due_at,
            "state_before": was_state,
            "state": duty.state,
            "why": why,
            "change": change.id,
        },
    )
    if not duty.owner_role:
        return
    when = _local(duty.due_at)
    room = 200 - len(f"{duty.incident.reference}: “” now due {when}")
    what = duty.description if len(duty.description) <= room else duty.description[: room - 1] + "…"
    notify(
        audiences=[Audience.role(duty.owner_role)],
        title=f"{duty.incident.reference}: “{what}” now due {when}",
        body=(
            f"The bank holidays changed: {why}.\n"
            f"“{duty.description}” is now due {when} (it was due {_local(was_due)}).{state_words}\n"
            f"How it is worked out: {deadline.explanation}."
        ),
        purposes=[Purpose.COORDINATION],
        cause=f"duty:{duty.pk}:deadline:{change.id}",
        subject=duty,
        scope=Scope.incident(duty.incident_id),
        sender=change.actor,
        # Less time than the owner was counting on is urgent; more is news.
        urgency=Urgency.URGENT if duty.due_at < was_due else Urgency.NORMAL,
        # The duty's own ladder chases it if it runs late.
        ack_ladder=[],
    )
