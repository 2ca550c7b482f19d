"""The debrief's record (protocol step 6): opened when the debrief meeting is scheduled, due a
number of days after the meeting that the partnership sets, written once by who organised it (or
the CSP Co-ordinator), and chased up the one ladder engine when late."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from escalation.models import Meeting
from notifications.audiences import deputies_of
from notifications.ladder.engine import ladder_climb, ladder_fall_due
from notifications.ladder.kinds import Alert, Firing, LadderKind, ladder_register
from notifications.ladder.rungs import DEPUTY, OWNER, Rung, ladder_stored
from notifications.models import Purpose
from notifications.wording import title_words
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Member, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.selectors import members_active
from partnership.timeline import audit_record
from review.models import Debrief, DebriefState, ReportingSettings
from review.services.actions import ActionPlan, plan_actions_create

DAY = 24 * 3600
# A record not written by its date reminds the organiser, then their deputy a day later, the CSP
# Co-ordinator after two days and the gold group after four (counted from the due time).
DEBRIEF_LADDER: list[dict[str, Any]] = ladder_stored(
    Rung(0, OWNER),
    Rung(DAY, DEPUTY),
    Rung(2 * DAY, Audience.role(Role.CSP_COORDINATOR)),
    Rung(4 * DAY, Audience.role(Role.GOLD_GROUP)),
)
# The record's parts, as the service takes them and the model keeps them.
RECORD_FIELDS = ("what_happened", "what_worked", "what_did_not_work", "lessons")


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%a %d %b %Y %H:%M}"


def debrief_open(meeting: Meeting) -> Debrief:
    """The debrief meeting was scheduled (in that transaction): its record is due the
    partnership's number of days after the meeting ends. Registered with escalation's
    ``meeting_scheduled_register``; a meeting already recorded is left as it is."""
    existing = Debrief.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing
    incident = meeting.incident
    settings = ReportingSettings.objects.filter(partnership_id=incident.partnership_id).first()
    days = settings.debrief_record_days if settings else ReportingSettings().debrief_record_days
    debrief = Debrief.objects.create(
        partnership_id=incident.partnership_id,
        incident=incident,
        meeting=meeting,
        due_at=meeting.ends_at + timedelta(days=days),
        ladder=DEBRIEF_LADDER,
    )
    audit_record(
        actor=None,
        verb="debrief.opened",
        subject=debrief,
        scope=Scope.incident(incident.pk),
        changes={"due_at": debrief.due_at, "days_after_meeting": days},
    )
    return debrief


@transaction.atomic
def debrief_record(
    *,
    actor: Member,
    debrief_id: int,
    attendee_ids: Sequence[int],
    other_attendees: str = "",
    what_happened: str,
    what_worked: str,
    what_did_not_work: str,
    lessons: str,
    actions: Sequence[ActionPlan] = (),
) -> Debrief:
    """The record of the debrief, once it has met: attendance, what happened, what worked and
    what did not, the lessons, and the actions agreed (each on its own ladder). Its ladder stops;
    a record after its date is recorded as late."""
    debrief = DEBRIEFS.lock(debrief_id)
    require(actor, "debrief.record", debrief)
    if not can_proceed(debrief.record):
        raise ConflictError("This debrief is already recorded.")
    now = timezone.now()
    meeting = debrief.meeting
    if meeting.starts_at > now:
        raise ConflictError(
            f"The debrief meets on {_when(meeting.starts_at)}: record it once it has met."
        )
    texts = {
        "what_happened": what_happened.strip(),
        "what_worked": what_worked.strip(),
        "what_did_not_work": what_did_not_work.strip(),
        "lessons": lessons.strip(),
    }
    errors: dict[str, str] = {}
    words = {
        "what_happened": "Say what happened.",
        "what_worked": "Say what worked (write 'nothing' if nothing did).",
        "what_did_not_work": "Say what did not work (write 'nothing' if everything did).",
        "lessons": "Write the lessons learnt.",
    }
    for name, text in texts.items():
        if not text:
            errors[name] = words[name]
    attendees = list(members_active(debrief.partnership).filter(pk__in=set(attendee_ids)))
    if len(attendees) != len(set(attendee_ids)):
        errors["attendee_ids"] = "Choose attendees from the partnership's members."
    elif not attendees and not other_attendees.strip():
        errors["attendee_ids"] = "Say who attended the debrief."
    if errors:
        raise ValidationError(errors)
    debrief.record(at=now, by=actor, fields={**texts, "other_attendees": other_attendees.strip()})
    debrief.save()
    debrief.attendees.set(attendees)
    created = plan_actions_create(
        actor=actor, partnership=debrief.partnership, debrief=debrief, plans=actions, now=now
    )
    audit_record(
        actor=actor,
        verb="debrief.recorded",
        subject=debrief,
        scope=Scope.incident(debrief.incident_id),
        changes={
            "late": now > debrief.due_at,
            "late_by_seconds": max(0.0, round((now - debrief.due_at).total_seconds(), 3)),
            "attendee_ids": sorted(m.pk for m in attendees),
            "action_ids": [a.pk for a in created],
        },
    )
    return debrief


# --- The ladder of a record not written ----------------------------------------------------------
class DebriefLadder(LadderKind[Debrief]):
    """A record falls due the partnership's number of days after the meeting; its rungs count
    from then. Its owner is who organised the meeting, "deputy" their deputies."""

    model = Debrief
    name = "debrief"
    waiting_states = (DebriefState.AWAITING,)
    climbing_states = (DebriefState.OVERDUE, DebriefState.ESCALATED)
    related = ("incident", "meeting")

    def owner(self, thing: Debrief) -> list[Audience]:
        return [Audience.member(thing.meeting.organiser_id)]

    def deputies(self, thing: Debrief) -> list[Audience]:
        return deputies_of(thing.meeting.organiser_id, partnership_id=thing.partnership_id)

    def scope(self, thing: Debrief) -> Scope:
        return Scope.incident(thing.incident_id)

    def alert(self, thing: Debrief, firing: Firing) -> Alert:
        if firing.escalates:
            news = (
                f"The record of {thing.incident.reference}'s debrief, organised by "
                f"{thing.meeting.organiser}, was due {_when(thing.due_at)}."
            )
            ask = "Please make sure it is recorded."
        else:
            news = (
                f"The record of {thing.incident.reference}'s debrief was due {_when(thing.due_at)}."
            )
            ask = "Please record it."
        return Alert(
            title=title_words(news, ask),
            body=(
                f"The debrief of {_when(thing.meeting.starts_at)} was to be recorded by "
                f"{_when(thing.due_at)} (attendance, what worked and what did not, lessons, "
                f"actions). Record it at {reverse('debrief', args=[thing.incident_id])}."
            ),
            purposes=[Purpose.COORDINATION],
        )


DEBRIEFS = ladder_register(DebriefLadder())


def debrief_mark_overdue(*, debrief_id: int, now: datetime | None = None) -> bool:
    """A record not written by its date becomes overdue, and its ladder starts. Returns False
    (changing nothing) when it no longer wants it."""
    return ladder_fall_due(DEBRIEFS, pk=debrief_id, now=now)


def debrief_escalate(*, debrief_id: int, now: datetime | None = None) -> int:
    """Fire every rung of the record's ladder now due; how many fired."""
    return ladder_climb(DEBRIEFS, pk=debrief_id, now=now)
