"""Casework: every incident that is not a major incident becomes a case with a lead officer,
victim contact to the partnership's standard, case actions, and a closure with the victim's view.

A case hangs off its incident (one each), so the incident's people, repeat flags and referrals
keep working on it, and its events go on the incident's timeline. Its deadlines (contact, visit,
follow-up, actions) are ``CaseTask`` rows on the one ladder engine (``casework.services.tasks``).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from conference.models import Referral, RiskLevel
from escalation.models import DeadlineKindChoice, Incident, Strand
from notifications.models import Laddered
from partnership.models import Agency, Area, Division, Member, Partnership


class CaseRule(models.Model):
    """Which agency leads a partnership's cases, by area and strand (the co-ordinator edits
    them). The first rule, in order, whose area and strand both fit the incident names the lead;
    a blank area or strand fits any."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField()
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    strand = models.CharField(max_length=32, choices=Strand.choices, blank=True)
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    lead_officer = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Removed rules are kept (the timeline and the cases they chose refer to them).
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["partnership", "order", "pk"]

    def __str__(self) -> str:
        return f"Case rule {self.order}"


class ContactStandard(models.Model):
    """How soon a victim is contacted and visited at one risk level, and followed up after the
    visit (002: "visiting victims of hate crime within agreed standard times", "follow up survey
    within 14 days of the visit"). A partnership without a row uses ``standards.DEFAULTS``."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    contact_kind = models.CharField(max_length=20, choices=DeadlineKindChoice.choices)
    contact_amount = models.PositiveIntegerField()
    visit_kind = models.CharField(max_length=20, choices=DeadlineKindChoice.choices)
    visit_amount = models.PositiveIntegerField()
    follow_up_days = models.PositiveIntegerField(default=14)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "risk_level"], name="one_contact_standard_per_level"
            )
        ]

    def __str__(self) -> str:
        return f"Contact standard ({self.risk_level})"


class CaseState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class HowOpened(models.TextChoices):
    NOT_MAJOR = "not_major", "Determined not major by the senior police officer"
    COORDINATOR = "coordinator", "Taken into casework by the co-ordinator"


class CaseOutcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved: the victim is safe and supported"
    ACTION_TAKEN = "action_taken", "Action taken against the perpetrator"
    NO_FURTHER_ACTION = "no_further_action", "No further action possible"
    VICTIM_DECLINED = "victim_declined", "The victim declined further help"
    REFERRED = "referred", "Passed to a risk conference"
    MAJOR = "major", "Became a major incident"


class Case(ConcurrentTransitionMixin, models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="case")
    how_opened = models.CharField(max_length=20, choices=HowOpened.choices)
    lead_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lead_officer = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="lead_cases"
    )
    risk_level = models.CharField(
        max_length=10, choices=RiskLevel.choices, default=RiskLevel.STANDARD
    )
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = FSMField(default=CaseState.OPEN, choices=CaseState.choices, protected=True)
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    put_to_officer_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=CaseOutcome.choices, blank=True)
    outcome_notes = models.TextField(blank=True)
    victim_view = models.TextField(blank=True, help_text="What the victim says of the outcome.")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When the casework group next reviews the case (set at each review); blank: at its next
    # meeting (a case not yet reviewed, or reopened).
    next_review_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["partnership", "state"], name="case_partnership_state")]

    def __str__(self) -> str:
        return f"Case {self.pk}"

    @property
    def reference(self) -> str:
        return f"CW-{self.pk:05d}"

    @property
    def is_open(self) -> bool:
        return bool(self.state == CaseState.OPEN)

    @transition(field=state, source=CaseState.OPEN, target=CaseState.CLOSED)
    def close(self, *, at: Any, by: Member, outcome: str, notes: str, victim_view: str) -> None:
        self.closed_at = at
        self.closed_by = by
        self.outcome = outcome
        self.outcome_notes = notes
        self.victim_view = victim_view

    @transition(field=state, source=CaseState.CLOSED, target=CaseState.OPEN)
    def reopen(self) -> None:
        """The closure's outcome stays on the timeline (its notes and the victim's view stay here
        until the next closure replaces them); the group reviews the case at its next meeting."""
        self.closed_at = None
        self.closed_by = None
        self.outcome = ""
        self.next_review_on = None


class TaskKind(models.TextChoices):
    CONTACT = "contact", "First contact with the victim"
    VISIT = "visit", "Visit to the victim"
    FOLLOW_UP = "follow_up", "Follow-up with the victim after the visit"
    ACTION = "action", "Case action"


# The three steps of victim contact to the standard (counted in compliance).
CONTACT_KINDS = (TaskKind.CONTACT, TaskKind.VISIT, TaskKind.FOLLOW_UP)


class TaskState(models.TextChoices):
    PENDING = "pending", "Pending"
    OVERDUE = "overdue", "Overdue"
    ESCALATED = "escalated", "Escalated"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_TASK_STATES = (TaskState.PENDING, TaskState.OVERDUE, TaskState.ESCALATED)


class CaseTask(ConcurrentTransitionMixin, Laddered):
    """One deadline of a case: a step of victim contact (owned by the lead officer) or a case
    action (owned by a member of an agency). Its due time is computed once, on the protocol's
    clock, with the reason in words; late, it climbs the one ladder engine (owner, their deputy,
    the co-ordinator: ``casework.services.tasks.CASE_TASKS``)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    description = models.TextField()
    owner_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="case_tasks"
    )
    due_at = models.DateTimeField()
    due_explanation = models.CharField(max_length=1000)
    deadline_start = models.DateTimeField()
    # Blank for a case action, whose date was agreed rather than computed.
    deadline_kind = models.CharField(max_length=20, choices=DeadlineKindChoice.choices, blank=True)
    deadline_amount = models.PositiveIntegerField(default=0)
    deadline_division = models.CharField(max_length=20, choices=Division.choices)
    state = FSMField(default=TaskState.PENDING, choices=TaskState.choices, protected=True)
    ladder = models.JSONField(default=list)
    overdue_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True, help_text="When it happened.")
    recorded_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(
        blank=True, help_text="What was done; at a follow-up, what the victim says of the service."
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="casetask_state_due"),
            models.Index(fields=["state", "next_rung_at"], name="casetask_state_next_rung"),
        ]
        constraints = [
            # One of each step of victim contact per case: the standard is kept once.
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=~Q(kind="action"),
                name="one_contact_step_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TASK_STATES

    @property
    def done_late(self) -> bool:
        return self.done_at is not None and self.done_at > self.due_at

    @transition(field=state, source=TaskState.PENDING, target=TaskState.OVERDUE)
    def mark_overdue(self, *, at: Any, next_rung_at: Any) -> None:
        self.overdue_at = at
        self.next_rung_at = next_rung_at

    @transition(
        field=state,
        source=[TaskState.OVERDUE, TaskState.ESCALATED],
        target=RETURN_VALUE(TaskState.OVERDUE, TaskState.ESCALATED),
    )
    def climb(self, *, next_rung_at: Any, escalates: bool) -> str:
        """Reminding the owner keeps it overdue; telling anyone else escalates it."""
        self.next_rung += 1
        self.next_rung_at = next_rung_at
        if escalates or self.state == TaskState.ESCALATED:
            return TaskState.ESCALATED
        return TaskState.OVERDUE

    @transition(field=state, source=TaskState.PENDING, target=TaskState.PENDING)
    def reschedule(
        self, *, due_at: Any, explanation: str, start: Any, kind: str, amount: int
    ) -> None:
        """The case's risk level changed before the step fell due: its standard changed."""
        self.due_at = due_at
        self.due_explanation = explanation
        self.deadline_start = start
        self.deadline_kind = kind
        self.deadline_amount = amount

    @transition(field=state, source=list(OPEN_TASK_STATES), target=TaskState.DONE)
    def complete(self, *, at: Any, recorded_at: Any, by: Member, note: str) -> None:
        self.done_at = at
        self.recorded_at = recorded_at
        self.done_by = by
        self.note = note
        self.next_rung_at = None

    @transition(field=state, source=list(OPEN_TASK_STATES), target=TaskState.CANCELLED)
    def cancel(self, *, at: Any, by: Member | None, reason: str) -> None:
        self.recorded_at = at
        self.done_by = by
        self.note = reason
        self.next_rung_at = None

    @property
    def partnership_id(self) -> int:
        """The partnership of its case (``partnership.permissions.can`` refuses any other)."""
        return self.case.partnership_id


# Reports from anyone, shared information and tension live in their own modules; importing them
# here registers them.
from casework.info_models import SharedInformation as SharedInformation  # noqa: E402
from casework.info_models import TensionRecord as TensionRecord  # noqa: E402
from casework.intake_models import PublicReport as PublicReport  # noqa: E402
from casework.intake_models import ReportAddition as ReportAddition  # noqa: E402
from casework.review_models import CaseLink as CaseLink  # noqa: E402
from casework.review_models import CaseReview as CaseReview  # noqa: E402
