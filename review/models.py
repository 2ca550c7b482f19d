"""The records the review keeps of its own: the protocol's documents (the debrief's record) and
the follow-up actions they agree, and each partnership's reporting settings.

State lives in one protected ``FSMField`` per model; transitions change fields only, and the
services (``review.services``) lock the row, run the transition, save and record the audit event
in one transaction. Laddered records climb the one ladder engine (``notifications.ladder``).
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from conference.models import Conference
from escalation.models import Incident, Meeting
from notifications.models import Laddered
from partnership.models import Agency, Member, Partnership


class ReportingSettings(models.Model):
    """What each partnership sets for its own documents and reports (a partnership without a row
    has the defaults: ``review.selectors.reporting_settings``)."""

    partnership = models.OneToOneField(
        Partnership, on_delete=models.PROTECT, related_name="reporting_settings"
    )
    debrief_record_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="The debrief's record is due this many days after the debrief meeting ends.",
    )
    half_year_first_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="The month the partnership's half-years start in (and six months later): 1 for "
        "January-June and July-December, 4 for April-September and October-March.",
    )
    reports_from = models.DateField(
        null=True,
        blank=True,
        help_text="Six-monthly reports are produced by themselves for every half-year ending on "
        "or after this day (set to the day the service first saw the partnership).",
    )

    class Meta:
        verbose_name_plural = "reporting settings"

    def __str__(self) -> str:
        return f"Reporting settings of {self.partnership}"


# --- The debrief's record (protocol step 6) ------------------------------------------------------
class DebriefState(models.TextChoices):
    AWAITING = "awaiting", "Awaiting its record"
    OVERDUE = "overdue", "Record overdue"
    ESCALATED = "escalated", "Record overdue: escalated"
    RECORDED = "recorded", "Recorded"


AWAITING_RECORD = (DebriefState.AWAITING, DebriefState.OVERDUE, DebriefState.ESCALATED)


class Debrief(ConcurrentTransitionMixin, Laddered):
    """The record of an incident's formal debrief: who attended, what happened, what worked and
    what did not, the lessons, and the actions agreed (``PlanAction``). Made when the protocol's
    debrief meeting is scheduled (the step is done then); the record itself is due a number of
    days after the meeting that the partnership sets, and climbs its own ladder when late
    (``review.services.debriefs.DEBRIEFS``)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="debrief")
    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="debrief")
    due_at = models.DateTimeField()
    state = FSMField(default=DebriefState.AWAITING, choices=DebriefState.choices, protected=True)
    ladder = models.JSONField(default=list)
    overdue_at = models.DateTimeField(null=True, blank=True)
    attendees = models.ManyToManyField(Member, blank=True, related_name="+")
    other_attendees = models.TextField(
        blank=True, help_text="Who else attended (people without an account), one a line."
    )
    what_happened = models.TextField(blank=True)
    what_worked = models.TextField(blank=True)
    what_did_not_work = models.TextField(blank=True)
    lessons = models.TextField(blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["state", "due_at"], name="debrief_state_due"),
            models.Index(fields=["state", "next_rung_at"], name="debrief_state_next_rung"),
        ]

    def __str__(self) -> str:
        return f"Debrief of {self.incident}"

    @property
    def awaiting_record(self) -> bool:
        return self.state in AWAITING_RECORD

    @property
    def recorded_late(self) -> bool:
        return self.recorded_at is not None and self.recorded_at > self.due_at

    @transition(field=state, source=DebriefState.AWAITING, target=DebriefState.OVERDUE)
    def mark_overdue(self, *, at: Any, next_rung_at: Any) -> None:
        self.overdue_at = at
        self.next_rung_at = next_rung_at

    @transition(
        field=state,
        source=[DebriefState.OVERDUE, DebriefState.ESCALATED],
        target=RETURN_VALUE(DebriefState.OVERDUE, DebriefState.ESCALATED),
    )
    def climb(self, *, next_rung_at: Any, escalates: bool) -> str:
        """Reminding the organiser keeps it overdue; telling anyone else escalates it."""
        self.next_rung += 1
        self.next_rung_at = next_rung_at
        if escalates or self.state == DebriefState.ESCALATED:
            return DebriefState.ESCALATED
        return DebriefState.OVERDUE

    @transition(field=state, source=list(AWAITING_RECORD), target=DebriefState.RECORDED)
    def record(self, *, at: Any, by: Member, fields: dict[str, str]) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        self.recorded_at = at
        self.recorded_by = by
        self.next_rung_at = None


# --- Actions agreed at a debrief (and, later, the strategy action plan) ---------------------------
class PlanActionState(models.TextChoices):
    OPEN = "open", "Open"
    OVERDUE = "overdue", "Overdue"
    ESCALATED = "escalated", "Overdue: escalated"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_PLAN_ACTION_STATES = (PlanActionState.OPEN, PlanActionState.OVERDUE, PlanActionState.ESCALATED)


class PlanAction(ConcurrentTransitionMixin, Laddered):
    """An action a partnership agreed outside a risk conference: an owner, a date, and a ladder
    when late (``review.services.actions.PLAN_ACTIONS``). One agreed at a debrief names it; one
    that names no debrief is on the partnership's strategy action plan, reviewed at its strategy
    group meetings (progress in ``PlanActionNote``)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    debrief = models.ForeignKey(
        Debrief, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    description = models.TextField()
    owner = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="plan_actions")
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(help_text="The end of the day it is due.")
    state = FSMField(default=PlanActionState.OPEN, choices=PlanActionState.choices, protected=True)
    ladder = models.JSONField(default=list)
    overdue_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="plan_action_state_due"),
            models.Index(fields=["state", "next_rung_at"], name="plan_action_state_next_rung"),
        ]

    def __str__(self) -> str:
        return f"Action {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_PLAN_ACTION_STATES

    @property
    def done_on_time(self) -> bool:
        return (
            self.state == PlanActionState.DONE
            and self.completed_at is not None
            and self.completed_at <= self.due_at
        )

    @transition(field=state, source=PlanActionState.OPEN, target=PlanActionState.OVERDUE)
    def mark_overdue(self, *, at: Any, next_rung_at: Any) -> None:
        self.overdue_at = at
        self.next_rung_at = next_rung_at

    @transition(
        field=state,
        source=[PlanActionState.OVERDUE, PlanActionState.ESCALATED],
        target=RETURN_VALUE(PlanActionState.OVERDUE, PlanActionState.ESCALATED),
    )
    def climb(self, *, next_rung_at: Any, escalates: bool) -> str:
        """Reminding the owner keeps the action overdue; telling anyone else escalates it."""
        self.next_rung += 1
        self.next_rung_at = next_rung_at
        if escalates or self.state == PlanActionState.ESCALATED:
            return PlanActionState.ESCALATED
        return PlanActionState.OVERDUE

    @transition(field=state, source=list(OPEN_PLAN_ACTION_STATES), target=PlanActionState.DONE)
    def complete(self, *, at: Any, by: Member, outcome: str) -> None:
        self.completed_at = at
        self.completed_by = by
        self.outcome = outcome
        self.next_rung_at = None


class PlanActionNote(models.Model):
    """A note of progress on an action, at a strategy group meeting (``meeting``) or between
    them. Append-only: the plan's history is its notes."""

    action = models.ForeignKey(PlanAction, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    written_at = models.DateTimeField()
    meeting = models.ForeignKey(
        Conference, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["written_at", "pk"]

    def __str__(self) -> str:
        return f"Note on action {self.action_id}"

    @property
    def partnership_id(self) -> int:
        return self.action.partnership_id


# --- The 14-day report (protocol step 8) ---------------------------------------------------------
class FourteenDayReportState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Approved and sent"


class FourteenDayReport(ConcurrentTransitionMixin, models.Model):
    """The report to every member of the partnership on a major incident and its immediate
    outcome: composed from the incident, edited and approved by the CSP Co-ordinator, sent
    (acknowledged on the notifications it went out on), then kept as sent: its text frozen and
    the marked PDF stored with its hash."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, related_name="fourteen_day_report"
    )
    state = FSMField(
        default=FourteenDayReportState.DRAFT,
        choices=FourteenDayReportState.choices,
        protected=True,
    )
    what_happened = models.TextField(blank=True)
    immediate_outcome = models.TextField(blank=True)
    actions_taken = models.TextField(blank=True)
    current_tension = models.TextField(blank=True)
    what_members_should_do = models.TextField(blank=True)
    composed_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    composed_at = models.DateTimeField()
    edited_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    pdf = models.BinaryField(blank=True, default=b"", editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"14-day report on {self.incident}"

    @property
    def is_draft(self) -> bool:
        return bool(self.state == FourteenDayReportState.DRAFT)

    @transition(
        field=state, source=FourteenDayReportState.DRAFT, target=FourteenDayReportState.DRAFT
    )
    def edit(self, *, at: Any, fields: dict[str, str]) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        self.edited_at = at

    @transition(
        field=state, source=FourteenDayReportState.DRAFT, target=FourteenDayReportState.SENT
    )
    def approve(self, *, at: Any, by: Member, recipients: int, pdf: bytes, sha256: str) -> None:
        self.approved_by = by
        self.sent_at = at
        self.recipients = recipients
        self.pdf = pdf
        self.pdf_sha256 = sha256


# --- The six-monthly report ----------------------------------------------------------------------
class SixMonthlyTrigger(models.TextChoices):
    SCHEDULED = "scheduled", "By itself, when the period ended"
    ON_DEMAND = "on_demand", "On demand"


class SixMonthlyReport(models.Model):
    """The partnership's report on a half-year (or a period it chose), each figure beside the
    period before: stored as produced (its figures, CSV and marked PDF with its hash) and
    circulated to every member. One produced by itself per partnership and period, however many
    schedulers run (the constraint is the last guard)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    trigger = models.CharField(max_length=10, choices=SixMonthlyTrigger.choices)
    produced_at = models.DateTimeField()
    produced_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    figures = models.JSONField()
    csv = models.TextField()
    pdf = models.BinaryField(editable=False)
    pdf_sha256 = models.CharField(max_length=64)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-period_end", "-produced_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "period_start", "period_end"],
                condition=models.Q(trigger="scheduled"),
                name="one_scheduled_report_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"Six-monthly report {self.period_start} to {self.period_end}"
