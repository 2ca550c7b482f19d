"""Reports from anyone and the intake queue: a report received from the public page (no sign-in,
anonymous allowed) or filed by a third-party reporting centre with the person's consent, more
added later with its reference, and the co-ordinator's triage (an incident, then a case or the
senior officer; added to an existing incident; or intelligence only), each with a reason, the
reporter told if they asked to be."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from casework.intake_models import (
    ContactBy,
    IntakeState,
    PublicReport,
    ReportAddition,
    ReporterKind,
)
from casework.services.cases import case_open
from escalation.models import Incident, Strand, TensionLevel
from escalation.services import incident_report
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Area, Member, Partnership, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record

# What a report may hold: enough for a full account, not a dumping ground.
LONGEST_ACCOUNT = 5000
LONGEST_ADDITION = 3000


@dataclass(frozen=True)
class ReportDetails:
    """What a reporter tells us (the public page's and the centre's form alike)."""

    reporter_kind: str
    what_happened: str
    where: str = ""
    area: Area | None = None
    happened_at: datetime | None = None
    strands: tuple[str, ...] = ()
    anonymous: bool = False
    name: str = ""
    contact_by: str = ContactBy.NONE
    contact: str = ""
    wants_outcome: bool = False
    may_pass_to_police: bool = False


def _checked(partnership: Partnership, details: ReportDetails) -> dict[str, object]:
    errors: dict[str, str] = {}
    what = details.what_happened.strip()
    if not what:
        errors["what_happened"] = "Say what happened."
    elif len(what) > LONGEST_ACCOUNT:
        errors["what_happened"] = f"Keep it to {LONGEST_ACCOUNT} characters (add more later)."
    if details.reporter_kind not in ReporterKind.values:
        errors["reporter_kind"] = "Say who you are in what happened."
    if details.area is not None and details.area.partnership_id != partnership.pk:
        errors["area"] = "Choose an area of this partnership."
    if details.happened_at is not None and details.happened_at > timezone.now():
        errors["happened_at"] = "It cannot have happened in the future."
    unknown = [s for s in details.strands if s not in Strand.values]
    if unknown:
        errors["strands"] = "Choose from the list of reasons."
    if details.contact_by not in ContactBy.values:
        errors["contact_by"] = "Choose how to contact you, or not at all."
    anonymous = details.anonymous
    contact = "" if anonymous else details.contact.strip()
    contact_by = ContactBy.NONE if anonymous else details.contact_by
    if contact_by != ContactBy.NONE and not contact:
        errors["contact"] = "Give the email address or phone number to contact you on."
    if contact_by == ContactBy.EMAIL and contact and "@" not in contact:
        errors["contact"] = "Give an email address, like name@example.com."
    if errors:
        raise ValidationError(errors)
    return {
        "reporter_kind": details.reporter_kind,
        "what_happened": what,
        "where": details.where.strip(),
        "area": details.area,
        "happened_at": details.happened_at,
        "strands": sorted(set(details.strands)),
        "anonymous": anonymous,
        # An anonymous report keeps no name and no way back to the reporter but the reference.
        "name": "" if anonymous else details.name.strip(),
        "contact_by": contact_by,
        "contact": contact if contact_by != ContactBy.NONE else "",
        "wants_outcome": details.wants_outcome,
        "may_pass_to_police": details.may_pass_to_police,
    }


def _queued(report: PublicReport, *, actor: Member | None) -> None:
    audit_record(
        actor=actor,
        verb="intake.received",
        subject=report,
        changes={
            "report_id": report.pk,
            "reporter_kind": report.reporter_kind,
            "anonymous": report.anonymous,
            "centre": str(report.centre) if report.centre else "",
        },
    )
    # The queue's keepers hear that there is something to triage, never what it says.
    notify(
        audiences=[Audience.role(Role.CSP_COORDINATOR)],
        title=f"New report {report.pk} in the intake queue",
        body="A report from "
        + ("a third-party reporting centre" if report.centre else "the public")
        + " is waiting to be triaged.",
        purposes=[Purpose.COORDINATION],
        cause=f"intake:{report.pk}:received",
        subject=report,
        scope=None,
    )


@transaction.atomic
def report_receive(*, partnership: Partnership, details: ReportDetails) -> PublicReport:
    """A report from the public page (no sign-in). The caller has applied the rate limit and the
    honeypot; this checks what the reporter wrote."""
    if details.reporter_kind == ReporterKind.CENTRE:
        raise ValidationError(
            {"reporter_kind": "Reporting centres file reports signed in, with consent recorded."}
        )
    fields = _checked(partnership, details)
    report = PublicReport.objects.create(
        partnership=partnership, received_at=timezone.now(), **fields
    )
    _queued(report, actor=None)
    return report


@transaction.atomic
def report_file_for(*, actor: Member, details: ReportDetails, consent_notes: str) -> PublicReport:
    """A third-party reporting centre files a report for a person who came to it, with the
    person's consent recorded."""
    require(actor, "intake.file")
    assert actor.partnership is not None  # noqa: S101 (intake.file needs one)
    if not consent_notes.strip():
        raise ValidationError(
            {
                "consent_notes": "Record the person's consent to passing this report on (who "
                "gave it, and to what)."
            }
        )
    fields = _checked(actor.partnership, details)
    report = PublicReport.objects.create(
        partnership=actor.partnership,
        received_at=timezone.now(),
        centre=actor.agency,
        filed_by=actor,
        consent_notes=consent_notes.strip(),
        **{**fields, "reporter_kind": ReporterKind.CENTRE},
    )
    _queued(report, actor=actor)
    return report


def report_by_reference(reference: str) -> PublicReport | None:
    return PublicReport.objects.filter(reference=reference.strip().upper()).first()


@transaction.atomic
def report_add(*, reference: str, text: str) -> PublicReport:
    """The reporter adds to their report with its reference. Nothing of the report is shown
    back: the reference is all a reporter holds, and it must not open anyone else's words."""
    report = (
        PublicReport.objects.select_for_update().filter(reference=reference.strip().upper()).first()
    )
    if report is None:
        raise ValidationError(
            {"reference": "No report has that reference. Check it and try again."}
        )
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Say what you want to add."})
    if len(text) > LONGEST_ADDITION:
        raise ValidationError({"text": f"Keep it to {LONGEST_ADDITION} characters at a time."})
    addition = ReportAddition.objects.create(report=report, text=text, added_at=timezone.now())
    audit_record(
        actor=None,
        verb="intake.added_to",
        subject=report,
        changes={"report_id": report.pk, "addition_id": addition.pk},
    )
    notify(
        audiences=[Audience.role(Role.CSP_COORDINATOR)],
        title=f"Report {report.pk}: the reporter added more",
        body="The reporter added to their report with its reference.",
        purposes=[Purpose.COORDINATION],
        cause=f"intake:{report.pk}:addition:{addition.pk}",
        subject=report,
        scope=Scope.incident(report.incident_id) if report.incident_id else None,
    )
    return report


class Triage:
    INCIDENT_CASE = "incident_case"
    INCIDENT_OFFICER = "incident_officer"
    ADD = "add"
    INTELLIGENCE = "intelligence"
    CHOICES = (
        (INCIDENT_CASE, "Make it an incident and a case of the casework group"),
        (INCIDENT_OFFICER, "Make it an incident and put it to the senior police officer"),
        (ADD, "Add it to an existing incident"),
        (INTELLIGENCE, "Keep it as intelligence only"),
    )


@dataclass(frozen=True)
class IncidentFromReport:
    """What the co-ordinator decides the incident is (the report's words are its description)."""

    title: str
    area: Area
    tension_level: str
    strands: Iterable[str]
    risk_level: str = "standard"


def _account(report: PublicReport) -> str:
    parts = [report.what_happened, *(a.text for a in report.additions.all())]
    return "\n\n".join(parts)


@transaction.atomic
def report_triage(
    *,
    actor: Member,
    report_id: int,
    decision: str,
    reason: str,
    outcome_message: str = "",
    incident: IncidentFromReport | None = None,
    existing_incident_id: int | None = None,
) -> PublicReport:
    report = PublicReport.objects.select_for_update().get(pk=report_id)
    require(actor, "intake.triage", report)
    errors: dict[str, str] = {}
    if decision not in {choice for choice, _ in Triage.CHOICES}:
        errors["decision"] = "Choose what to do with the report."
    if not reason.strip():
        errors["reason"] = "Say why."
    if report.wants_outcome and not outcome_message.strip():
        errors["outcome_message"] = "The reporter asked to be told: write what they are told."
    if decision in (Triage.INCIDENT_CASE, Triage.INCIDENT_OFFICER) and incident is None:
        errors["title"] = "Give the incident a title, an area and a tension level."
    existing = None
    if decision == Triage.ADD:
        existing = Incident.objects.filter(
            pk=existing_incident_id or 0, partnership_id=report.partnership_id
        ).first()
        if existing is None:
            errors["existing_incident"] = "Choose an incident of this partnership."
    if errors:
        raise ValidationError(errors)
    if report.state != IntakeState.RECEIVED:
        raise ConflictError(f"This report was already triaged: {report.get_state_display()}.")
    now = timezone.now()
    route = ""
    if decision in (Triage.INCIDENT_CASE, Triage.INCIDENT_OFFICER):
        assert incident is not None  # noqa: S101 (checked above)
        if incident.tension_level not in TensionLevel.values:
            raise ValidationError({"tension_level": "Choose a community tension level."})
        made = incident_report(
            reporter=actor,
            title=incident.title,
            description=_account(report),
            occurred_at=report.happened_at or report.received_at,
            area=incident.area,
            strands=list(incident.strands) or report.strands,
            tension_level=incident.tension_level,
            location=report.where,
        )
        report.make_incident(at=now, by=actor, reason=reason.strip(), incident=made)
        if decision == Triage.INCIDENT_CASE:
            case_open(actor=actor, incident_id=made.pk, risk_level=incident.risk_level)
            route = "case"
        else:
            _officer_asked(made, actor=actor, reason=reason.strip())
            route = "senior officer"
    elif decision == Triage.ADD:
        assert existing is not None  # noqa: S101 (checked above)
        report.add_to(at=now, by=actor, reason=reason.strip(), incident=existing)
    else:
        if not can_proceed(report.keep_as_intelligence):
            raise ConflictError("This report was already triaged.")
        report.keep_as_intelligence(at=now, by=actor, reason=reason.strip())
    report.outcome_message = outcome_message.strip()
    report.save()
    audit_record(
        actor=actor,
        verb="intake.triaged",
        subject=report,
        scope=Scope.incident(report.incident_id) if report.incident_id else None,
        changes={
            "report_id": report.pk,
            "decision": report.state,
            "route": route,
            "incident_id": report.incident_id,
            "reason": reason.strip(),
            "reporter_told": bool(report.outcome_message),
        },
    )
    if report.outcome_message and report.contact_by == ContactBy.EMAIL and report.contact:
        _email_on_commit(report)
    return report


def _officer_asked(incident: Incident, *, actor: Member, reason: str) -> None:
    notify(
        audiences=[Audience.role(Role.SENIOR_POLICE_OFFICER)],
        title=f"Determination asked: {incident.reference}, from a report",
        body=f"{actor} asks for a determination on incident {incident.reference}: {reason}",
        purposes=[Purpose.SITUATION, Purpose.COORDINATION],
        cause=f"intake:incident:{incident.pk}:officer",
        subject=incident,
        scope=Scope.incident(incident.pk),
        sender=actor,
        urgency=Urgency.URGENT,
    )


def _email_on_commit(report: PublicReport) -> None:
    """The reporter asked to be told and gave an email address. Sent after commit; what they are
    told is also on the status page their reference opens, whatever happens to the email."""
    subject = f"Your hate crime report {report.reference}"
    body = (
        f"Thank you for your report ({report.reference}).\n\n{report.outcome_message}\n\n"
        "You can add to your report with its reference on the reporting page."
    )
    address = report.contact

    def send() -> None:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True)

    transaction.on_commit(send)
