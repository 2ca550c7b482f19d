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


class ReplyKind(models.TextChoices):
    CONFIRM = "confirm", "Confirms it is accurate"
    CORRECT = "correct", "Corrects it"
    ANSWER = "answer", "Answers the request"


class Channel(models.TextChoices):
    LIVE = "live", "Live alert"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    WEBHOOK = "webhook", "Webhook"


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
    acknowledged_via = models.CharField(max_length=20, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    reply_kind = models.CharField(max_length=10, choices=ReplyKind.choices, blank=True)
    reply = models.TextField(blank=True)
    # The acknowledgement ladder, copied in when sent: rungs {"after_seconds", "to"} counted from
    # created_at, where "to" is "repeat", "deputy" or an audience.
    ack_ladder = models.JSONField(default=list, blank=True)
    next_rung = models.PositiveSmallIntegerField(default=0)
    next_rung_at = models.DateTimeField(null=True, blank=True)
    ladder_stopped_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalation_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
        help_text="The unacknowledged notification this one chases.",
    )
    ack_link_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notification_recipient_id"),
            models.Index(fields=["state", "next_rung_at"], name="notification_ladder_due"),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient}"

    @property
    def needs_reply(self) -> bool:
        return bool(PURPOSES_NEEDING_REPLY.intersection(self.purposes))

    @transition(field=state, source=NotificationState.OPEN, target=NotificationState.ACKNOWLEDGED)
    def acknowledge(self, *, at: Any, via: str) -> None:
        self.acknowledged_at = at
        self.acknowledged_via = via
        self.next_rung_at = None

    @transition(
        field=state,
        source=[NotificationState.OPEN, NotificationState.ACKNOWLEDGED],
        target=NotificationState.ANSWERED,
    )
    def answer(self, *, at: Any, kind: str, reply: str, via: str) -> None:
        if self.acknowledged_at is None:
            self.acknowledged_at = at
            self.acknowledged_via = via
        self.answered_at = at
        self.reply_kind = kind
        self.reply = reply
        self.next_rung_at = None


class ContactPreference(models.Model):
    """The channels a member wants besides live alerts. Urgent notifications use every channel
    the member has an address for, whatever they chose."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="contact")
    email = models.BooleanField(default=True, help_text="Email for every notification.")
    sms = models.BooleanField(default=False, help_text="Text messages for every notification.")
    sms_number = models.CharField(max_length=40, blank=True, help_text="Blank: the member's phone.")
    webhook = models.BooleanField(default=False)
    webhook_url = models.URLField(blank=True)

    def __str__(self) -> str:
        return f"Channels of {self.member}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed after every retry"


class Delivery(ConcurrentTransitionMixin, models.Model):
    """One notification on one channel: retried with backoff until delivered or given up."""

    notification = models.ForeignKey(
        Notification, on_delete=models.PROTECT, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=300, blank=True)
    state = FSMField(default=DeliveryState.PENDING, choices=DeliveryState.choices, protected=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A sender is working on it until then (crash recovery)."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["notification", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="one_delivery_per_channel"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.get_channel_display()} for notification {self.notification_id}"

    @transition(field=state, source=DeliveryState.PENDING, target=DeliveryState.DELIVERED)
    def delivered(self, *, at: Any) -> None:
        self.delivered_at = at
        self.next_attempt_at = None
        self.claimed_until = None

    @transition(field=state, source=DeliveryState.PENDING, target=DeliveryState.FAILED)
    def give_up(self, *, error: str) -> None:
        self.last_error = error
        self.next_attempt_at = None
        self.claimed_until = None


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="attempt_log")
    at = models.DateTimeField()
    ok = models.BooleanField()
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "at"]

    def __str__(self) -> str:
        return f"{'ok' if self.ok else 'failed'} at {self.at}"


class OutboundMessage(models.Model):
    """What the recording backend "sent" (text messages and webhooks in development and tests)."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=300)
    body = models.TextField()
    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.channel} to {self.address}"


class LiveEvent(models.Model):
    """What a member's open pages are told, numbered in the order it was published to them.

    The number is taken under a per-member lock in a transaction of its own, so for any one member
    a later number is always committed after an earlier one: a client that saw event N and asks
    for everything after N misses nothing, even when Redis lost the push.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    notification = models.ForeignKey(
        Notification, on_delete=models.PROTECT, null=True, related_name="+"
    )
    payload = models.JSONField()
    previous = models.BigIntegerField(
        default=0,
        help_text="The member's event before this one (0 for the first): a client that has not "
        "seen it knows it missed something and asks for it, whatever order pushes arrive in.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["member", "id"], name="liveevent_member_id")]

    def __str__(self) -> str:
        return f"Event {self.pk} for member {self.member_id}"
