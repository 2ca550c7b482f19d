"""A person known to one partnership, shared with another under a recorded basis. Loaded by
``conference.models``.

A person (victim) is known to each partnership separately: two partnerships that meet the same
person record them twice. When the pattern across both is the reason to act (a victim targeted
at home in one borough and at work in the next), the co-ordinator of the partnership that holds
the record shares it with the other, saying on which lawful basis and why; the other partnership's
co-ordinator and chair then see the record, link it to their own incidents and refer it, under
their own need-to-know rules. The owner can withdraw the share with a reason.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django_fsm import FSMField, transition

from partnership.models import Member, Partnership


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", "Consent of the person"
    PUBLIC_TASK_SAFEGUARDING = (
        "public_task_safeguarding",
        "Without consent: UK GDPR Art 6(1)(e) and Art 9(2)(g) with DPA 2018 Sch 1 para 18 "
        "(safeguarding of individuals at risk)",
    )
    CRIME_AND_DISORDER_S115 = (
        "s115",
        "Without consent: s115 Crime and Disorder Act 1998 (disclosure for crime reduction)",
    )


class ShareState(models.TextChoices):
    ACTIVE = "active", "Shared"
    WITHDRAWN = "withdrawn", "Withdrawn"


class PersonShare(models.Model):
    """One partnership's record of a person, shared with another partnership."""

    person = models.ForeignKey("conference.Person", on_delete=models.PROTECT, related_name="shares")
    # The partnership it is shared with (the person's own is ``person.partnership``).
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    reason = models.TextField(help_text="Why the other partnership needs the record.")
    shared_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField()
    state = FSMField(default=ShareState.ACTIVE, choices=ShareState.choices, protected=True)
    withdrawn_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-shared_at", "-pk"]
        constraints = [
            # One live share per person and partnership; withdrawn ones stay as history.
            models.UniqueConstraint(
                fields=["person", "partnership"],
                condition=models.Q(state="active"),
                name="one_active_share",
            )
        ]

    def __str__(self) -> str:
        return f"Person {self.person_id} shared with partnership {self.partnership_id}"

    @transition(field=state, source=ShareState.ACTIVE, target=ShareState.WITHDRAWN)
    def withdraw(self, *, by: Member, at: Any, reason: str) -> None:
        self.withdrawn_by = by
        self.withdrawn_at = at
        self.withdrawn_reason = reason
