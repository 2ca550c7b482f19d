"""Incidents, determinations, protocol definitions and the duties a declaration creates.

State lives in one protected ``FSMField`` per model; transitions change fields only, and
services (``escalation.services``) lock the row, run the transition, save and record the audit
event in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from notifications.models import Laddered
from partnership.models import Area, Division, Member, Partnership, Role
from partnership.text import OneLineField


class Strand(models.TextChoices):
    """The monitored strands (001: ACPO definitions)."""

    RACE = "race", "Race"
    RELIGION = "religion", "Religion or faith"
    SEXUAL_ORIENTATION = "sexual_orientation", "Sexual orientation"
    DISABILITY = "disability", "Disability"
    GENDER_IDENTITY = "gender_identity", "Gender identity"
    OTHER = "other", "Other"


class TensionLevel(models.TextChoices):
    LOW = "low", "Low"
    ELEVATED = "elevated", "Elevated"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class IncidentState(models.TextChoices):
    REPORTED = "reported", "Reported"
    UNDER_ASSESSMENT = "under_assessment", "Under assessment"
    DECLARED_MAJOR = "declared_major", "Declared major"
    NOT_MAJOR = "not_major", "Not major (casework)"
    STOOD_DOWN = "stood_down", "Stood down"
    CLOSED = "closed", "Closed"


OPEN_INCIDENT_STATES = (
    IncidentState.REPORTED,
    IncidentState.UNDER_ASSESSMENT,
    IncidentState.DECLARED_MAJOR,
    IncidentState.NOT_MAJOR,
    IncidentState.STOOD_DOWN,
)


# --- Protocol definitions ------------------------------------------------------------------------
class ProtocolState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published (in use for new declarations)"
    RETIRED = "retired", "Retired"


class ProtocolVersion(ConcurrentTransitionMixin, models.Model):
    """A version of the partnership's major-incident protocol. Steps are edited while it is a
    draft; publishing it retires the previous version. Incidents copy the steps they run under
    into their duties, so nothing an administrator does later changes a running incident."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="protocol_versions"
    )
    name = OneLineField(max_length=200)
    number = models.PositiveIntegerField()
    state = FSMField(default=ProtocolState.DRAFT, choices=ProtocolState.choices, protected=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "number"], name="protocol_number_per_partnership"
            ),
            models.UniqueConstraint(
                fields=["partnership"],
                condition=Q(state="published"),
                name="one_published_protocol",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.number})"

    @transition(field=state, source=ProtocolState.DRAFT, target=ProtocolState.PUBLISHED)
    def publish(self, *, at: Any) -> None:
        self.published_at = at

    @transition(field=state, source=ProtocolState.PUBLISHED, target=ProtocolState.RETIRED)
    def retire(self) -> None:
        pass


class DeadlineKindChoice(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    HOURS = "hours", "Hours"
    DAYS = "days", "Calendar days"
    WORKING_DAYS = "working_days", "Working days"


class Completion(models.TextChoices):
    ENGINE = "engine", "Done by the engine on declaration"
    MESSAGE = "message", "The owner sends the message it stands for"
    MEETING = "meeting", "The owner schedules a meeting (time, place, invitees)"


class ProtocolStep(models.Model):
    """One step of a protocol version.

    ``informs`` lists audiences: ``role:<role>`` (holders of a role), ``agency:<kind>`` (the
    partnership representatives of agencies of that kind) or ``member:<id>``. ``ladder`` lists the
    rungs run once the step is overdue: ``{"after_seconds": N, "to": audience}`` where the audience
    may also be ``owner`` or ``deputy`` (of the owner); ``after_seconds`` counts from the due time.
    """

    version = models.ForeignKey(ProtocolVersion, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=64)
    description = OneLineField(max_length=300)
    owner_role = models.CharField(
        max_length=40, choices=Role.choices, blank=True, help_text="Blank: the engine itself."
    )
    informs = models.JSONField(default=list)
    waits_for = models.JSONField(default=list, blank=True, help_text="Codes of earlier steps.")
    deadline_kind = models.CharField(max_length=20, choices=DeadlineKindChoice.choices)
    deadline_amount = models.PositiveIntegerField(default=0)
    completion = models.CharField(
        max_length=10, choices=Completion.choices, default=Completion.MESSAGE
    )
    ladder = models.JSONField(default=list, blank=True)
    ack_ladder = models.JSONField(
        default=list,
        blank=True,
        help_text="Chases the people this step's messages reach until they acknowledge: rungs "
        '{"after_seconds": N, "to": "repeat" | "deputy" | audience}, counted from sending.',
    )

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="step_code_unique"),
            models.UniqueConstraint(fields=["version", "order"], name="step_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.description}"


# --- Incidents -----------------------------------------------------------------------------------
class Incident(ConcurrentTransitionMixin, models.Model):
    # The area's partnership, held here too so that every list filters on one column.
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    title = OneLineField(max_length=200)
    description = models.TextField(help_text="What happened.")
    occurred_at = models.DateTimeField()
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="incidents")
    location = OneLineField(max_length=300, blank=True)
    safeguarding_steps = models.TextField(
        blank=True, help_text="Immediate steps the police took to safeguard the public."
    )
    tension_level = models.CharField(max_length=20, choices=TensionLevel.choices)
    reported_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField()
    state = FSMField(default=IncidentState.REPORTED, choices=IncidentState.choices, protected=True)
    connected = models.ManyToManyField(
        "self", symmetrical=True, blank=True, help_text="A series of connected events."
    )
    protocol = models.ForeignKey(
        ProtocolVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    declared_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was determined major: the protocol clock's zero."
    )
    stood_down_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["state", "-reported_at"], name="incident_state_reported")]

    def __str__(self) -> str:
        return f"Incident {self.pk}: {self.title}"

    @property
    def reference(self) -> str:
        return f"HC-{self.pk:05d}"

    @transition(field=state, source=IncidentState.REPORTED, target=IncidentState.UNDER_ASSESSMENT)
    def start_assessment(self) -> None:
        pass

    @transition(
        field=state,
        source=[IncidentState.REPORTED, IncidentState.UNDER_ASSESSMENT, IncidentState.NOT_MAJOR],
        target=IncidentState.DECLARED_MAJOR,
    )
    def declare_major(self, *, at: Any, protocol: ProtocolVersion) -> None:
        self.declared_at = at
        self.protocol = protocol

    @transition(
        field=state,
        source=[IncidentState.REPORTED, IncidentState.UNDER_ASSESSMENT],
        target=IncidentState.NOT_MAJOR,
    )
    def find_not_major(self) -> None:
        pass

    @transition(field=state, source=IncidentState.DECLARED_MAJOR, target=IncidentState.STOOD_DOWN)
    def stand_down(self, *, at: Any) -> None:
        self.stood_down_at = at

    @transition(
        field=state,
        source=[IncidentState.STOOD_DOWN, IncidentState.NOT_MAJOR],
        target=IncidentState.CLOSED,
    )
    def close(self, *, at: Any) -> None:
        self.closed_at = at


class BoardChange(models.Model):
    """A change to one partnership's board (an incident or one of its duties moved), numbered in
    the order it is published to the board's watchers.

    The number is taken after the change commits, in a transaction of its own under the
    partnership's board lock (as ``notifications.models.LiveEvent`` is under the member's), so
    for any one partnership a later number is always committed after an earlier one: a board page
    that saw change N and asks for every change after N misses nothing, even when Redis lost the
    push or the socket queued too long for it to arrive.
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=50, help_text="The incident's state after the change.")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["partnership", "id"], name="boardchange_partnership_id")]

    def __str__(self) -> str:
        return f"Board change {self.pk}: incident {self.incident_id} {self.state}"


class IncidentStrand(models.Model):
    """A strand perceived in an incident (a table, so incidents filter by strand on any
    database)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="strand_rows")
    strand = models.CharField(max_length=32, choices=Strand.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "strand"], name="incident_strand_unique")
        ]
        indexes = [models.Index(fields=["strand", "incident"], name="strand_incident")]

    def __str__(self) -> str:
        return self.get_strand_display()


class Determination(models.Model):
    """A senior police officer's decision on whether an incident is major. Append-only: a later
    reassessment is a new determination."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="determinations")
    officer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    is_major = models.BooleanField()
    rationale = models.TextField()
    determined_at = models.DateTimeField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["determined_at", "pk"]

    def __str__(self) -> str:
        return f"{'Major' if self.is_major else 'Not major'} ({self.officer})"


# --- Duties --------------------------------------------------------------------------------------
class DutyState(models.TextChoices):
    # Waiting for an earlier step (``waits_for``): its owner cannot act yet, so it is neither due
    # nor escalated; the step it waits for is.
    WAITING = "waiting", "Waiting for an earlier step"
    PENDING = "pending", "Pending"
    OVERDUE = "overdue", "Overdue"
    ESCALATED = "escalated", "Escalated"
    DONE = "done", "Done"
    WAIVED = "waived", "Waived"


OPEN_DUTY_STATES = (
    DutyState.WAITING,
    DutyState.PENDING,
    DutyState.OVERDUE,
    DutyState.ESCALATED,
)
FINISHED_DUTY_STATES = (DutyState.DONE, DutyState.WAIVED)


class Duty(ConcurrentTransitionMixin, Laddered):
    """One step of the protocol on one incident, with the step's definition copied in at
    declaration so that later edits to the protocol never change it. Its ladder (owner, deputy,
    co-ordinator, gold) climbs once it is overdue: ``escalation.services.duties.DUTIES``."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="duties")

    order = models.PositiveSmallIntegerField()
    step_code = models.SlugField(max_length=64)
    description = OneLineField(max_length=300)
    owner_role = models.CharField(max_length=40, choices=Role.choices, blank=True)
    informs = models.JSONField(default=list)
    waits_for = models.JSONField(default=list)
    completion = models.CharField(max_length=10, choices=Completion.choices)
    ladder = models.JSONField(default=list)
    ack_ladder = models.JSONField(default=list)
    due_at = models.DateTimeField()
    due_explanation = models.CharField(max_length=1000)
    # What the due time is computed from, so that a change to the calendar can recompute it.
    deadline_start = models.DateTimeField(null=True, blank=True)
    deadline_kind = models.CharField(max_length=20, choices=DeadlineKindChoice.choices, blank=True)
    deadline_amount = models.PositiveIntegerField(default=0)
    deadline_division = models.CharField(max_length=20, choices=Division.choices, blank=True)
    state = FSMField(default=DutyState.PENDING, choices=DutyState.choices, protected=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField(blank=True, help_text="What the owner sent on completing it.")
    waived_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["incident", "order"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "step_code"], name="one_duty_per_step")
        ]
        indexes = [
            # What the scheduler asks: pending duties by due time, escalating ones by next rung.
            models.Index(fields=["state", "due_at"], name="duty_state_due"),
            models.Index(fields=["state", "next_rung_at"], name="duty_state_next_rung"),
        ]
        verbose_name_plural = "duties"

    def __str__(self) -> str:
        return f"{self.description} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_DUTY_STATES

    @transition(field=state, source=DutyState.WAITING, target=DutyState.PENDING)
    def ready(self, *, due_at: Any, due_explanation: str, deadline_start: Any) -> None:
        """The steps it waited for are finished: its owner can act, by ``due_at`` (later than
        first computed when a step it waited for was late: that lateness is not its owner's)."""
        self.due_at = due_at
        self.due_explanation = due_explanation
        self.deadline_start = deadline_start

    @transition(field=state, source=DutyState.PENDING, target=DutyState.OVERDUE)
    def mark_overdue(self, *, at: Any, next_rung_at: Any) -> None:
        self.overdue_at = at
        self.next_rung_at = next_rung_at

    @transition(
        field=state,
        source=[DutyState.OVERDUE, DutyState.ESCALATED],
        target=RETURN_VALUE(DutyState.OVERDUE, DutyState.ESCALATED),
    )
    def retime(self, *, next_rung_at: Any) -> str:
        """The due time moved: the ladder keeps its place, its next rung due ``next_rung_at``."""
        self.next_rung_at = next_rung_at
        return str(self.state)

    @transition(field=state, source=DutyState.OVERDUE, target=DutyState.PENDING)
    def lift_overdue(self) -> None:
        """The calendar changed and the due time is still to come: not late after all. The
        ladder keeps its place, so a rung that already fired never fires again."""
        self.overdue_at = None
        self.next_rung_at = None

    @transition(
        field=state,
        source=[DutyState.OVERDUE, DutyState.ESCALATED],
        target=RETURN_VALUE(DutyState.OVERDUE, DutyState.ESCALATED),
    )
    def climb(self, *, next_rung_at: Any, escalates: bool) -> str:
        """One rung of the ladder fired. Reminding the owner keeps the duty overdue; telling
        anyone above the owner makes it escalated."""
        self.next_rung += 1
        self.next_rung_at = next_rung_at
        if escalates or self.state == DutyState.ESCALATED:
            return DutyState.ESCALATED
        return DutyState.OVERDUE

    @transition(field=state, source=list(OPEN_DUTY_STATES), target=DutyState.DONE)
    def complete(self, *, at: Any, by: Member | None, message: str) -> None:
        self.completed_at = at
        self.completed_by = by
        self.message = message
        self.next_rung_at = None

    @transition(field=state, source=list(OPEN_DUTY_STATES), target=DutyState.WAIVED)
    def waive(self, *, at: Any, by: Member, reason: str) -> None:
        self.completed_at = at
        self.completed_by = by
        self.waived_reason = reason
        self.next_rung_at = None

    @property
    def partnership_id(self) -> int:
        """The partnership of its incident (``partnership.permissions.can`` refuses any other)."""
        return self.incident.partnership_id


class Meeting(models.Model):
    """A meeting the protocol asks for (the formal debrief)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="meetings")

    duty = models.OneToOneField(Duty, on_delete=models.PROTECT, null=True, related_name="meeting")
    title = OneLineField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = OneLineField(max_length=300)
    organiser = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    invitees = models.ManyToManyField(Member, related_name="meeting_invitations")

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def partnership_id(self) -> int:
        """The partnership of its incident (``partnership.permissions.can`` refuses any other)."""
        return self.incident.partnership_id


class SituationReport(models.Model):
    """An update on an incident from the CRRO or the CSP Co-ordinator to chosen roles and
    agencies, each tagged with its purposes (004 §2.4). Replies arrive on its notifications."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="situation_reports"
    )

    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    audiences = models.JSONField()
    purposes = models.JSONField()
    body = models.TextField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"Situation report {self.pk} on incident {self.incident_id}"

    @property
    def partnership_id(self) -> int:
        """The partnership of its incident (``partnership.permissions.can`` refuses any other)."""
        return self.incident.partnership_id
