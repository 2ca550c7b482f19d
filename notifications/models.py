"""The outbox: one row per person told, written in the same transaction as the change that told
them. Delivery on each channel happens after commit and is recorded separately."""

from __future__ import annotations

from typing import Any

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from partnership.models import Member


class Purpose(models.TextChoices):
    """The four purposes of every message from the Co-ordinator (004 §2.4)."""

    SITUATION = "situation", "Essential details of the developing situation"
    ACCURACY = "accuracy", "A check for accuracy"
    INFORMATION = "information", "A request for further relevant information"
    COORDINATION = "coordination", "Making sure all services are co-ordinated"


# A message with one of these purposes is not finished until the recipient answers it.
PURPOSES_NEEDING_REPLY = frozenset({Purpose.ACCURACY, Purpose.INFORMATION})


class Urgency(models.TextChoices):
    NORMAL = "normal", "Normal"
    URGENT = "urgent", "Urgent"


class NotificationState(models.TextChoices):
    OPEN = "open", "Not yet acknowledged"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ANSWERED = "answered", "Answered"


class Notification(ConcurrentTransitionMixin, models.Model):
    recipient = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="notifications")
    audience = models.CharField(
        max_length=64, help_text="The role, agency or person the message was addressed to."
    )
    scope = models.CharField(max_length=64, db_index=True, help_text="Such as 'incident:12'.")
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField()
    purposes = models.JSONField(default=list)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField()
    sender = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = FSMField(
        default=NotificationState.OPEN, choices=NotificationState.choices, protected=True
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_recipient_id"),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient}"

    @property
    def needs_reply(self) -> bool:
        return bool(PURPOSES_NEEDING_REPLY.intersection(self.purposes))

    @transition(field=state, source=NotificationState.OPEN, target=NotificationState.ACKNOWLEDGED)
    def acknowledge(self, *, at: Any) -> None:
        self.acknowledged_at = at

    @transition(
        field=state,
        source=[NotificationState.OPEN, NotificationState.ACKNOWLEDGED],
        target=NotificationState.ANSWERED,
    )
    def answer(self, *, at: Any, reply: str) -> None:
        self.acknowledged_at = self.acknowledged_at or at
        self.answered_at = at
        self.reply = reply
