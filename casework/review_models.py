"""A case's review at the casework group's meetings (conferences of that kind), and the link
from a new case to a closed case of the same victim. Loaded by ``casework.models``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from conference.models import AgendaItem, Conference, Person
from partnership.models import Member


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continue: keep working the case"
    ESCALATE = "escalate", "Escalate: to a risk conference or to the senior police officer"
    CLOSE = "close", "Close: the lead officer closes it with the victim's view"


class ReviewState(models.TextChoices):
    ON_AGENDA = "on_agenda", "On the agenda"
    REVIEWED = "reviewed", "Reviewed"


class CaseReview(ConcurrentTransitionMixin, models.Model):
    """A case on the agenda of one casework group meeting (its item there, ``AgendaItem`` of
    kind ``case_review``), and what the group decided. A meeting that concluded without reaching
    it leaves it on the agenda: the case is still due, and goes on the next meeting's."""

    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="reviews")
    conference = models.ForeignKey(Conference, on_delete=models.PROTECT, related_name="+")
    agenda_item = models.OneToOneField(
        AgendaItem, on_delete=models.PROTECT, related_name="case_review"
    )
    listed_at = models.DateTimeField()
    state = FSMField(default=ReviewState.ON_AGENDA, choices=ReviewState.choices, protected=True)
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agenda_item__order", "pk"]

    def __str__(self) -> str:
        return f"Review of case {self.case_id} at conference {self.conference_id}"

    @transition(field=state, source=ReviewState.ON_AGENDA, target=ReviewState.REVIEWED)
    def record(self, *, outcome: str, notes: str, next_review_on: Any, by: Member, at: Any) -> None:
        self.outcome = outcome
        self.notes = notes
        self.next_review_on = next_review_on
        self.recorded_by = by
        self.recorded_at = at

    @property
    def partnership_id(self) -> int:
        return self.conference.partnership_id


class CaseLink(models.Model):
    """A new case whose victim was the victim of a case closed within the partnership's repeat
    window: the new case follows the earlier one (the lead officer and the co-ordinator are
    told; the co-ordinator may reopen the earlier case instead)."""

    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="follows")
    earlier = models.ForeignKey(
        "casework.Case", on_delete=models.PROTECT, related_name="followed_by"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["-linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "earlier"], name="case_link_once"),
        ]

    def __str__(self) -> str:
        return f"Case {self.case_id} follows case {self.earlier_id}"
