"""The outbox: one row per person told, written in the same transaction as the change that told
them. Delivery on each channel happens after commit and is recorded separately."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from partnership.models import Member, Partnership
from partnership.text import OneLineField


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


# How a notification was acknowledged (``Notification.acknowledged_via``), in words.
ACKNOWLEDGED_VIA = {
    "web": "on the website",
    "api": "through the API",
    "websocket": "from a live alert",
    "email-link": "with the emailed link",
}


class Channel(models.TextChoices):
    LIVE = "live", "Live alert"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    WEBHOOK = "webhook", "Webhook"


# --- Ladders --------------------------------------------------------------------------------------
class Laddered(models.Model):
    """A thing with a ladder (``notifications.ladder``): a duty, a conference action, a
    notification waiting to be acknowledged, and whatever later issues add.

    ``next_rung`` and ``next_rung_at`` are the ladder's progress. Only the model's own transitions
    change them (``climb``, and ``mark_overdue`` for things that fall due), and only the ladder
    engine calls those. ``rungs`` are the rungs that fired.
    """

    next_rung = models.PositiveSmallIntegerField(default=0)
    next_rung_at = models.DateTimeField(null=True, blank=True)
    rungs = GenericRelation("notifications.LadderRung", related_query_name="%(class)s")
    # The concrete model's FSMField.
    state: Any

    class Meta:
        abstract = True

    def climb(self, *, next_rung_at: datetime | None, escalates: bool) -> object:
        """The transition for one rung fired: move on to the next rung (due ``next_rung_at``, None
        when there is none). ``escalates``: the rung reached someone above the owner."""
        raise NotImplementedError

    def mark_overdue(self, *, at: datetime, next_rung_at: datetime | None) -> object:
        """The transition of a thing that falls due (a duty, an action): overdue from ``at``,
        its next rung (rung 0 unless it was overdue before) due at ``next_rung_at``."""
        raise NotImplementedError


class LadderRung(models.Model):
    """A rung of some thing's ladder that fired: one table for every kind of laddered thing.

    Unique per thing and rung, so however many schedulers run and however often they retry,
    each rung fires once. ``due_at`` and ``fired_at`` record how late it fired.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    thing = GenericForeignKey("content_type", "object_id")
    index = models.PositiveSmallIntegerField()
    to = models.CharField(
        max_length=64, help_text="The rung as defined: owner, deputy, repeat or an audience."
    )
    audience = models.CharField(
        max_length=300,
        help_text="Whom it was sent to: the audiences, comma-separated (an owner can have "
        "several deputies).",
    )
    due_at = models.DateTimeField(help_text="When the rung was due to fire.")
    fired_at = models.DateTimeField()

    class Meta:
        ordering = ["content_type", "object_id", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "index"], name="ladder_rung_fires_once"
            )
        ]

    def __str__(self) -> str:
        return f"Rung {self.index} of {self.content_type_id}:{self.object_id} → {self.audience}"

    @property
    def late_by(self) -> timedelta:
        return self.fired_at - self.due_at


# --- Notifications -------------------------------------------------------------------------------
class NotificationState(models.TextChoices):
    OPEN = "open", "Not yet acknowledged"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ANSWERED = "answered", "Answered"


class Notification(ConcurrentTransitionMixin, Laddered):
    recipient = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="notifications")
    # The partnership of what it is about (its subject's): a member of several partnerships sees
    # each one's messages while working there, and roles it names are resolved there.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    audience = models.CharField(
        max_length=64, help_text="The role, agency or person the message was addressed to."
    )
    scope = models.CharField(max_length=64, db_index=True, help_text="Such as 'incident:12'.")
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    title = OneLineField(max_length=200)
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

    @transition(field=state, source=NotificationState.OPEN, target=NotificationState.OPEN)
    def climb(self, *, next_rung_at: datetime | None, escalates: bool) -> None:
        """A rung of the acknowledgement ladder fired. The notification stays open whoever was
        chased: only its recipient acknowledging or answering it changes that."""
        self.next_rung += 1
        self.next_rung_at = next_rung_at

    @transition(field=state, source=NotificationState.OPEN, target=NotificationState.OPEN)
    def stop_ladder(self, *, by: Member) -> None:
        """Someone the ladder reached acknowledged the chase: no more rungs. It stays open, as
        its own recipient has still not acknowledged it."""
        self.next_rung_at = None
        self.ladder_stopped_by = by


class ContactPreference(models.Model):
    """The channels a member wants besides live alerts. Urgent notifications use every channel
    the member has an address for, whatever they chose."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="contact")
    email = models.BooleanField(default=True, help_text="Email for every notification.")
    sms = models.BooleanField(default=False, help_text="Text messages for every notification.")
    sms_number = OneLineField(max_length=40, blank=True, help_text="Blank: the member's phone.")
    webhook = models.BooleanField(default=False)
    webhook_url = models.URLField(blank=True)

    def __str__(self) -> str:
        return f"Channels of {self.member}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DELIVERED = "delivered", "Delivered"
    # The channel's backend only keeps the message (the recording backend, email printed to the
    # console): nothing left the service, and nobody may read it as delivered.
    RECORDED = "recorded", "Recorded, not sent"
    FAILED = "failed", "Failed after every retry"


# What each of a delivery's outcomes changes besides its state: one definition, used by the
# transition on one row and by ``DeliveryQuerySet.outcomes_record`` on many.
def _delivered_fields(*, at: datetime) -> dict[str, Any]:
    return {"delivered_at": at, "next_attempt_at": None, "claimed_until": None}


def _given_up_fields(*, error: str) -> dict[str, Any]:
    return {"last_error": error, "next_attempt_at": None, "claimed_until": None}


_OUTCOME_FIELDS: dict[str, Callable[..., dict[str, Any]]] = {
    "delivered": _delivered_fields,
    "give_up": _given_up_fields,
}


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def outcomes_record(self, outcome: Literal["delivered", "give_up"], **arguments: Any) -> int:
        """The one way to change the state of many deliveries at once (a batch of live alerts):
        one UPDATE that does to every row what the transition named ``outcome`` does to one, and
        counts the attempt that led to it. Rows in a state the transition does not start from are
        left alone, as the transition would refuse them. Returns how many rows changed."""
        # django-fsm's record of the transition: its source states and target.
        meta = getattr(Delivery, outcome)._django_fsm
        (target,) = {t.target for t in meta.transitions.values()}
        return self.filter(state__in=list(meta.transitions)).update(
            state=target, attempts=F("attempts") + 1, **_OUTCOME_FIELDS[outcome](**arguments)
        )


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

    objects = DeliveryQuerySet.as_manager()

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

    def _fields_set(self, fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            setattr(self, name, value)

    @transition(field=state, source=DeliveryState.PENDING, target=DeliveryState.DELIVERED)
    def delivered(self, *, at: datetime) -> None:
        self._fields_set(_delivered_fields(at=at))

    @transition(field=state, source=DeliveryState.PENDING, target=DeliveryState.RECORDED)
    def recorded(self) -> None:
        """The backend kept the message without sending it: finished, and never delivered."""
        self._fields_set({"next_attempt_at": None, "claimed_until": None})

    @transition(field=state, source=DeliveryState.PENDING, target=DeliveryState.FAILED)
    def give_up(self, *, error: str) -> None:
        self._fields_set(_given_up_fields(error=error))

    @transition(field=state, source=DeliveryState.PENDING, target=DeliveryState.PENDING)
    def retry_at(self, *, at: datetime, error: str) -> None:
        """The attempt failed for now: free it for the sweep to try again at ``at``."""
        self.last_error = error
        self.claimed_until = None
        self.next_attempt_at = at


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
    """What the recording backend kept instead of sending it (text messages and webhooks in
    development and tests); its delivery is "recorded, not sent"."""

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
        Notification,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        help_text="The notification this event shows (none for an update to one: its payload "
        "names it).",
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
        constraints = [
            # A notification is shown to its recipient once: a sender that died after numbering
            # it and before recording the delivery is retried, and the retry must not number it
            # again (two banners). Events that only update a notification carry no foreign key.
            models.UniqueConstraint(
                fields=["member", "notification"],
                condition=models.Q(notification__isnull=False),
                name="liveevent_one_per_notification",
            )
        ]

    def __str__(self) -> str:
        return f"Event {self.pk} for member {self.member_id}"


class Unreachable(models.Model):
    """A notification that no channel able to reach its recipient away from the service (email,
    text message, webhook) could deliver, and that nobody has acknowledged: the CSP Co-ordinator
    must reach them another way. Co-ordinators are told of the first in an interval at once and of
    the rest in one digest at the end of it (``notifications.unreachable``), so an outage of a
    channel that fails for a thousand people tells each co-ordinator twice, not a thousand times.
    A live alert that could not be pushed is never one of these: the page replays it."""

    notification = models.OneToOneField(
        Notification, on_delete=models.PROTECT, related_name="unreachable"
    )
    channels = models.JSONField(default=list, help_text="The channels that gave up.")
    at = models.DateTimeField()
    reported_at = models.DateTimeField(
        null=True, blank=True, help_text="When co-ordinators were told (at once, or in a digest)."
    )

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["reported_at"], name="unreachable_reported")]

    def __str__(self) -> str:
        return f"Notification {self.notification_id} reached nobody"
