"""Writing oversight: bodies and their members and partnerships, and scrutiny requests from
sending to closing, with the ladder an unanswered request climbs (the one ladder engine,
``notifications.ladder``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from escalation.deadlines import LONDON
from notifications.ladder.engine import ladder_climb, ladder_fall_due
from notifications.ladder.kinds import Alert, Firing, LadderKind, ladder_register
from notifications.ladder.rungs import DEPUTY, OWNER, Rung, ladder_stored
from notifications.models import Purpose
from notifications.services import notify
from oversight.models import OversightBody, OversightKind, ScrutinyRequest, ScrutinyState
from oversight.wording import scrutiny_late_alert, scrutiny_sent_message
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Member, Partnership, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record

# An unanswered request reminds the co-ordinator on its date, tells their deputy two days later
# and the Council chief officer (to whom the co-ordinator answers, 004 §2.4) after five.
SCRUTINY_LADDER: list[dict[str, Any]] = ladder_stored(
    Rung(0, OWNER),
    Rung(2 * 24 * 3600, DEPUTY),
    Rung(5 * 24 * 3600, Audience.role(Role.COUNCIL_CHIEF_OFFICER)),
)
# How far ahead an answer may be asked for.
LONGEST_NOTICE = timedelta(days=366)


# --- Bodies --------------------------------------------------------------------------------------
@transaction.atomic
def oversight_body_create(
    *, actor: Member | None, name: str, slug: str, kind: OversightKind | str
) -> OversightBody:
    body = OversightBody(name=name.strip(), slug=slug, kind=kind)
    body.full_clean()
    body.save()
    audit_record(
        actor=actor,
        verb="oversight_body.created",
        subject=body,
        changes={"name": body.name, "kind": body.kind},
    )
    return body


@transaction.atomic
def oversight_partnership_add(
    *, actor: Member | None, body: OversightBody, partnership: Partnership
) -> None:
    """The body oversees ``partnership`` from now on (it sees its figures, not its cases)."""
    body.partnerships.add(partnership)
    audit_record(
        actor=actor,
        verb="oversight_body.partnership_added",
        subject=body,
        changes={"partnership": partnership.name},
    )


@transaction.atomic
def oversight_member_add(*, actor: Member | None, body: OversightBody, member: Member) -> None:
    body.members.add(member)
    audit_record(
        actor=actor,
        verb="oversight_body.member_added",
        subject=body,
        changes={"member": member.get_username()},
    )


# --- Scrutiny requests ---------------------------------------------------------------------------
def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LONDON) - timedelta(
        microseconds=1
    )


@transaction.atomic
def scrutiny_send(
    *, actor: Member, body: OversightBody, partnership_id: int, question: str, due_on: date
) -> ScrutinyRequest:
    """Ask one of the body's partnerships ``question``, to be answered by the end of ``due_on``
    (UK time). The partnership's CSP Co-ordinator is told."""
    require(actor, "scrutiny.send", body)
    errors: dict[str, str] = {}
    partnership = body.partnerships.filter(pk=partnership_id).first()
    if partnership is None:
        errors["partnership"] = f"Choose one of the partnerships {body.name} oversees."
    question = question.strip()
    if not question:
        errors["question"] = "Write the question the partnership is to answer."
    today = timezone.localdate()
    if due_on <= today:
        errors["due_on"] = "The answer must be due after today: give the partnership time."
    elif due_on > today + LONGEST_NOTICE:
        errors["due_on"] = "Ask for an answer within a year."
    if errors:
        raise ValidationError(errors)
    assert partnership is not None  # noqa: S101 (checked above)
    now = timezone.now()
    request = ScrutinyRequest.objects.create(
        body=body,
        partnership=partnership,
        question=question,
        asked_by=actor,
        sent_at=now,
        due_at=_end_of(due_on),
        ladder=SCRUTINY_LADDER,
    )
    audit_record(
        actor=actor,
        verb="scrutiny.sent",
        subject=request,
        changes={
            "body": body.name,
            "partnership": partnership.name,
            "due_at": request.due_at,
        },
    )
    title, text = scrutiny_sent_message(request)
    notify(
        audiences=[Audience.role(Role.CSP_COORDINATOR)],
        title=title,
        body=text,
        purposes=[Purpose.INFORMATION],
        cause=f"scrutiny:{request.pk}:sent",
        subject=request,
        scope=Scope.scrutiny(request.pk),
        sender=actor,
        ack_ladder=[],  # the request's own ladder chases an answer
    )
    return request


@transaction.atomic
def scrutiny_answer(*, actor: Member, request_id: int, answer: str) -> ScrutinyRequest:
    """The partnership's answer (its CSP Co-ordinator, or their deputy). The ladder stops; an
    answer after the date is recorded as late."""
    request = SCRUTINY.lock(request_id)
    require(actor, "scrutiny.answer", request)
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": "Write the partnership's answer."})
    if not can_proceed(request.answer_give):
        raise ConflictError(f"This request is already {request.get_state_display().lower()}.")
    now = timezone.now()
    request.answer_give(at=now, by=actor, answer=answer)
    request.save()
    audit_record(
        actor=actor,
        verb="scrutiny.answered",
        subject=request,
        changes={
            "late": now > request.due_at,
            "late_by_seconds": max(0.0, round((now - request.due_at).total_seconds(), 3)),
        },
    )
    return request


@transaction.atomic
def scrutiny_close(*, actor: Member, request_id: int) -> ScrutinyRequest:
    """The body has read the answer and closes the request."""
    request = SCRUTINY.lock(request_id)
    require(actor, "scrutiny.close", request)
    if not can_proceed(request.close):
        if request.state == ScrutinyState.CLOSED:
            raise ConflictError("This request is already closed.")
        raise ConflictError("A request is closed once it has been answered.")
    request.close(at=timezone.now(), by=actor)
    request.save()
    audit_record(actor=actor, verb="scrutiny.closed", subject=request)
    return request


# --- The ladder of an unanswered request ---------------------------------------------------------
class ScrutinyLadder(LadderKind[ScrutinyRequest]):
    """A request falls due at the end of its date; its rungs count from then. Its owner is the
    partnership's CSP Co-ordinator (every holder of the role there), "deputy" their deputies."""

    model = ScrutinyRequest
    name = "scrutiny"
    waiting_states = (ScrutinyState.SENT,)
    climbing_states = (ScrutinyState.OVERDUE, ScrutinyState.ESCALATED)
    related = ("body", "partnership")

    def owner(self, thing: ScrutinyRequest) -> list[Audience]:
        return [Audience.role(Role.CSP_COORDINATOR)]

    def deputies(self, thing: ScrutinyRequest) -> list[Audience]:
        return [Audience.deputy(Role.CSP_COORDINATOR)]

    def scope(self, thing: ScrutinyRequest) -> Scope:
        return Scope.scrutiny(thing.pk)

    def details(self, thing: ScrutinyRequest) -> dict[str, Any]:
        return {"body": thing.body.name, "partnership": thing.partnership.name}

    def alert(self, thing: ScrutinyRequest, firing: Firing) -> Alert:
        return scrutiny_late_alert(thing, firing)


SCRUTINY = ladder_register(ScrutinyLadder())


def scrutiny_mark_overdue(*, request_id: int, now: datetime | None = None) -> bool:
    """A request unanswered past its date becomes overdue, and its ladder starts. Returns False
    (changing nothing) when it no longer wants it."""
    return ladder_fall_due(SCRUTINY, pk=request_id, now=now)


def scrutiny_escalate(*, request_id: int, now: datetime | None = None) -> int:
    """Fire every rung of the request now due; how many fired."""
    return ladder_climb(SCRUTINY, pk=request_id, now=now)
