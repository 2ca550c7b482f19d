"""Cases: opened for every incident that is not major, led by the agency the partnership's rules
name, its risk level, closure with the outcome and the victim's view, and escalation to a risk
conference or to the senior police officer."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from casework.models import Case, CaseOutcome, CaseRule, HowOpened, TaskKind
from casework.services.links import case_links_make
from casework.services.tasks import (
    case_tasks_cancel,
    case_tasks_reassign,
    contact_task_create,
    contact_tasks_reschedule,
)
from conference.models import IncidentPerson, Person, Referral, RiskLevel
from conference.services import referral_create
from escalation.models import Determination, Incident, IncidentState
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.audiences import Audience
from partnership.calendar.selectors import BankHolidays
from partnership.errors import ConflictError
from partnership.models import Agency, Member, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record

# An incident in one of these states can be taken into casework by the co-ordinator: it was
# never put to the senior officer, or the officer found it not major.
OPENABLE = (IncidentState.REPORTED, IncidentState.UNDER_ASSESSMENT, IncidentState.NOT_MAJOR)


def case_rule_for(incident: Incident) -> CaseRule | None:
    """The first of the partnership's rules that fits the incident's area and strands."""
    strands = set(incident.strand_rows.values_list("strand", flat=True))
    for rule in CaseRule.objects.filter(
        partnership_id=incident.partnership_id, removed_at__isnull=True
    ).select_related("lead_agency", "lead_officer"):
        if rule.area_id is not None and rule.area_id != incident.area_id:
            continue
        if rule.strand and rule.strand not in strands:
            continue
        return rule
    return None


def _lead_told(case: Case, *, sender: Member | None) -> None:
    if case.lead_officer_id is None:
        notify(
            audiences=[Audience.role(Role.CSP_COORDINATOR)],
            title=f"{case.reference}: a case needs a lead officer",
            body=(
                f"Incident {case.incident.reference} in {case.incident.area} is now a case, and "
                "no casework rule names its lead officer. Choose one on the case's page."
            ),
            purposes=[Purpose.COORDINATION],
            cause=f"case:{case.pk}:lead:none",
            subject=case,
            scope=Scope.incident(case.incident_id),
            sender=sender,
        )
        return
    first = case.tasks.filter(kind=TaskKind.CONTACT).first()
    due = (
        f" Contact the victim by {timezone.localtime(first.due_at):%a %d %b %H:%M} "
        f"({first.due_explanation})."
        if first is not None and first.is_open
        else ""
    )
    notify(
        audiences=[Audience.member(case.lead_officer_id)],
        title=f"{case.reference}: you are the lead officer",
        body=(
            f"Incident {case.incident.reference} in {case.incident.area} is a case of the "
            f"casework group, and you lead it for {case.lead_agency}.{due}"
        ),
        purposes=[Purpose.COORDINATION],
        cause=f"case:{case.pk}:lead:{case.lead_officer_id}",
        subject=case,
        scope=Scope.incident(case.incident_id),
        sender=sender,
        urgency=Urgency.URGENT if case.risk_level == RiskLevel.HIGH else Urgency.NORMAL,
    )


def _open(
    incident: Incident, *, how: str, actor: Member | None, risk_level: str, at: datetime
) -> Case:
    """The case of ``incident`` (the caller holds the incident's lock and checked it has none),
    its clock starting ``at``."""
    rule = case_rule_for(incident)
    now = at
    case = Case.objects.create(
        partnership_id=incident.partnership_id,
        incident=incident,
        how_opened=how,
        lead_agency=rule.lead_agency if rule else None,
        lead_officer=rule.lead_officer if rule else None,
        risk_level=risk_level,
        opened_at=now,
        opened_by=actor,
    )
    audit_record(
        actor=actor,
        verb="case.opened",
        subject=case,
        scope=Scope.incident(incident.pk),
        changes={
            "case_id": case.pk,
            "how": how,
            "rule_id": rule.pk if rule else None,
            "lead_agency": str(case.lead_agency) if case.lead_agency else "none yet",
            "lead_officer": str(case.lead_officer) if case.lead_officer else "",
            "risk_level": risk_level,
        },
    )
    bank_holidays = BankHolidays()
    for kind in (TaskKind.CONTACT, TaskKind.VISIT):
        contact_task_create(
            case=case, kind=kind, start=now, actor=actor, bank_holidays=bank_holidays
        )
    _lead_told(case, sender=actor)
    # A new incident against the victim of a recently closed case follows it.
    case_links_make(case, actor=actor)
    return case


def case_on_not_major(incident: Incident, determination: Determination) -> Case | None:
    """The senior police officer found the incident not major: it becomes a case, its clock
    starting at the determination (registered with ``escalation``; runs in the determination's
    transaction). None if it already is one."""
    if Case.objects.filter(incident=incident).exists():
        return None
    return _open(
        incident,
        how=HowOpened.NOT_MAJOR,
        actor=determination.officer,
        risk_level=RiskLevel.STANDARD,
        at=determination.determined_at,
    )


@transaction.atomic
def case_open(*, actor: Member, incident_id: int, risk_level: str = RiskLevel.STANDARD) -> Case:
    """The co-ordinator takes an incident that was never put to the senior officer (or was found
    not major) into casework."""
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    require(actor, "case.manage", incident)
    if risk_level not in RiskLevel.values:
        raise ValidationError(
            {"risk_level": f"Choose a risk level: {', '.join(RiskLevel.values)}."}
        )
    if Case.objects.filter(incident=incident).exists():
        raise ConflictError(f"{incident.reference} is already a case.")
    if incident.state not in OPENABLE:
        raise ConflictError(
            f"A {incident.get_state_display().lower()} incident cannot be taken into casework."
        )
    return _open(
        incident, how=HowOpened.COORDINATOR, actor=actor, risk_level=risk_level, at=timezone.now()
    )


def _locked(case_id: int) -> Case:
    case: Case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("incident", "incident__area", "partnership", "lead_agency")
        .get(pk=case_id)
    )
    return case


@transaction.atomic
def case_lead_set(
    *, actor: Member, case_id: int, agency: Agency, officer: Member | None, reason: str
) -> Case:
    """The co-ordinator names another lead (agency, and officer of it); the open steps of victim
    contact become theirs, and the new lead officer is told."""
    case = _locked(case_id)
    require(actor, "case.manage", case)
    errors: dict[str, str] = {}
    if not agency.partnerships.filter(pk=case.partnership_id).exists():
        errors["agency"] = "Choose an agency of this partnership."
    if officer is not None and (
        officer.agency_id != agency.pk
        or not officer.partnerships.filter(pk=case.partnership_id).exists()
    ):
        errors["officer"] = f"Choose a member of {agency} in this partnership."
    if not reason.strip():
        errors["reason"] = "Say why the lead changes."
    if errors:
        raise ValidationError(errors)
    if not case.is_open:
        raise ConflictError("A closed case has no lead to change.")
    case.lead_agency = agency
    case.lead_officer = officer
    case.save(update_fields=["lead_agency", "lead_officer"])
    case_tasks_reassign(case=case, agency=agency, officer=officer)
    audit_record(
        actor=actor,
        verb="case.lead_changed",
        subject=case,
        scope=Scope.incident(case.incident_id),
        changes={
            "lead_agency": str(agency),
            "lead_officer": str(officer) if officer else "",
            "lead_officer_id": officer.pk if officer else None,
            "reason": reason.strip(),
        },
    )
    _lead_told(case, sender=actor)
    return case


@transaction.atomic
def case_risk_set(*, actor: Member, case_id: int, level: str, reason: str) -> Case:
    """A new risk level: pending steps of victim contact are due by its standard."""
    case = _locked(case_id)
    require(actor, "case.work", case)
    if level not in RiskLevel.values:
        raise ValidationError({"level": f"Choose a risk level: {', '.join(RiskLevel.values)}."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the risk level changes."})
    if level == case.risk_level:
        raise ConflictError(f"The case is already {RiskLevel(level).label.lower()} risk.")
    before = case.risk_level
    case.risk_level = level
    case.save(update_fields=["risk_level"])
    audit_record(
        actor=actor,
        verb="case.risk_changed",
        subject=case,
        scope=Scope.incident(case.incident_id),
        changes={"before": before, "after": level, "reason": reason.strip()},
    )
    contact_tasks_reschedule(case=case, actor=actor, bank_holidays=BankHolidays())
    return case


@transaction.atomic
def case_close(
    *, actor: Member, case_id: int, outcome: str, notes: str = "", victim_view: str
) -> Case:
    """Close the case with its outcome and what the victim says of it; anything still open on it
    is cancelled (and so counted as not done in compliance)."""
    case = _locked(case_id)
    require(actor, "case.work", case)
    errors: dict[str, str] = {}
    if outcome not in CaseOutcome.values:
        errors["outcome"] = "Choose the outcome of the case."
    if not victim_view.strip():
        errors["victim_view"] = (
            "Record what the victim says of the outcome (or why they could not be asked)."
        )
    if errors:
        raise ValidationError(errors)
    if not can_proceed(case.close):
        raise ConflictError("This case is already closed.")
    now = timezone.now()
    case.close(
        at=now, by=actor, outcome=outcome, notes=notes.strip(), victim_view=victim_view.strip()
    )
    case.save()
    cancelled = case_tasks_cancel(case=case, actor=actor, reason="The case was closed.")
    audit_record(
        actor=actor,
        verb="case.closed",
        subject=case,
        scope=Scope.incident(case.incident_id),
        changes={"outcome": outcome, "open_tasks_cancelled": cancelled},
    )
    return case


def _victim(case: Case, person_id: int) -> Person:
    link = (
        IncidentPerson.objects.filter(
            incident_id=case.incident_id,
            person_id=person_id,
            involvement=IncidentPerson.Involvement.VICTIM,
        )
        .select_related("person")
        .first()
    )
    if link is None:
        raise ValidationError({"person_id": "Choose a victim linked to the case's incident."})
    return link.person


@transaction.atomic
def case_refer(
    *,
    actor: Member,
    case_id: int,
    person_id: int,
    summary: str,
    answers: dict[str, bool],
    lawful_basis: str,
    consent_notes: str = "",
    raised_level: str = "",
    raised_reason: str = "",
) -> Referral:
    """Escalate the case to a risk conference: a referral of its victim, with the risk
    assessment (``conference.services.referral_create``)."""
    case = _locked(case_id)
    require(actor, "case.work", case)
    person = _victim(case, person_id)
    referral = referral_create(
        actor=actor,
        person=person,
        reason="professional_judgement",
        summary=summary,
        answers=answers,
        lawful_basis=lawful_basis,
        consent_notes=consent_notes,
        raised_level=raised_level,
        raised_reason=raised_reason,
    )
    case.referral = referral
    case.save(update_fields=["referral"])
    audit_record(
        actor=actor,
        verb="case.referred",
        subject=case,
        scope=Scope.incident(case.incident_id),
        changes={"referral_id": referral.pk, "person_id": person.pk},
    )
    return referral


@transaction.atomic
def case_put_to_officer(*, actor: Member, case_id: int, reason: str) -> Case:
    """The case has grown: the senior police officer is asked to determine whether it is now a
    major incident (they may declare it major from the incident's page)."""
    case = _locked(case_id)
    require(actor, "case.work", case)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the senior police officer should look again."})
    if case.incident.state not in OPENABLE:
        raise ConflictError(
            f"The incident is {case.incident.get_state_display().lower()}: nothing to determine."
        )
    now = timezone.now()
    case.put_to_officer_at = now
    case.save(update_fields=["put_to_officer_at"])
    audit_record(
        actor=actor,
        verb="case.put_to_officer",
        subject=case,
        scope=Scope.incident(case.incident_id),
        changes={"reason": reason.strip()},
    )
    notify(
        audiences=[Audience.role(Role.SENIOR_POLICE_OFFICER)],
        title=f"Determination asked: {case.incident.reference} ({case.reference})",
        body=(
            f"{actor} asks for a determination on incident {case.incident.reference}, a case "
            f"of the casework group: {reason.strip()}"
        ),
        purposes=[Purpose.SITUATION, Purpose.COORDINATION],
        cause=f"case:{case.pk}:put_to_officer:{now.timestamp()}",
        subject=case,
        scope=Scope.incident(case.incident_id),
        sender=actor,
        urgency=Urgency.URGENT,
    )
    return case
