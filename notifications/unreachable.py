"""Telling the CSP Co-ordinator who could not be reached, without multiplying an outage.

A notification whose every offline channel (email, text message, webhook) gave up, and that
nobody acknowledged, is recorded as ``Unreachable`` in the transaction that recorded the last
failure. The first such record in an interval of ``NOTIFICATION_DIGEST_SECONDS`` is told to every
co-ordinator at once ("Could not reach …"); any more in that interval wait and go out as one
digest when it ends ("Text messages could not reach 37 people in the last 10 minutes: …"). So a
channel that fails for a thousand people costs each co-ordinator two notices per interval, not a
thousand. Failed live pushes never count: the page replays them from the database.

Both functions return the ids of the notices they wrote; the caller hands them to the senders when
its transaction commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from notifications.models import Channel, Notification, Unreachable
from notifications.outbox import outbox_write
from partnership.audiences import Audience
from partnership.locks import advisory_xact_lock
from partnership.models import Role
from partnership.scopes import Scope
from partnership.text import one_line_clean

_LOCK = "notifications.unreachable"
# A digest names this many people; the rest are counted (the delivery panels list them all).
DIGEST_NAMES = 50
_CHANNEL_WORDS = {
    Channel.EMAIL: "email",
    Channel.SMS: "text messages",
    Channel.WEBHOOK: "webhooks",
}


def notice_is_about_unreachable(notification: Notification) -> bool:
    """A notice written here: one that cannot be delivered is not itself reported (no loops)."""
    key = notification.idempotency_key
    return ":undeliverable:" in key or key.startswith("undeliverable-digest:")


def _interval() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATION_DIGEST_SECONDS)


def _interval_words() -> str:
    seconds = int(settings.NOTIFICATION_DIGEST_SECONDS)
    if seconds % 3600 == 0:
        n, unit = seconds // 3600, "hour"
    elif seconds % 60 == 0:
        n, unit = seconds // 60, "minute"
    else:
        n, unit = seconds, "second"
    return f"{unit}" if n == 1 else f"{n} {unit}s"


def unreachable_record(
    *, notification: Notification, channels: list[str], now: datetime | None = None
) -> list[int]:
    """Record that ``notification`` reached nobody on ``channels`` (its offline channels, all
    given up). Tells co-ordinators at once if nobody was reported in the last interval; otherwise
    the digest will. Runs inside the transaction that recorded the last failure."""
    now = now or timezone.now()
    advisory_xact_lock(_LOCK)
    record, created = Unreachable.objects.get_or_create(
        notification=notification, defaults={"channels": sorted(channels), "at": now}
    )
    if not created or record.reported_at is not None:
        return []
    if Unreachable.objects.filter(
        notification__partnership=notification.partnership_id,
        reported_at__gt=now - _interval(),
    ).exists():
        return []  # told of someone else in this interval: this one goes in the digest
    record.reported_at = now
    record.save(update_fields=["reported_at"])
    recipient = notification.recipient
    alerts = outbox_write(
        audiences=[Audience.role(Role.CSP_COORDINATOR)],
        # The title that may have made a channel fail (a line break written before the one-line
        # rule) must not make this notice fail too.
        title=one_line_clean(f"Could not reach {recipient}: {notification.title}")[:200],
        body=(
            f"A notification to {recipient} could not be delivered by "
            f"{_channels_words(record.channels)}. Please contact them another way. Anyone else "
            f"who cannot be reached in the next {_interval_words()} will be listed in one "
            "message.\n\n" + notification.body
        ),
        purposes=["coordination"],
        cause=f"notification:{notification.pk}:undeliverable",
        subject=notification,
        scope=Scope.parse_stored(notification.scope),
        urgency="urgent",
        ack_ladder=[],
    )
    return [a.pk for a in alerts]


def unreachable_digest(now: datetime | None = None) -> tuple[list[int], datetime | None]:
    """For each partnership, one digest of everyone not yet reported there, once the interval
    since its last report has passed (its co-ordinators hear of their own partnership's people
    only). Returns the digests' notification ids and, when people are waiting for a later digest,
    when the next is due. Runs inside the caller's transaction; harmless when run twice."""
    now = now or timezone.now()
    advisory_xact_lock(_LOCK)
    waiting = list(
        Unreachable.objects.filter(reported_at__isnull=True)
        .select_related("notification__recipient")
        .order_by("pk")
    )
    by_partnership: dict[int | None, list[Unreachable]] = {}
    for record in waiting:
        by_partnership.setdefault(record.notification.partnership_id, []).append(record)
    sent: list[int] = []
    due: list[datetime] = []
    for partnership_id, records in by_partnership.items():
        last = Unreachable.objects.filter(notification__partnership=partnership_id).aggregate(
            last=Max("reported_at")
        )["last"]
        if last is not None and now < last + _interval():
            due.append(last + _interval())
            continue
        sent += _digest(records, now)
    return sent, min(due, default=None)


def _digest(waiting: list[Unreachable], now: datetime) -> list[int]:
    """One partnership's digest of ``waiting``, marked reported."""
    channels = sorted({c for record in waiting for c in record.channels})
    people = len({record.notification.recipient_id for record in waiting})
    lines = [
        f"- {record.notification.recipient}: {record.notification.title} "
        f"({_channels_words(record.channels)} failed)"
        for record in waiting[:DIGEST_NAMES]
    ]
    if len(waiting) > DIGEST_NAMES:
        lines.append(
            f"… and {len(waiting) - DIGEST_NAMES} more notifications: see each one's delivery "
            "panel."
        )
    title = (
        f"{_channels_words(channels).capitalize()} could not reach {people} "
        f"{'person' if people == 1 else 'people'} in the last {_interval_words()}"
    )
    notices = outbox_write(
        audiences=[Audience.role(Role.CSP_COORDINATOR)],
        title=title[:200],
        body="Please contact them another way.\n\n" + "\n".join(lines),
        purposes=["coordination"],
        cause=f"undeliverable-digest:{waiting[0].pk}",
        subject=waiting[0].notification,
        scope=None,
        urgency="urgent",
        ack_ladder=[],
    )
    Unreachable.objects.filter(pk__in=[r.pk for r in waiting]).update(reported_at=now)
    return [n.pk for n in notices]


def _channels_words(channels: list[str]) -> str:
    words = [_CHANNEL_WORDS.get(Channel(c), c) for c in sorted(channels)]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
