"""Incidents: reporting, linking, assessment, the determination that starts the protocol, standing
down, closing, and situation reports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from escalation.deadlines import deadline_compute
from escalation.models import (
    OPEN_DUTY_STATES,
    Completion,
    Determination,
    Duty,
    DutyState,
    Incident,
    IncidentState,
    IncidentStrand,
    SituationReport,
    Strand,
    TensionLevel,
)
from escalation.protocol import URGENT_ACK_LADDER
from escalation.services.common import _aware, _board_changed
from escalation.services.duties import duties_ready
from escalation.services.protocols import protocol_current
from escalation.wording import declared_words, referral_message
from notifications.models import Purpose, Urgency
from notifications.services import notify
from notifications.wording import ask_words, reply_words
from partnership.audiences import Audience, AudienceKind
from partnership.calendar.selectors import BankHolidays, calendar_hold
from partnership.errors import ConflictError
from partnership.models import Area, Member, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.tenancy import partnership_working
from partnership.timeline import audit_record


# --- Incidents -----------------------------------------------------------------------------------
def _strands_clean(strands: Iterable[str]) -> list[str]:
    cleaned = sorted(set(strands))
    if not cleaned:
        raise ValidationError({"strands": "Choose at least one hate strand perceived."})
    unknown = [s for s in cleaned if s not in Strand.values]
    if unknown:
        raise ValidationError(
            {"strands": f"Unknown strand {unknown[0]!r}: choose from {', '.join(Strand.values)}."}
        )
    return cleaned


@transaction.atomic
def incident_report(
    *,
    reporter: Member,
    title: str,
    description: str,
    occurred_at: datetime,
    area: Area,
    strands: Iterable[str],
    tension_level: str,
    location: str = "",
    safeguarding_steps: str = "",
    connected_to: Iterable[Incident] = (),
) -> Incident:
    require(reporter, "incident.report")
    now = timezone.now()
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Give the incident a short title."
    if not description.strip():
        errors["description"] = "Say what happened."
    if tension_level not in TensionLevel.values:
        errors["tension_level"] = (
            f"Choose a community tension level: {', '.join(TensionLevel.values)}."
        )
    if _aware(occurred_at, "occurred_at") > now:
        errors["occurred_at"] = "An incident cannot have happened in the future."
    if area.partnership_id != partnership_working(reporter).pk:
        errors["area"] = "Choose an area of the partnership you are working in."
    if errors:
        raise ValidationError(errors)
    strand_codes = _strands_clean(strands)
    incident: Incident = Incident.objects.create(
        partnership_id=area.partnership_id,
        title=title.strip(),
        description=description.strip(),
        occurred_at=occurred_at,
        area=area,
        location=location.strip(),
        safeguarding_steps=safeguarding_steps.strip(),
        tension_level=tension_level,
        reported_by=reporter,
        reported_at=now,
    )
    IncidentStrand.objects.bulk_create(
        IncidentStrand(incident=incident, strand=s) for s in strand_codes
    )
    connected = list(connected_to)
    if any(c.partnership_id != area.partnership_id for c in connected):
        raise ValidationError(
            {"connected_to": "Incidents of different partnerships cannot be connected here."}
        )
    if connected:
        incident.connected.add(*connected)
    audit_record(
        actor=reporter,
        verb="incident.reported",
        subject=incident,
        scope=Scope.incident(incident.pk),
        changes={
            "occurred_at": occurred_at,
            "area_id": area.pk,
            "strands": strand_codes,
            "tension_level": tension_level,
            "connected_to": [c.pk for c in connected],
        },
    )
    _board_changed(incident)
    return incident


def _locked(incident_id: int) -> Incident:
    incident: Incident = Incident.objects.select_for_update().get(pk=incident_id)
    return incident


@transaction.atomic
def incident_link(*, actor: Member, incident: Incident, other: Incident) -> None:
    """Record two incidents as part of one series of connected events."""
    require(actor, "incident.link", incident)
    if other.pk == incident.pk:
        raise ValidationError("An incident cannot be connected to itself.")
    if other.partnership_id != incident.partnership_id:
        raise ValidationError("Incidents of different partnerships cannot be connected here.")
    incident.connected.add(other)
    audit_record(
        actor=actor,
        verb="incident.linked",
        subject=incident,
        scope=Scope.incident(incident.pk),
        changes={"other_id": other.pk},
    )
    audit_record(
        actor=actor,
        verb="incident.linked",
        subject=other,
        scope=Scope.incident(other.pk),
        changes={"other_id": incident.pk},
    )


@transaction.atomic
def incident_start_assessment(*, officer: Member, incident_id: int) -> Incident:
    incident = _locked(incident_id)
    require(officer, "incident.assess", incident)
    if not can_proceed(incident.start_assessment):
        raise ConflictError(
            f"This incident is {incident.get_state_display().lower()}; "
            "it cannot go back to assessment."
        )
    incident.start_assessment()
    incident.save()
    audit_record(
        actor=officer,
        verb="incident.assessment_started",
        subject=incident,
        scope=Scope.incident(incident.pk),
    )
    _board_changed(incident)
    return incident


# What else happens, in the determination's transaction, when an incident is found not major
# (casework opens a case): the higher app registers it at start-up.
NotMajorHandler = Callable[[Incident, Determination], object]
_NOT_MAJOR_HANDLERS: list[NotMajorHandler] = []


def incident_not_major_register(handler: NotMajorHandler) -> None:
    if handler not in _NOT_MAJOR_HANDLERS:
        _NOT_MAJOR_HANDLERS.append(handler)


@dataclass(frozen=True)
class DeterminationResult:
    incident: Incident
    determination: Determination
    duties: list[Duty]


@transaction.atomic
def incident_determine(
    *,
    officer: Member,
    incident_id: int,
    is_major: bool,
    rationale: str,
    determined_at: datetime | None = None,
) -> DeterminationResult:
    """A senior police officer's determination. Declaring major starts the protocol clock at
    ``determined_at`` (now by default; earlier when the decision is logged after the fact)."""
    incident = _locked(incident_id)
    require(officer, "incident.determine", incident)
    now = timezone.now()
    at = _aware(determined_at, "determined_at") if determined_at is not None else now
    if not rationale.strip():
        raise ValidationError({"rationale": "Record the reasons for the determination."})
    if at > now:
        raise ValidationError({"determined_at": "A determination cannot be dated in the future."})
    if at < incident.occurred_at:
        raise ValidationError(
            {"determined_at": "A determination cannot be dated before the incident happened."}
        )
    last = incident.determinations.order_by("-determined_at").first()
    if last is not None and at < last.determined_at:
        raise ValidationError(
            {"determined_at": "A new determination cannot be dated before the previous one."}
        )

    if is_major:
        if not can_proceed(incident.declare_major):
            raise ConflictError(_refusal(incident, "declared major"))
        # Before the timeline is written: see calendar_hold.
        calendar_hold(incident.partnership.division)
        protocol = protocol_current(incident.partnership)
        incident.declare_major(at=at, protocol=protocol)
    else:
        if not can_proceed(incident.find_not_major):
            raise ConflictError(_refusal(incident, "found not major"))
        incident.find_not_major()
    incident.save()
    determination = Determination.objects.create(
        incident=incident,
        officer=officer,
        is_major=is_major,
        rationale=rationale.strip(),
        determined_at=at,
        recorded_at=now,
    )
    audit_record(
        actor=officer,
        verb="incident.declared_major" if is_major else "incident.found_not_major",
        subject=incident,
        scope=Scope.incident(incident.pk),
        changes={
            "determination_id": determination.pk,
            "determined_at": at,
            "rationale": determination.rationale,
        },
        occurred_at=now,
    )
    duties = _protocol_start(incident, determination) if is_major else []
    if not is_major:
        for handler in _NOT_MAJOR_HANDLERS:
            handler(incident, determination)
    _board_changed(incident)
    return DeterminationResult(incident=incident, determination=determination, duties=duties)


def _refusal(incident: Incident, move: str) -> str:
    if incident.state == IncidentState.DECLARED_MAJOR:
        last = incident.determinations.filter(is_major=True).order_by("-determined_at").first()
        who = (
            f" by {last.officer} at {timezone.localtime(last.determined_at):%H:%M on %d %b %Y}"
            if last
            else ""
        )
        return f"This incident has already been declared major{who}."
    return f"A {incident.get_state_display().lower()} incident cannot be {move}."


def _protocol_start(incident: Incident, determination: Determination) -> list[Duty]:
    """Create one duty per protocol step, due from the determination time, and run the engine's
    own steps (the referral to the CRRO) at once."""
    assert incident.protocol is not None  # noqa: S101 (set by declare_major just before)
    immediate = timedelta(minutes=settings.PROTOCOL_IMMEDIATE_MINUTES)
    division = incident.partnership.division  # its partnership's calendar of working days
    bank_holidays = BankHolidays()
    duties = []
    for step in incident.protocol.steps.order_by("order"):
        deadline = deadline_compute(
            start=determination.determined_at,
            kind=step.deadline_kind,
            amount=step.deadline_amount,
            nation=division,
            immediate_target=immediate,
            bank_holidays=bank_holidays,
        )
        duties.append(
            Duty(
                incident=incident,
                order=step.order,
                step_code=step.code,
                description=step.description,
                owner_role=step.owner_role,
                informs=step.informs,
                waits_for=step.waits_for,
                completion=step.completion,
                ladder=step.ladder,
                ack_ladder=step.ack_ladder,
                due_at=deadline.due_at,
                due_explanation=deadline.explanation,
                deadline_start=determination.determined_at,
                deadline_kind=step.deadline_kind,
                deadline_amount=step.deadline_amount,
                deadline_division=division,
                # A step that waits for another starts waiting: neither due nor escalated
                # until those are finished (``duties_ready``).
                state=DutyState.WAITING if step.waits_for else DutyState.PENDING,
            )
        )
    Duty.objects.bulk_create(duties)
    duties = list(incident.duties.order_by("order"))
    audit_record(
        actor=None,
        verb="protocol.started",
        subject=incident,
        scope=Scope.incident(incident.pk),
        changes={
            "protocol_version": incident.protocol.number,
            "duties": [
                {
                    "id": d.pk,
                    "step": d.step_code,
                    "owner_role": d.owner_role,
                    "due_at": d.due_at,
                    "why": d.due_explanation,
                }
                for d in duties
            ],
        },
    )
    # Co-ordinators see every declaration the moment it happens, whatever the protocol's order.
    purposes = [Purpose.SITUATION, Purpose.COORDINATION]
    notify(
        audiences=[
            Audience.role(Role.CSP_COORDINATOR),
            Audience.role(Role.POLICE_PARTNERSHIP_COORDINATOR),
        ],
        title=(
            f"{declared_words(incident)} ({incident.reference}): for your information. "
            f"{ask_words(purposes, URGENT_ACK_LADDER)}"
        )[:200],
        body=_declaration_summary(incident, determination)
        + "\nThe Community and Race Relations Officer is told now, and tells the Racial Equality "
        "Council and the CSP Co-ordinator.",
        purposes=purposes,
        cause=f"incident:{incident.pk}:declared:{determination.pk}",
        subject=incident,
        scope=Scope.incident(incident.pk),
        sender=determination.officer,
        urgency=Urgency.URGENT,
        ack_ladder=URGENT_ACK_LADDER,
    )
    for duty in duties:
        if duty.completion == Completion.ENGINE:
            done_at = timezone.now()
            duty.complete(at=done_at, by=None, message="Referred by the engine on declaration.")
            duty.save()
            audit_record(
                actor=None,
                verb="duty.completed",
                subject=duty,
                scope=Scope.incident(incident.pk),
                changes={"step": duty.step_code},
            )
            duties_ready(duty, now=done_at)
            # Sent once the steps it lets go are due, so it can list them.
            audiences = Audience.parse_all(duty.informs)
            title, body = referral_message(
                incident,
                _declaration_summary(incident, determination),
                list(incident.duties.order_by("order")),
                roles=[a.role_code for a in audiences if a.kind == AudienceKind.ROLE],
            )
            notify(
                audiences=audiences,
                title=title,
                body=body,
                purposes=purposes,
                cause=f"duty:{duty.pk}:done",
                subject=duty,
                scope=Scope.incident(incident.pk),
                urgency=Urgency.URGENT,
                ack_ladder=duty.ack_ladder,
            )
    return list(incident.duties.order_by("order"))


def _declaration_summary(incident: Incident, determination: Determination) -> str:
    local = timezone.localtime(determination.determined_at)
    return (
        f"{determination.officer} determined at {local:%H:%M on %a %d %b %Y} that incident "
        f"{incident.reference} ({incident.area}) is a major incident.\n"
        f"Community tension: {incident.get_tension_level_display()}.\n"
        f"Immediate police safeguarding steps: {incident.safeguarding_steps or 'none recorded'}.\n"
        f"Open the incident for the details and your duties."
    )


@transaction.atomic
def incident_stand_down(*, actor: Member, incident_id: int, reason: str) -> Incident:
    incident = _locked(incident_id)
    require(actor, "incident.stand_down", incident)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the incident is being stood down."})
    if not can_proceed(incident.stand_down):
        raise ConflictError(
            "Only a declared major incident can be stood down; "
            f"this one is {incident.get_state_display().lower()}."
        )
    incident.stand_down(at=timezone.now())
    incident.save()
    audit_record(
        actor=actor,
        verb="incident.stood_down",
        subject=incident,
        scope=Scope.incident(incident.pk),
        changes={"reason": reason.strip()},
    )
    _board_changed(incident)
    return incident


@transaction.atomic
def incident_close(*, actor: Member, incident_id: int) -> Incident:
    incident = _locked(incident_id)
    require(actor, "incident.close", incident)
    if not can_proceed(incident.close):
        raise ConflictError(
            f"A {incident.get_state_display().lower()} incident cannot be closed: "
            "stand it down first."
            if incident.state == IncidentState.DECLARED_MAJOR
            else f"A {incident.get_state_display().lower()} incident cannot be closed."
        )
    open_duties = list(incident.duties.filter(state__in=OPEN_DUTY_STATES).order_by("order"))
    if open_duties:
        raise ConflictError(
            "Every duty must be done or waived before the incident closes. Still open: "
            + "; ".join(d.description for d in open_duties)
            + "."
        )
    incident.close(at=timezone.now())
    incident.save()
    audit_record(
        actor=actor, verb="incident.closed", subject=incident, scope=Scope.incident(incident.pk)
    )
    _board_changed(incident)
    return incident


@transaction.atomic
def situation_report_send(
    *,
    actor: Member,
    incident_id: int,
    audiences: Sequence[Audience],
    purposes: Sequence[str],
    message: str,
) -> SituationReport:
    """Send an update to chosen roles and agencies. Purposes asking for a check or for
    information keep each recipient's notification open until they reply."""
    incident = _locked(incident_id)
    require(actor, "incident.situation_report", incident)
    errors: dict[str, str] = {}
    if not message.strip():
        errors["message"] = "Write the update."
    if not audiences:
        errors["audiences"] = "Choose at least one role or agency to send it to."
    if not purposes or any(p not in Purpose.values for p in purposes):
        errors["purposes"] = f"Choose one or more purposes: {', '.join(Purpose.values)}."
    if errors:
        raise ValidationError(errors)
    if any(audience.is_relative for audience in audiences):
        raise ValidationError({"audiences": "Send it to roles, agencies or members."})
    report = SituationReport.objects.create(
        incident=incident,
        author=actor,
        audiences=Audience.stored(audiences),
        purposes=list(purposes),
        body=message.strip(),
        sent_at=timezone.now(),
    )
    ask = ask_words(purposes, None)
    sent = notify(
        audiences=audiences,
        title=(
            f"Update on the major incident in {incident.area} ({incident.reference}) from "
            f"{actor}. {ask}"
        )[:200],
        body=f"{actor}"
        + (f" ({actor.agency.name})" if actor.agency else "")
        + f" sends this update on incident {incident.reference} in {incident.area}:\n\n"
        + report.body
        + f"\n\n{ask}"
        + (f"\n{reply_words(purposes)}" if reply_words(purposes) else ""),
        purposes=purposes,
        cause=f"situation-report:{report.pk}",
        subject=report,
        scope=Scope.incident(incident.pk),
        sender=actor,
    )
    audit_record(
        actor=actor,
        verb="situation_report.sent",
        subject=report,
        scope=Scope.incident(incident.pk),
        changes={
            "audiences": Audience.stored(audiences),
            "purposes": list(purposes),
            "recipients": len(sent),
        },
    )
    return report
