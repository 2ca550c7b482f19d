"""Every change to incidents, determinations, protocol versions and duties.

Each public function is one use case in one transaction: it checks who is asking, locks the row
(``select_for_update``) before a transition, saves, writes the audit event and the outbox rows,
and leaves live pushes to run on commit. Scheduled work (``duty_mark_overdue``,
``duty_escalate``) loads its row by id and does nothing when the row no longer wants it, so a
late, repeated or concurrent run is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from escalation.deadlines import deadline_compute
from escalation.models import (
    FINISHED_DUTY_STATES,
    OPEN_DUTY_STATES,
    Completion,
    Determination,
    Duty,
    DutyState,
    EscalationRung,
    Incident,
    IncidentState,
    IncidentStrand,
    Meeting,
    ProtocolState,
    ProtocolStep,
    ProtocolVersion,
    SituationReport,
    Strand,
    TensionLevel,
)
from escalation.protocol import DEFAULT_PROTOCOL_NAME, DEFAULT_STEPS, URGENT_ACK_LADDER
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.errors import ConflictError
from partnership.live import group_send_on_commit
from partnership.locks import advisory_xact_lock
from partnership.models import Area, Member, Role
from partnership.permissions import require
from partnership.timeline import audit_record

BOARD_GROUP = "escalation.board"


def _scope(incident: Incident | int) -> str:
    return f"incident:{incident if isinstance(incident, int) else incident.pk}"


def _board_changed(incident: Incident) -> None:
    group_send_on_commit(
        BOARD_GROUP, {"type": "board.changed", "incident_id": incident.pk, "state": incident.state}
    )


def _aware(moment: datetime, field: str) -> datetime:
    if timezone.is_naive(moment):
        raise ValidationError(
            {field: "Give a time with its time zone (for example 2026-11-21T14:30:00Z)."}
        )
    return moment


# --- Protocol versions ---------------------------------------------------------------------------
def _steps_validate(steps: Sequence[dict[str, Any]]) -> None:
    from notifications.audiences import audience_validate

    codes = [step["code"] for step in steps]
    if len(set(codes)) != len(codes):
        raise ValidationError("Each step of a protocol needs its own code.")
    for position, step in enumerate(steps):
        if step["deadline_kind"] != "immediate" and int(step.get("deadline_amount", 0)) < 1:
            raise ValidationError(f"Step {step['code']!r} needs a deadline amount of at least 1.")
        if step.get("owner_role") == "" and step.get("ladder"):
            raise ValidationError(
                f"Step {step['code']!r} has no owner, so it cannot have a ladder."
            )
        for code in step.get("waits_for", []):
            if code not in codes[:position]:
                raise ValidationError(
                    f"Step {step['code']!r} waits for {code!r}, which is not an earlier step."
                )
        for audience in step.get("informs", []):
            audience_validate(audience)
        for rung in step.get("ladder", []):
            if rung["to"] not in ("owner", "deputy"):
                audience_validate(rung["to"])
            if int(rung["after_seconds"]) < 0:
                raise ValidationError("A ladder rung cannot fire before the due time.")
        for rung in step.get("ack_ladder", []):
            if rung["to"] not in ("repeat", "deputy"):
                audience_validate(rung["to"])
            if int(rung["after_seconds"]) < 1:
                raise ValidationError("An acknowledgement rung needs a wait of at least a second.")


@transaction.atomic
def protocol_version_create(
    *, actor: Member | None, name: str, steps: Sequence[dict[str, Any]], notes: str = ""
) -> ProtocolVersion:
    """A new draft version with its steps (an administrator publishes it when ready)."""
    if actor is not None:
        require(actor, "protocol.manage")
    _steps_validate(steps)
    last = ProtocolVersion.objects.select_for_update().order_by("-number").first()
    version: ProtocolVersion = ProtocolVersion.objects.create(
        name=name, number=(last.number + 1) if last else 1, notes=notes
    )
    ProtocolStep.objects.bulk_create(
        ProtocolStep(version=version, order=position, **step)
        for position, step in enumerate(steps, 1)
    )
    audit_record(
        actor=actor, verb="protocol.created", subject=version, changes={"number": version.number}
    )
    return version


@transaction.atomic
def protocol_version_publish(*, actor: Member | None, version: ProtocolVersion) -> ProtocolVersion:
    """Publish a draft: new declarations run under it; running incidents keep their copy."""
    if actor is not None:
        require(actor, "protocol.manage")
    version = ProtocolVersion.objects.select_for_update().get(pk=version.pk)  # fresh, locked
    if not can_proceed(version.publish):
        raise ConflictError(
            f"Version {version.number} is {version.get_state_display().lower()}, not a draft."
        )
    steps: list[dict[str, Any]] = [
        dict(step)
        for step in version.steps.order_by("order").values(
            "code",
            "owner_role",
            "informs",
            "waits_for",
            "ladder",
            "ack_ladder",
            "deadline_kind",
            "deadline_amount",
        )
    ]
    if not steps:
        raise ValidationError("A protocol with no steps cannot be published.")
    # Steps edited in admin arrive here unchecked: the same checks as for a version made in code.
    _steps_validate(steps)
    for current in ProtocolVersion.objects.select_for_update().filter(
        state=ProtocolState.PUBLISHED
    ):
        current.retire()
        current.save()
        audit_record(actor=actor, verb="protocol.retired", subject=current)
    version.publish(at=timezone.now())
    version.save()
    audit_record(
        actor=actor, verb="protocol.published", subject=version, changes={"number": version.number}
    )
    return version


def protocol_current() -> ProtocolVersion:
    """The published version, creating and publishing the source document's protocol the first
    time anyone needs one."""
    version: ProtocolVersion | None = ProtocolVersion.objects.filter(
        state=ProtocolState.PUBLISHED
    ).first()
    if version is not None:
        return version
    with transaction.atomic():
        # Two first declarations at once must not both create the default version.
        advisory_xact_lock("escalation.protocol_default")
        version = ProtocolVersion.objects.filter(state=ProtocolState.PUBLISHED).first()
        if version is not None:
            return version
        draft = protocol_version_create(actor=None, name=DEFAULT_PROTOCOL_NAME, steps=DEFAULT_STEPS)
        return protocol_version_publish(actor=None, version=draft)


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
    if errors:
        raise ValidationError(errors)
    strand_codes = _strands_clean(strands)
    incident: Incident = Incident.objects.create(
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
    if connected:
        incident.connected.add(*connected)
    audit_record(
        actor=reporter,
        verb="incident.reported",
        subject=incident,
        scope=_scope(incident),
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
    incident.connected.add(other)
    audit_record(
        actor=actor,
        verb="incident.linked",
        subject=incident,
        scope=_scope(incident),
        changes={"other_id": other.pk},
    )
    audit_record(
        actor=actor,
        verb="incident.linked",
        subject=other,
        scope=_scope(other),
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
        actor=officer, verb="incident.assessment_started", subject=incident, scope=_scope(incident)
    )
    _board_changed(incident)
    return incident


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
        protocol = protocol_current()
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
        scope=_scope(incident),
        changes={
            "determination_id": determination.pk,
            "determined_at": at,
            "rationale": determination.rationale,
        },
        occurred_at=now,
    )
    duties = _protocol_start(incident, determination) if is_major else []
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
    duties = []
    for step in incident.protocol.steps.order_by("order"):
        deadline = deadline_compute(
            start=determination.determined_at,
            kind=step.deadline_kind,
            amount=step.deadline_amount,
            nation=settings.PROTOCOL_HOLIDAY_NATION,
            immediate_target=immediate,
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
            )
        )
    Duty.objects.bulk_create(duties)
    duties = list(incident.duties.order_by("order"))
    audit_record(
        actor=None,
        verb="protocol.started",
        subject=incident,
        scope=_scope(incident),
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
    notify(
        audiences=[f"role:{Role.CSP_COORDINATOR}", f"role:{Role.POLICE_PARTNERSHIP_COORDINATOR}"],
        title=f"Major incident declared: {incident.reference} in {incident.area}",
        body=_declaration_summary(incident, determination),
        purposes=[Purpose.SITUATION, Purpose.COORDINATION],
        cause=f"incident:{incident.pk}:declared:{determination.pk}",
        subject=incident,
        scope=_scope(incident),
        sender=determination.officer,
        urgency=Urgency.URGENT,
        ack_ladder=URGENT_ACK_LADDER,
    )
    for duty in duties:
        if duty.completion == Completion.ENGINE:
            _duty_send(
                duty,
                sender=None,
                message=_declaration_summary(incident, determination),
                purposes=[Purpose.SITUATION, Purpose.COORDINATION],
                urgency=Urgency.URGENT,
            )
            duty.complete(
                at=timezone.now(), by=None, message="Referred by the engine on declaration."
            )
            duty.save()
            audit_record(
                actor=None,
                verb="duty.completed",
                subject=duty,
                scope=_scope(incident),
                changes={"step": duty.step_code},
            )
    return duties


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
        scope=_scope(incident),
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
    audit_record(actor=actor, verb="incident.closed", subject=incident, scope=_scope(incident))
    _board_changed(incident)
    return incident


@transaction.atomic
def situation_report_send(
    *,
    actor: Member,
    incident_id: int,
    audiences: Sequence[str],
    purposes: Sequence[str],
    message: str,
) -> SituationReport:
    """Send an update to chosen roles and agencies. Purposes asking for a check or for
    information keep each recipient's notification open until they reply."""
    from notifications.audiences import audience_validate

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
    for audience in audiences:
        audience_validate(audience)
    report = SituationReport.objects.create(
        incident=incident,
        author=actor,
        audiences=list(audiences),
        purposes=list(purposes),
        body=message.strip(),
        sent_at=timezone.now(),
    )
    sent = notify(
        audiences=audiences,
        title=f"{incident.reference}: situation report",
        body=report.body,
        purposes=purposes,
        cause=f"situation-report:{report.pk}",
        subject=report,
        scope=_scope(incident),
        sender=actor,
    )
    audit_record(
        actor=actor,
        verb="situation_report.sent",
        subject=report,
        scope=_scope(incident),
        changes={"audiences": list(audiences), "purposes": list(purposes), "recipients": len(sent)},
    )
    return report


# --- Duties --------------------------------------------------------------------------------------
def _locked_duty(duty_id: int) -> Duty:
    duty: Duty = (
        Duty.objects.select_for_update(of=("self",)).select_related("incident").get(pk=duty_id)
    )
    return duty


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
    audiences: Sequence[str] | None = None,
) -> None:
    notify(
        audiences=duty.informs if audiences is None else audiences,
        title=f"{duty.incident.reference}: {duty.description}",
        body=message,
        purposes=purposes,
        cause=f"duty:{duty.pk}:done",
        subject=duty,
        scope=_scope(duty.incident_id),
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
        scope=_scope(duty.incident_id),
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
        scope=_scope(duty.incident_id),
        changes={
            "starts_at": plan.starts_at,
            "location": meeting.location,
            "invitee_ids": sorted(m.pk for m in plan.invitees),
        },
    )
    notify(
        audiences=[f"member:{m.pk}" for m in plan.invitees],
        title=meeting.title,
        body=(
            f"You are invited to the formal debrief of incident {duty.incident.reference}: "
            f"{timezone.localtime(plan.starts_at):%a %d %b %Y %H:%M} to "
            f"{timezone.localtime(plan.ends_at):%H:%M}, {meeting.location}."
        ),
        purposes=[Purpose.COORDINATION],
        cause=f"meeting:{meeting.pk}:invited",
        subject=meeting,
        scope=_scope(duty.incident_id),
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
        scope=_scope(duty.incident_id),
        changes={"step": duty.step_code, "reason": duty.waived_reason},
    )
    _board_changed(duty.incident)
    return duty


def _rung_time(duty: Duty, index: int) -> datetime | None:
    if index >= len(duty.ladder):
        return None
    return duty.due_at + timedelta(seconds=int(duty.ladder[index]["after_seconds"]))


@transaction.atomic
def duty_mark_overdue(*, duty_id: int, now: datetime | None = None) -> bool:
    """A pending duty past its due time becomes overdue, and its ladder starts. Returns False
    (and changes nothing) when the duty no longer wants it."""
    now = now or timezone.now()
    duty = _locked_duty(duty_id)
    if duty.state != DutyState.PENDING or duty.due_at > now:
        return False
    duty.mark_overdue(at=now)
    duty.next_rung = 0
    duty.next_rung_at = _rung_time(duty, 0)
    duty.save()
    audit_record(
        actor=None,
        verb="duty.overdue",
        subject=duty,
        scope=_scope(duty.incident_id),
        changes={
            "step": duty.step_code,
            "due_at": duty.due_at,
            "late_by_seconds": round((now - duty.due_at).total_seconds(), 3),
        },
    )
    _fire_due_rungs(duty, now)
    _board_changed(duty.incident)
    return True


@transaction.atomic
def duty_escalate(*, duty_id: int, now: datetime | None = None) -> int:
    """Fire every ladder rung now due. Returns how many fired (0 when the duty no longer wants
    it: done, waived, or already escalated by another run)."""
    now = now or timezone.now()
    duty = _locked_duty(duty_id)
    fired = _fire_due_rungs(duty, now)
    if fired:
        _board_changed(duty.incident)
    return fired


def _fire_due_rungs(duty: Duty, now: datetime) -> int:
    """Caller holds the duty's row lock."""
    fired = 0
    while (
        duty.state in (DutyState.OVERDUE, DutyState.ESCALATED)
        and duty.next_rung_at is not None
        and duty.next_rung_at <= now
    ):
        index = duty.next_rung
        audience = _rung_audience(duty, duty.ladder[index]["to"])
        # The unique (duty, index) row is the proof the rung fired, and the guard against firing
        # it twice even if two schedulers get here.
        EscalationRung.objects.create(
            duty=duty, index=index, audience=audience, due_at=duty.next_rung_at, fired_at=now
        )
        notify(
            audiences=[audience],
            title=f"OVERDUE {duty.incident.reference}: {duty.description}",
            body=(
                f"This duty was due {timezone.localtime(duty.due_at):%a %d %b %Y %H:%M} "
                f"({duty.due_explanation}) and is not done. Owner: "
                f"{Role(duty.owner_role).label if duty.owner_role else 'the engine'}."
            ),
            purposes=[Purpose.COORDINATION],
            cause=f"duty:{duty.pk}:rung:{index}",
            subject=duty,
            scope=_scope(duty.incident_id),
            urgency=Urgency.URGENT,
            # The duty's own ladder is the chase: its alerts are not chased a second time.
            ack_ladder=[],
        )
        duty.climb(
            next_rung_at=_rung_time(duty, index + 1),
            escalates=not audience.startswith(f"role:{duty.owner_role}"),
        )
        duty.save()
        audit_record(
            actor=None,
            verb="duty.escalated",
            subject=duty,
            scope=_scope(duty.incident_id),
            changes={"step": duty.step_code, "rung": index, "audience": audience},
        )
        fired += 1
    return fired


def _rung_audience(duty: Duty, to: str) -> str:
    if to == "owner":
        return f"role:{duty.owner_role}"
    if to == "deputy":
        return f"deputy:{duty.owner_role}"
    return to
