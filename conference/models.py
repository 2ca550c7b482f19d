"""Victims, repeat detection, referrals with risk assessment, risk conferences and their actions.

A ``Person`` is personal data of the most sensitive kind: it holds the minimum needed to link a
victim's incidents and bring their case to a conference, and every view of it is recorded
(``PersonAccess``). The timeline refers to people by id only.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from conference.sharing_models import LawfulBasis as LawfulBasis
from conference.sharing_models import PersonShare as PersonShare
from conference.sharing_models import ShareState as ShareState
from escalation.models import Incident
from notifications.models import Laddered
from partnership.models import Agency, Area, Member, Partnership
from partnership.text import OneLineField


class Person(models.Model):
    """A victim (or person at risk). Sensitive personal data."""

    # Known to one partnership: another partnership that meets the same person records them
    # again (sharing across partnerships needs a recorded basis, which is not built).
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    full_name = OneLineField(max_length=200)
    known_as = OneLineField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    safe_contact = models.TextField(
        blank=True, help_text="How to contact them safely (never shared outside the case)."
    )
    address = OneLineField(
        max_length=300, blank=True, help_text="Home address, to find the same person twice."
    )
    # Set when the co-ordinator merged this record into another one (reversibly: ``PersonMerge``).
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    incidents = models.ManyToManyField(Incident, through="IncidentPerson", related_name="people")
    created_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["full_name", "pk"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        # Used in admin only; pages say "Person 12" unless the viewer may see the name.
        return f"Person {self.pk}"

    @property
    def reference(self) -> str:
        return f"P-{self.pk:05d}"

    def seen_outside_by(self, member: Member) -> bool:
        """Whether the partnership ``member`` works in holds a live share of this record
        (``sharing_models.PersonShare``): then its need-to-know rules decide, as for its own."""
        working = member.partnership
        return (
            working is not None
            and self.shares.filter(partnership_id=working.pk, state="active").exists()
        )


class IncidentPerson(models.Model):
    """A person's part in an incident. Only victims count towards the repeat-victim rules;
    perpetrators and suspects towards the repeat-perpetrator rule (``conference.repeats``)."""

    class Involvement(models.TextChoices):
        VICTIM = "victim", "Victim"
        WITNESS = "witness", "Witness"
        PERPETRATOR = "perpetrator", "Perpetrator or suspect"
        REPORTER = "reporter", "Reporter"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    involvement = models.CharField(max_length=12, choices=Involvement.choices, default="victim")
    linked_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "person"], name="incident_person_once")
        ]

    def __str__(self) -> str:
        return f"Person {self.person_id} in incident {self.incident_id}"


class PersonAccess(models.Model):
    """Who looked at a person's record (or a restricted contribution about them), and when.

    A hash chain like the audit timeline (``conference.access_log``): ``seq`` numbers rows without
    gaps and ``hash`` covers the row and the one before, so an edited or removed row is found; on
    PostgreSQL a trigger refuses UPDATE and DELETE outright."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="accesses")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    what = models.CharField(max_length=100)
    seq = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-at", "-seq"]

    def __str__(self) -> str:
        return f"{self.member} viewed {self.what} of person {self.person_id}"


# --- Repeat detection ----------------------------------------------------------------------------
class FlagKind(models.TextChoices):
    REPEAT = "repeat", "Repeat victim (further incident after a referral)"
    SUGGESTED_REFERRAL = "suggested_referral", "Suggested referral (potential escalation)"
    REPEAT_PERPETRATOR = (
        "repeat_perpetrator",
        "Repeat perpetrator (perpetrator or suspect in several incidents)",
    )


class FlagState(models.TextChoices):
    OPEN = "open", "Open"
    REFERRED = "referred", "Referred"
    DISMISSED = "dismissed", "Dismissed"


class RepeatFlag(ConcurrentTransitionMixin, models.Model):
    """A rule that fired on a person's history, saying which rule and on which incidents."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="flags")

    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    rule = models.CharField(max_length=300, help_text="The rule that fired, in words.")
    incidents = models.ManyToManyField(Incident, related_name="+")
    referral = models.ForeignKey(
        "Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="repeat_flags"
    )
    key = models.CharField(max_length=100, unique=True, help_text="Keeps a rule from firing twice.")
    raised_at = models.DateTimeField()
    state = FSMField(default=FlagState.OPEN, choices=FlagState.choices, protected=True)
    resolved_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for person {self.person_id}"

    @transition(field=state, source=FlagState.OPEN, target=FlagState.REFERRED)
    def refer(self, *, by: Member) -> None:
        self.resolved_by = by

    @transition(field=state, source=FlagState.OPEN, target=FlagState.DISMISSED)
    def dismiss(self, *, by: Member, reason: str) -> None:
        self.resolved_by = by
        self.resolution = reason

    @property
    def partnership_id(self) -> int:
        """The partnership of its person (``partnership.permissions.can`` refuses any other)."""
        return self.person.partnership_id


# --- Referrals and risk assessment ---------------------------------------------------------------
class ReferralReason(models.TextChoices):
    ASSESSMENT_SCORE = "assessment_score", "Risk assessment score"
    PROFESSIONAL_JUDGEMENT = "professional_judgement", "Professional judgement"
    POTENTIAL_ESCALATION = (
        "potential_escalation",
        "Potential escalation (3+ incidents in 12 months)",
    )
    REPEAT = "repeat", "Repeat victim"


class RiskLevel(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


RISK_ORDER = {RiskLevel.STANDARD: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


class ReferralState(models.TextChoices):
    OPEN = "open", "Open (awaiting a conference)"
    ON_AGENDA = "on_agenda", "On a conference agenda"
    HEARD = "heard", "Heard at conference"
    CLOSED = "closed", "Closed"


class Referral(ConcurrentTransitionMixin, models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    referring_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    referred_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=30, choices=ReferralReason.choices)
    summary = models.TextField(help_text="Why this case needs the panel.")
    # The hate crime risk assessment: answers to the checklist, the score and what it maps to.
    answers = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField()
    assessed_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    level = models.CharField(max_length=10, choices=RiskLevel.choices)
    raised_reason = models.TextField(
        blank=True, help_text="Professional judgement that raised the level above the score's."
    )
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    consent_notes = models.TextField(blank=True)
    created_at = models.DateTimeField()
    state = FSMField(default=ReferralState.OPEN, choices=ReferralState.choices, protected=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Referral {self.pk}"

    @transition(field=state, source=ReferralState.OPEN, target=ReferralState.ON_AGENDA)
    def put_on_agenda(self) -> None:
        pass

    @transition(field=state, source=ReferralState.ON_AGENDA, target=ReferralState.OPEN)
    def take_off_agenda(self) -> None:
        pass

    @transition(field=state, source=ReferralState.ON_AGENDA, target=ReferralState.HEARD)
    def hear(self) -> None:
        pass

    @transition(
        field=state, source=[ReferralState.OPEN, ReferralState.HEARD], target=ReferralState.CLOSED
    )
    def close(self) -> None:
        pass


# --- Conferences ---------------------------------------------------------------------------------
class ConferenceKind(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled panel"
    EMERGENCY = "emergency", "Emergency conference"
    # The partnership's strategy group (004 §3), which reviews its strategy action plan
    # (review.models.PlanAction): a meeting on the same machinery, with no cases on its agenda.
    STRATEGY = "strategy", "Strategy group meeting"
    # The casework group (004 §4: the Anti-Racial Harassment Group), which reviews the open cases
    # of incidents that are not major: its agenda is the cases due for review (``casework``).
    CASEWORK = "casework", "Casework group meeting"


# The kinds that are risk conferences (MARAC-style panels on referred victims): what reports count
# as conferences arranged and held. The strategy and casework groups meet on the same machinery but
# are counted with the plan and the cases they review.
RISK_CONFERENCE_KINDS = (ConferenceKind.SCHEDULED, ConferenceKind.EMERGENCY)


class ConferenceState(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_SESSION = "in_session", "In session"
    CONCLUDED = "concluded", "Concluded"


class Conference(ConcurrentTransitionMixin, models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ConferenceKind.choices)
    title = OneLineField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = OneLineField(max_length=300)
    chair = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    coordinator = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    invitees = models.ManyToManyField(Member, related_name="conference_invitations", blank=True)
    state = FSMField(
        default=ConferenceState.PLANNED, choices=ConferenceState.choices, protected=True
    )
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title

    @transition(field=state, source=ConferenceState.PLANNED, target=ConferenceState.IN_SESSION)
    def open(self, *, at: Any) -> None:
        self.opened_at = at

    @transition(field=state, source=ConferenceState.IN_SESSION, target=ConferenceState.CONCLUDED)
    def conclude(self, *, at: Any) -> None:
        self.concluded_at = at
        self.current_item = None


class AgendaKind(models.TextChoices):
    CASE = "case", "Case"
    ACTION_REVIEW = "action_review", "Review of open actions from the last conference"
    # A case of the casework group, put on a casework group meeting's agenda by ``casework``
    # (which keeps the case and its review outcome; the item names it in ``subject``).
    CASE_REVIEW = "case_review", "Review of a case of the casework group"


class AgendaItem(models.Model):
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="agenda")

    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=AgendaKind.choices, default=AgendaKind.CASE)
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    needed_agencies = models.ManyToManyField(
        Agency, blank=True, related_name="+", help_text="Agencies the case needs present."
    )
    agreed_risk = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    # What an item that is not a referral is about, in the words of the app that put it on the
    # agenda ("case CW-00012"): this app cannot look a case up (it is below casework).
    subject = OneLineField(max_length=200, blank=True)
    discussed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["conference", "order"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "order"], name="agenda_order_unique")
        ]

    def __str__(self) -> str:
        return f"Item {self.order} of conference {self.conference_id}"

    @property
    def partnership_id(self) -> int:
        """The partnership of its conference (``partnership.permissions.can`` refuses any other)."""
        return self.conference.partnership_id


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Sent apologies"
        ABSENT = "absent", "Absent"

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conference", "member"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_status_display()}"


class Visibility(models.TextChoices):
    PANEL = "panel", "The whole panel"
    AGENCIES = "agencies", "Named agencies only"
    CHAIR = "chair", "The chair only"


class ResearchContribution(models.Model):
    """What one agency brings to one case before the meeting: facts and professional opinion
    kept apart, and what it holds but will not share, with the reason."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="research")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    facts = models.TextField(blank=True)
    opinion = models.TextField(blank=True)
    withheld = models.TextField(blank=True, help_text="What the agency holds but will not share.")
    withheld_reason = models.TextField(blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default="panel")
    visible_agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    filed_at = models.DateTimeField()

    class Meta:
        ordering = ["agenda_item", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agenda_item", "agency"], name="one_research_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"Research by {self.agency} on item {self.agenda_item_id}"


class EntryKind(models.TextChoices):
    INFORMATION = "information", "Information shared"
    RISK_AGREED = "risk_agreed", "Risk level agreed"
    ACTION = "action", "Action agreed"
    NOTE = "note", "Chair's note"
    ITEM_OPENED = "item_opened", "Moved to agenda item"
    REVIEW_OUTCOME = "review_outcome", "Case review outcome"


class RoomEntry(models.Model):
    """One thing said or decided in the live room, in order. Append-only; the room's state is
    these entries plus the conference's current item."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="entries")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default="panel")
    visible_agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    action = models.ForeignKey(
        "Action", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["conference", "id"], name="roomentry_conference_id")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} in conference {self.conference_id}"


class ActionState(models.TextChoices):
    OPEN = "open", "Open"
    OVERDUE = "overdue", "Overdue"
    ESCALATED = "escalated", "Escalated"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_ACTION_STATES = (ActionState.OPEN, ActionState.OVERDUE, ActionState.ESCALATED)


class Action(ConcurrentTransitionMixin, Laddered):
    """What an agency promised at a conference: an owner, a date, and a ladder when late
    (``conference.services.actions.ACTIONS``)."""

    conference = models.ForeignKey(Conference, on_delete=models.PROTECT, related_name="actions")

    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    description = models.TextField()
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="conference_actions")
    due_at = models.DateTimeField()
    state = FSMField(default=ActionState.OPEN, choices=ActionState.choices, protected=True)
    ladder = models.JSONField(default=list)
    overdue_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="action_state_due"),
            models.Index(fields=["state", "next_rung_at"], name="action_state_next_rung"),
        ]

    def __str__(self) -> str:
        return f"Action {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ACTION_STATES

    @transition(field=state, source=ActionState.OPEN, target=ActionState.OVERDUE)
    def mark_overdue(self, *, at: Any, next_rung_at: Any) -> None:
        self.overdue_at = at
        self.next_rung_at = next_rung_at

    @transition(
        field=state,
        source=[ActionState.OVERDUE, ActionState.ESCALATED],
        target=RETURN_VALUE(ActionState.OVERDUE, ActionState.ESCALATED),
    )
    def climb(self, *, next_rung_at: Any, escalates: bool) -> str:
        """Reminding the owner keeps the action overdue; telling anyone else escalates it."""
        self.next_rung += 1
        self.next_rung_at = next_rung_at
        if escalates or self.state == ActionState.ESCALATED:
            return ActionState.ESCALATED
        return ActionState.OVERDUE

    @transition(field=state, source=list(OPEN_ACTION_STATES), target=ActionState.DONE)
    def complete(self, *, at: Any, by: Member, outcome: str) -> None:
        self.completed_at = at
        self.completed_by = by
        self.outcome = outcome
        self.next_rung_at = None

    @transition(field=state, source=list(OPEN_ACTION_STATES), target=ActionState.CANCELLED)
    def cancel(self, *, at: Any, by: Member, reason: str) -> None:
        self.completed_at = at
        self.completed_by = by
        self.outcome = reason
        self.next_rung_at = None

    @property
    def partnership_id(self) -> int:
        """The partnership of its conference (``partnership.permissions.can`` refuses any other)."""
        return self.conference.partnership_id


# Minutes' records live in their own module (this one is long); importing them here registers them.
from conference.merge_models import PersonMerge as PersonMerge  # noqa: E402
from conference.minutes_models import CarriedAction as CarriedAction  # noqa: E402
from conference.minutes_models import MinutesReason as MinutesReason  # noqa: E402
from conference.minutes_models import MinutesVersion as MinutesVersion  # noqa: E402
