"""Incidents connected across partnerships.

An incident is one partnership's record; a link to another partnership's incident is a record of
both. One side's CSP Co-ordinator asks, the other side's agrees or declines; only an agreed link
is live, and either side may end it. Nothing about either incident's protocol changes: each keeps
its own clock and duties (decision note "Gold groups and connected incidents").
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from escalation.models import Incident
from notifications.models import Laddered
from partnership.models import Member, Partnership
from partnership.text import OneLineField


class LinkState(models.TextChoices):
    REQUESTED = "requested", "Asked, awaiting the other partnership"
    LIVE = "live", "Linked: both partnerships agreed"
    DECLINED = "declined", "Declined by the other partnership"
    UNLINKED = "unlinked", "Unlinked"


OPEN_LINK_STATES = (LinkState.REQUESTED, LinkState.LIVE)


class IncidentLink(ConcurrentTransitionMixin, models.Model):
    """A request from ``partnership`` (its ``incident``) to ``other_partnership`` (its
    ``other_incident``) to treat the two as connected. The record belongs to the asking
    partnership (``partnership``) and is seen from the other through ``seen_outside_by``."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    other_partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    other_incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    state = FSMField(default=LinkState.REQUESTED, choices=LinkState.choices, protected=True)
    reason = models.TextField(help_text="Why the asking partnership thinks they are connected.")
    requested_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    answered_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    unlinked_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unlinked_at = models.DateTimeField(null=True, blank=True)
    unlink_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open link per ordered pair; the service refuses the reverse pair too (it locks
            # both incidents first, so two co-ordinators asking at once cannot both succeed).
            models.UniqueConstraint(
                fields=["incident", "other_incident"],
                condition=Q(state__in=["requested", "live"]),
                name="one_open_link_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(partnership=models.F("other_partnership")),
                name="link_crosses_partnerships",
            ),
        ]

    def __str__(self) -> str:
        return f"Link {self.pk}"

    def seen_outside_by(self, member: Member) -> bool:
        """The link is the other partnership's as much as the asking one's
        (``partnership.permissions.same_partnership``; the rules decide what each may do)."""
        return member.partnership is not None and member.partnership.pk == self.other_partnership_id

    def side_of(self, member: Member) -> str:
        """``"asking"`` or ``"asked"``: which side the member works on (``""`` for neither)."""
        working = member.partnership.pk if member.partnership is not None else None
        if working == self.partnership_id:
            return "asking"
        if working == self.other_partnership_id:
            return "asked"
        return ""

    def own_incident(self, member: Member) -> Incident:
        return self.incident if self.side_of(member) == "asking" else self.other_incident

    def counterpart(self, member: Member) -> tuple[Incident, Partnership]:
        """The incident and partnership across the boundary, from the member's side."""
        if self.side_of(member) == "asking":
            return self.other_incident, self.other_partnership
        return self.incident, self.partnership

    @transition(field=state, source=LinkState.REQUESTED, target=LinkState.LIVE)
    def agree(self, *, at: Any, by: Member) -> None:
        self.answered_at = at
        self.answered_by = by

    @transition(field=state, source=LinkState.REQUESTED, target=LinkState.DECLINED)
    def decline(self, *, at: Any, by: Member, reason: str) -> None:
        self.answered_at = at
        self.answered_by = by
        self.decline_reason = reason

    @transition(field=state, source=LinkState.LIVE, target=LinkState.UNLINKED)
    def unlink(self, *, at: Any, by: Member, reason: str) -> None:
        self.unlinked_at = at
        self.unlinked_by = by
        self.unlink_reason = reason


# --- Gold groups ---------------------------------------------------------------------------------
class GroupState(models.TextChoices):
    CONVENED = "convened", "Convened"
    STOOD_DOWN = "stood_down", "Stood down"


class ShareKind(models.TextChoices):
    """What a partnership may share with a joint gold group about its own incident. Members from
    the other partnership see only what is shared, and only while it is."""

    SUMMARY = "summary", "Incident summary (title, what happened, area, state, tension)"
    TIMELINE = "timeline", "Timeline extracts (the protocol's steps, their times and states)"
    SITUATION_REPORTS = "situation_reports", "Situation reports"


class GoldGroup(ConcurrentTransitionMixin, models.Model):
    """A gold group convened for an incident or a set of connected incidents. Joint when its
    incidents belong to more than one partnership (through live links): each of those is a party
    (``parties``), seats members and decides what of its own incident it shares (``GoldGroupSide``).
    The group is the convening partnership's record (``partnership``), seen from the other
    parties by its members only (``seen_outside_by``)."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    title = OneLineField(max_length=200)
    incidents = models.ManyToManyField(Incident, related_name="+")
    parties = models.ManyToManyField(Partnership, related_name="+")
    convened_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    convened_at = models.DateTimeField()
    state = FSMField(default=GroupState.CONVENED, choices=GroupState.choices, protected=True)
    stood_down_at = models.DateTimeField(null=True, blank=True)
    stood_down_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stand_down_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-convened_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def seen_outside_by(self, member: Member) -> bool:
        """A member of another party sits in the group for that party."""
        if member.partnership is None:
            return False
        return self.seats.filter(member=member, partnership=member.partnership).exists()

    @property
    def sitting(self) -> bool:
        """Convened and not stood down: its room takes decisions, messages, seats and shares."""
        return bool(self.state == GroupState.CONVENED)

    @transition(field=state, source=GroupState.CONVENED, target=GroupState.STOOD_DOWN)
    def stand_down(self, *, at: Any, by: Member, reason: str) -> None:
        self.stood_down_at = at
        self.stood_down_by = by
        self.stand_down_reason = reason


class GoldGroupMember(models.Model):
    """A seat in a gold group: a member, for one of its parties."""

    group = models.ForeignKey(GoldGroup, on_delete=models.CASCADE, related_name="seats")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["partnership_id", "member__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "member", "partnership"], name="one_seat_each")
        ]

    def __str__(self) -> str:
        return f"Seat of member {self.member_id} in gold group {self.group_id}"


class GoldGroupSide(models.Model):
    """What one party shares with the group about its own incident(s) (``ShareKind`` values)."""

    group = models.ForeignKey(GoldGroup, on_delete=models.CASCADE, related_name="sides")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    shares = models.JSONField(default=list)
    updated_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "partnership"], name="one_side_per_party")
        ]

    def __str__(self) -> str:
        return f"What partnership {self.partnership_id} shares with gold group {self.group_id}"


# --- The decision log ----------------------------------------------------------------------------
class DecisionState(models.TextChoices):
    IN_FORCE = "in_force", "In force"
    REVIEW_OVERDUE = "review_overdue", "In force, review overdue"
    REVIEW_ESCALATED = "review_escalated", "In force, review overdue: escalated"
    SUPERSEDED = "superseded", "Superseded"
    # The group stood down with it in force: it is the group's last word, and nobody is left to
    # review it, so its review stops.
    STOOD_DOWN = "stood_down", "Stood when the group stood down"


IN_FORCE_STATES = (
    DecisionState.IN_FORCE,
    DecisionState.REVIEW_OVERDUE,
    DecisionState.REVIEW_ESCALATED,
)


class Decision(ConcurrentTransitionMixin, Laddered):
    """A gold group's decision under the Joint Decision Model's headings. Never edited: a change
    (or a review) is a new decision that ``supersedes`` this one, with its reason, and this one
    is kept as it was. Its review falls due at ``review_at`` and climbs the one ladder engine
    (``gold.decisions.DECISIONS``) until it is reviewed, that is superseded."""

    group = models.ForeignKey(GoldGroup, on_delete=models.PROTECT, related_name="decisions")
    # The convening partnership's (``partnership.permissions.can`` and the timeline's chain).
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(help_text="The decision's number in its group.")
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    change_reason = models.TextField(blank=True, help_text="Why it superseded the one before.")
    information = models.TextField(help_text="The information and intelligence it rested on.")
    threat_and_risk = models.TextField()
    powers_and_policies = models.TextField()
    # [{"option": ..., "chosen": bool, "why": ...}]: every option weighed, and why each rejected
    # one was.
    options = models.JSONField()
    decision = models.TextField()
    rationale = models.TextField(help_text="Why this option.")
    decided_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    review_at = models.DateTimeField()
    state = FSMField(default=DecisionState.IN_FORCE, choices=DecisionState.choices, protected=True)
    ladder = models.JSONField(default=list)
    overdue_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group", "number", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "number", "version"], name="decision_version_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "review_at"], name="decision_state_review"),
            models.Index(fields=["state", "next_rung_at"], name="decision_state_next_rung"),
        ]

    def __str__(self) -> str:
        return f"Decision {self.number}.{self.version}"

    def seen_outside_by(self, member: Member) -> bool:
        return self.group.seen_outside_by(member)

    @property
    def in_force(self) -> bool:
        return self.state in IN_FORCE_STATES

    @transition(field=state, source=DecisionState.IN_FORCE, target=DecisionState.REVIEW_OVERDUE)
    def mark_overdue(self, *, at: Any, next_rung_at: Any) -> None:
        self.overdue_at = at
        self.next_rung_at = next_rung_at

    @transition(
        field=state,
        source=[DecisionState.REVIEW_OVERDUE, DecisionState.REVIEW_ESCALATED],
        target=RETURN_VALUE(DecisionState.REVIEW_OVERDUE, DecisionState.REVIEW_ESCALATED),
    )
    def climb(self, *, next_rung_at: Any, escalates: bool) -> str:
        """Reminding the decision maker keeps the review overdue; telling anyone else escalates."""
        self.next_rung += 1
        self.next_rung_at = next_rung_at
        if escalates or self.state == DecisionState.REVIEW_ESCALATED:
            return DecisionState.REVIEW_ESCALATED
        return DecisionState.REVIEW_OVERDUE

    @transition(field=state, source=list(IN_FORCE_STATES), target=DecisionState.SUPERSEDED)
    def supersede(self, *, at: Any) -> None:
        self.superseded_at = at
        self.next_rung_at = None

    @transition(field=state, source=list(IN_FORCE_STATES), target=DecisionState.STOOD_DOWN)
    def stand_down(self) -> None:
        self.next_rung_at = None


# --- The communications plan ---------------------------------------------------------------------
class CommsChannel(models.TextChoices):
    PRESS = "press", "Press statement"
    SOCIAL = "social", "Social media"
    LEAFLET = "leaflet", "Leaflet or letter"
    MEETING = "meeting", "Community meeting or visit"
    STAFF = "staff", "Staff briefing"
    PARTNERS = "partners", "Message to partner agencies"


class CommsState(models.TextChoices):
    PROPOSED = "proposed", "Awaiting approval"
    APPROVED = "approved", "Approved, not yet out"
    SENT = "sent", "Out"
    ANSWERED = "answered", "Out; what came back recorded"


class CommsItem(ConcurrentTransitionMixin, models.Model):
    """One message of a gold group's communications plan: to whom, what, how, who approves it,
    when it goes out, and what came back. Its approver's approval is recorded before it goes out."""

    group = models.ForeignKey(GoldGroup, on_delete=models.PROTECT, related_name="comms")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    audiences = models.TextField(help_text="Which communities, areas or agencies' staff.")
    message = models.TextField()
    channel = models.CharField(max_length=20, choices=CommsChannel.choices)
    approver = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    send_at = models.DateTimeField(help_text="When it is to go out.")
    state = FSMField(default=CommsState.PROPOSED, choices=CommsState.choices, protected=True)
    proposed_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True, help_text="What came back.")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["send_at", "pk"]

    def __str__(self) -> str:
        return f"Communication {self.pk}"

    def seen_outside_by(self, member: Member) -> bool:
        return self.group.seen_outside_by(member)

    @transition(field=state, source=CommsState.PROPOSED, target=CommsState.APPROVED)
    def approve(self, *, at: Any) -> None:
        self.approved_at = at

    @transition(field=state, source=CommsState.APPROVED, target=CommsState.SENT)
    def send(self, *, at: Any) -> None:
        self.sent_at = at

    @transition(field=state, source=CommsState.SENT, target=CommsState.ANSWERED)
    def answer(self, *, at: Any, response: str) -> None:
        self.answered_at = at
        self.response = response
