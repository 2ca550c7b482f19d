"""Oversight bodies over partnerships, and the scrutiny requests they send.

An oversight body (a city-wide forum, a police force, a region) holds partnerships to account:
it reads their figures (never a person's record) and asks them questions they must answer by a
date. Its members belong to the body, not to any partnership's casework.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from notifications.models import Laddered
from partnership.models import Member, Partnership
from partnership.text import OneLineField


class OversightKind(models.TextChoices):
    FORUM = "forum", "Forum"
    FORCE = "force", "Police force"
    REGION = "region", "Region"


class OversightBody(models.Model):
    name = OneLineField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=OversightKind.choices)
    partnerships = models.ManyToManyField(Partnership, related_name="oversight_bodies")
    # Membership of a body is the oversight role: it reaches figures and scrutiny, no casework.
    members = models.ManyToManyField(Member, blank=True, related_name="oversight_bodies")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ScrutinyState(models.TextChoices):
    SENT = "sent", "Sent, awaiting an answer"
    OVERDUE = "overdue", "Not answered by the date"
    ESCALATED = "escalated", "Not answered: escalated"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"


AWAITING_ANSWER = (ScrutinyState.SENT, ScrutinyState.OVERDUE, ScrutinyState.ESCALATED)


class ScrutinyRequest(ConcurrentTransitionMixin, Laddered):
    """A question from an oversight body to one of its partnerships, to be answered by a date;
    unanswered it climbs the ladder (``oversight.services.SCRUTINY``)."""

    body = models.ForeignKey(
        OversightBody, on_delete=models.PROTECT, related_name="scrutiny_requests"
    )
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="scrutiny_requests"
    )
    question = models.TextField()
    asked_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="The end of the day the answer is due.")
    state = FSMField(default=ScrutinyState.SENT, choices=ScrutinyState.choices, protected=True)
    ladder = models.JSONField(default=list)
    overdue_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="scrutiny_state_due"),
            models.Index(fields=["state", "next_rung_at"], name="scrutiny_state_next_rung"),
        ]

    def __str__(self) -> str:
        return f"Scrutiny request {self.pk}"

    def seen_outside_by(self, member: Member) -> bool:
        """The request is the asking body's as much as the partnership's: its members may be
        asked about it (``partnership.permissions.same_partnership``; the rules decide what)."""
        return self.body.members.filter(pk=member.pk).exists()

    @property
    def awaiting_answer(self) -> bool:
        return self.state in AWAITING_ANSWER

    @property
    def answered_late(self) -> bool:
        return self.answered_at is not None and self.answered_at > self.due_at

    @transition(field=state, source=ScrutinyState.SENT, target=ScrutinyState.OVERDUE)
    def mark_overdue(self, *, at: Any, next_rung_at: Any) -> None:
        self.overdue_at = at
        self.next_rung_at = next_rung_at

    @transition(
        field=state,
        source=[ScrutinyState.OVERDUE, ScrutinyState.ESCALATED],
        target=RETURN_VALUE(ScrutinyState.OVERDUE, ScrutinyState.ESCALATED),
    )
    def climb(self, *, next_rung_at: Any, escalates: bool) -> str:
        """Reminding the co-ordinator keeps it overdue; telling anyone else escalates it."""
        self.next_rung += 1
        self.next_rung_at = next_rung_at
        if escalates or self.state == ScrutinyState.ESCALATED:
            return ScrutinyState.ESCALATED
        return ScrutinyState.OVERDUE

    @transition(field=state, source=list(AWAITING_ANSWER), target=ScrutinyState.ANSWERED)
    def answer_give(self, *, at: Any, by: Member, answer: str) -> None:
        self.answer = answer
        self.answered_at = at
        self.answered_by = by
        self.next_rung_at = None

    @transition(field=state, source=ScrutinyState.ANSWERED, target=ScrutinyState.CLOSED)
    def close(self, *, at: Any, by: Member) -> None:
        self.closed_at = at
        self.closed_by = by
