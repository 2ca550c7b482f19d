"""The 14-day report (protocol step 8): composed from the incident, edited and approved by the CSP
Co-ordinator, sent to every member of the partnership (each notification acknowledged like any
other, and chased by the step's acknowledgement ladder), and kept as sent: its text frozen, its
marked PDF stored with its hash. Sending it completes the step's duty."""

from __future__ import annotations

import hashlib
from datetime import datetime
from xml.sax.saxutils import escape

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from escalation import services as escalation_services
from escalation.models import (
    OPEN_DUTY_STATES,
    Duty,
    DutyState,
    Incident,
    Meeting,
    SituationReport,
    TensionLevel,
)
from escalation.protocol import DAYS_ACK_LADDER
from notifications.models import Purpose
from notifications.services import notify
from partnership.audiences import Audience
from partnership.documents import handling_words, marked_pdf, protective_marking
from partnership.errors import ConflictError
from partnership.models import Member
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.selectors import members_active
from partnership.timeline import audit_record
from review.models import FourteenDayReport

STEP = "partnership-report"
# The report's parts, in the order it reads, with their headings.
SECTIONS = {
    "what_happened": "What happened",
    "immediate_outcome": "The immediate outcome",
    "actions_taken": "Actions taken",
    "current_tension": "Current tension",
    "what_members_should_do": "What members should do",
}


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%a %d %b %Y %H:%M}"


def _composed(incident: Incident) -> dict[str, str]:
    """The report's first draft, from what the incident's record already says."""
    where = incident.area.name + (f", {incident.location}" if incident.location else "")
    determination = incident.determinations.filter(is_major=True).order_by("-pk").first()
    outcome = []
    if determination is not None:
        outcome.append(
            f"Declared a major incident on {_when(determination.determined_at)}: "
            f"{determination.rationale}"
        )
    if incident.safeguarding_steps:
        outcome.append(
            f"Immediate steps the police took to safeguard the public: "
            f"{incident.safeguarding_steps}"
        )
    if incident.stood_down_at:
        outcome.append(f"Stood down on {_when(incident.stood_down_at)}.")
    actions = [
        f"- {_when(duty.completed_at)}: {duty.description}"
        for duty in Duty.objects.filter(
            incident=incident, state=DutyState.DONE, completed_at__isnull=False
        ).order_by("completed_at", "order")
        if duty.completed_at is not None
    ]
    reports = SituationReport.objects.filter(incident=incident).count()
    if reports:
        actions.append(f"- Situation reports sent to the agencies: {reports}.")
    meeting = Meeting.objects.filter(incident=incident).order_by("starts_at").first()
    if meeting is not None:
        actions.append(f"- Formal debrief: {_when(meeting.starts_at)}, {meeting.location}.")
    return {
        "what_happened": (
            f"{incident.title}\n{incident.description}\n"
            f"When: {_when(incident.occurred_at)}. Where: {where}."
        ),
        "immediate_outcome": "\n".join(outcome),
        "actions_taken": "\n".join(actions),
        "current_tension": f"{TensionLevel(incident.tension_level).label}.",
        "what_members_should_do": "",
    }


@transaction.atomic
def fourteen_day_compose(*, actor: Member, incident: Incident) -> FourteenDayReport:
    """The first draft, composed from the incident (the caller looked it up for ``actor``)."""
    require(actor, "fourteen_day.write", incident)
    if incident.declared_at is None:
        raise ConflictError("Only a major incident has a 14-day report.")
    Incident.objects.select_for_update().filter(pk=incident.pk).first()
    if FourteenDayReport.objects.filter(incident=incident).exists():
        raise ConflictError("This incident's 14-day report is already composed.")
    now = timezone.now()
    report = FourteenDayReport.objects.create(
        partnership_id=incident.partnership_id,
        incident=incident,
        composed_by=actor,
        composed_at=now,
        edited_at=now,
        **_composed(incident),
    )
    audit_record(
        actor=actor, verb="fourteen_day.composed", subject=report, scope=Scope.incident(incident.pk)
    )
    return report


def _locked(report_id: int) -> FourteenDayReport:
    report: FourteenDayReport = (
        FourteenDayReport.objects.select_for_update(of=("self",))
        .select_related("incident", "partnership")
        .get(pk=report_id)
    )
    return report


@transaction.atomic
def fourteen_day_edit(*, actor: Member, report_id: int, **fields: str) -> FourteenDayReport:
    """The co-ordinator's edits to the draft (any of ``SECTIONS``)."""
    report = _locked(report_id)
    require(actor, "fourteen_day.write", report)
    unknown = set(fields) - set(SECTIONS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Not a part of the report."))
    if not can_proceed(report.edit):
        raise ConflictError("This report has been sent: it is kept as it was sent.")
    texts = {name: value.strip() for name, value in fields.items()}
    report.edit(at=timezone.now(), fields=texts)
    report.save()
    audit_record(
        actor=actor,
        verb="fourteen_day.edited",
        subject=report,
        scope=Scope.incident(report.incident_id),
        changes={"fields": sorted(texts)},
    )
    return report


def fourteen_day_pdf(report: FourteenDayReport, *, approved_by: Member, recipients: int) -> bytes:
    """The report as sent: marked OFFICIAL-SENSITIVE, numbered, every section in order."""
    styles = getSampleStyleSheet()
    incident = report.incident
    title = f"14-day report: {incident.reference} {incident.title}"
    story: list[Flowable] = [
        Paragraph(escape(title), styles["Title"]),
        Paragraph(
            escape(
                f"{report.partnership.name}. Approved by "
                f"{approved_by.get_full_name() or approved_by} and sent to {recipients} "
                "members of the partnership on "
                f"{_when(timezone.now())}. {handling_words()}"
            ),
            styles["BodyText"],
        ),
        Spacer(1, 6 * mm),
    ]
    for name, heading in SECTIONS.items():
        story.append(Paragraph(escape(heading), styles["Heading2"]))
        for line in getattr(report, name).splitlines() or [""]:
            story.append(Paragraph(escape(line) or "&nbsp;", styles["BodyText"]))
    return marked_pdf(title=title, story=story, footer=f"{incident.reference} 14-day report")


@transaction.atomic
def fourteen_day_approve(*, actor: Member, report_id: int) -> FourteenDayReport:
    """The co-ordinator approves the report and it goes to every member of the partnership; the
    step's duty is done (if it still waits, its own earlier steps must be done first: a 409)."""
    report = _locked(report_id)
    require(actor, "fourteen_day.write", report)
    if not can_proceed(report.approve):
        raise ConflictError("This report has already been approved and sent.")
    missing = {
        name: f"Write '{heading}' before the report is approved."
        for name, heading in SECTIONS.items()
        if not getattr(report, name).strip()
    }
    if missing:
        raise ValidationError(missing)
    members = list(members_active(report.partnership).filter(agency__isnull=False).order_by("pk"))
    duty = Duty.objects.filter(incident_id=report.incident_id, step_code=STEP).first()
    now = timezone.now()
    pdf = fourteen_day_pdf(report, approved_by=actor, recipients=len(members))
    sha256 = hashlib.sha256(pdf).hexdigest()
    report.approve(at=now, by=actor, recipients=len(members), pdf=pdf, sha256=sha256)
    report.save()
    audit_record(
        actor=actor,
        verb="fourteen_day.sent",
        subject=report,
        scope=Scope.incident(report.incident_id),
        changes={"recipients": len(members), "pdf_sha256": sha256},
    )
    page = reverse("fourteen-day-report", args=[report.incident_id])
    body = "\n\n".join(f"{heading}\n{getattr(report, name)}" for name, heading in SECTIONS.items())
    marked = f" ({protective_marking()})" if protective_marking() else ""
    notify(
        audiences=[Audience.member(m.pk) for m in members],
        title=f"{report.incident.reference}: 14-day report to the partnership",
        body=f"{body}\n\nThe report{marked} and its PDF: {page}. Please acknowledge it.",
        purposes=[Purpose.SITUATION, Purpose.COORDINATION],
        cause=f"fourteen-day:{report.pk}:sent",
        subject=report,
        scope=Scope.incident(report.incident_id),
        sender=actor,
        ack_ladder=duty.ack_ladder if duty is not None else DAYS_ACK_LADDER,
    )
    if duty is not None and duty.state in OPEN_DUTY_STATES:
        escalation_services.duty_complete(
            actor=actor,
            duty_id=duty.pk,
            message=f"The 14-day report was approved and sent to {len(members)} members: {page}",
            purposes=[Purpose.SITUATION, Purpose.COORDINATION],
            send=False,
        )
    return report


@transaction.atomic
def fourteen_day_download_record(*, actor: Member, report: FourteenDayReport) -> None:
    """A copy of the marked PDF taken away is on the timeline: who, and which (its hash)."""
    audit_record(
        actor=actor,
        verb="fourteen_day.downloaded",
        subject=report,
        scope=Scope.incident(report.incident_id),
        changes={"pdf_sha256": report.pdf_sha256},
    )
