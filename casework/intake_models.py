"""Reports from anyone: the public reporting page (no sign-in, anonymous allowed) and third-party
reporting centres filing for a person who came to them, and the intake queue the co-ordinator
triages them from. Loaded by ``casework.models``."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from escalation.models import Incident
from partnership.models import Agency, Area, Member, Partnership
from partnership.text import OneLineField

# Letters and digits a person reads back over the phone without confusing them (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def reference_new() -> str:
    """``R-XXXX-XXXX-XXXX``: 12 characters from 31, about 59 bits, so guessing another reporter's
    reference is not a way in (and it shows nothing a reporter wrote anyway)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(12))
    return f"R-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


class ReporterKind(models.TextChoices):
    VICTIM = "victim", "The person it happened to"
    WITNESS = "witness", "A witness"
    ON_BEHALF = "on_behalf", "Someone reporting for the person it happened to"
    CENTRE = "centre", "A third-party reporting centre"


class ContactBy(models.TextChoices):
    NONE = "none", "Do not contact me"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"


class IntakeState(models.TextChoices):
    RECEIVED = "received", "Received, to triage"
    INCIDENT = "incident", "Made an incident"
    ADDED = "added", "Added to an existing incident"
    INTELLIGENCE = "intelligence", "Kept as intelligence only"


class PublicReport(ConcurrentTransitionMixin, models.Model):
    """A report from anyone, in the intake queue until the co-ordinator triages it."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=20, unique=True, default=reference_new)
    reporter_kind = models.CharField(max_length=20, choices=ReporterKind.choices)
    what_happened = models.TextField()
    where = OneLineField(max_length=300, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    happened_at = models.DateTimeField(null=True, blank=True)
    strands = models.JSONField(default=list)
    anonymous = models.BooleanField(default=False)
    name = OneLineField(max_length=200, blank=True)
    contact_by = models.CharField(max_length=10, choices=ContactBy.choices, default=ContactBy.NONE)
    contact = OneLineField(max_length=200, blank=True, help_text="Email address or phone number.")
    wants_outcome = models.BooleanField(default=False, help_text="Told what was done with it.")
    may_pass_to_police = models.BooleanField(default=False)
    # Filed by a third-party reporting centre for a person who came to it.
    centre = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_notes = models.TextField(blank=True)
    received_at = models.DateTimeField()
    state = FSMField(default=IntakeState.RECEIVED, choices=IntakeState.choices, protected=True)
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    triage_reason = models.TextField(blank=True)
    outcome_message = models.TextField(
        blank=True, help_text="What the reporter is told (with their reference)."
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["partnership", "state"], name="report_partnership_state")]

    def __str__(self) -> str:
        return f"Report {self.pk}"

    @transition(field=state, source=IntakeState.RECEIVED, target=IntakeState.INCIDENT)
    def make_incident(self, *, at: Any, by: Member, reason: str, incident: Incident) -> None:
        self._triaged(at, by, reason, incident)

    @transition(field=state, source=IntakeState.RECEIVED, target=IntakeState.ADDED)
    def add_to(self, *, at: Any, by: Member, reason: str, incident: Incident) -> None:
        self._triaged(at, by, reason, incident)

    @transition(field=state, source=IntakeState.RECEIVED, target=IntakeState.INTELLIGENCE)
    def keep_as_intelligence(self, *, at: Any, by: Member, reason: str) -> None:
        self._triaged(at, by, reason, None)

    def _triaged(self, at: Any, by: Member, reason: str, incident: Incident | None) -> None:
        self.triaged_at = at
        self.triaged_by = by
        self.triage_reason = reason
        self.incident = incident


class ReportAddition(models.Model):
    """More from the reporter, added later with their reference."""

    report = models.ForeignKey(PublicReport, on_delete=models.PROTECT, related_name="additions")
    text = models.TextField()
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return f"Addition to report {self.report_id}"

    @property
    def partnership_id(self) -> int:
        return self.report.partnership_id
