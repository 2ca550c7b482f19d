"""Delivering outbox rows once their transaction has committed.

The request that caused a notification hands its ids to a small pool of sender threads when it
commits, so the response never waits for SMTP or a webhook. Each delivery is claimed in the
database before it is sent, so the scheduler's sweep (which catches anything a crashed process
left behind, and every retry) never sends the same attempt twice at once. Live alerts are pushed to
the member's websocket group; a failed push is recorded and costs nothing more, because clients
replay what they missed from the database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import structlog
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from notifications.live_marks import live_marks_move
from notifications.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    LiveEvent,
    Notification,
)
from notifications.unreachable import notice_is_about_unreachable, unreachable_record
from partnership.live import group_send_many_now, group_send_now
from partnership.locks import advisory_xact_lock, advisory_xact_locks
from partnership.scopes import Scope
from partnership.timeline import audit_record

log = structlog.get_logger(__name__)


def member_group(member_id: int) -> str:
    return f"alerts.member.{member_id}"


def live_payload(notification: Notification) -> dict[str, Any]:
    from notifications.links import scope_url

    return {
        "type": "notification",
        "notification_id": notification.pk,
        "title": notification.title,
        "body": notification.body,
        "urgency": notification.urgency,
        "purposes": notification.purposes,
        "needs_reply": notification.needs_reply,
        "state": notification.state,
        "created_at": notification.created_at.isoformat(),
        "url": scope_url(notification.scope),
    }


def unread_count(member_id: int) -> int:
    return Notification.objects.filter(recipient_id=member_id, state="open").count()


@cache
def senders() -> ThreadPoolExecutor:
    """The process's sender threads, shared by commit-time dispatch and the sweep."""
    return ThreadPoolExecutor(
        max_workers=settings.NOTIFICATION_SENDERS, thread_name_prefix="sender"
    )


_in_flight: set[Future[None]] = set()
_in_flight_lock = threading.Lock()


def _in_thread(work: Any, *args: Any) -> None:
    def run() -> None:
        try:
            work(*args)
        except Exception:
            log.exception("dispatch.failed")
        finally:
            close_old_connections()

    future = senders().submit(run)
    with _in_flight_lock:
        _in_flight.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future[None]) -> None:
    with _in_flight_lock:
        _in_flight.discard(future)


def senders_wait(timeout: float = 30) -> bool:
    """Wait for the work handed to the senders so far (shutdown, tests). True if all finished."""
    with _in_flight_lock:
        pending = list(_in_flight)
    _done, not_done = wait(pending, timeout=timeout)
    return not not_done


def chunked(ids: list[int], parts: int) -> list[list[int]]:
    """``ids`` in at most ``parts`` runs of nearly equal length, in order."""
    size = max(1, -(-len(ids) // max(1, parts)))
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def dispatch_on_commit(notification_ids: list[int]) -> None:
    """Have the new notifications sent once the transaction commits, spread over the senders so
    that a declaration telling a thousand people is sent in parallel.

    With ``NOTIFICATION_WORKERS`` the jobs for the workers are written now, in the caller's
    transaction: they commit with the notifications or not at all. Otherwise the ids go to this
    process's sender threads when it commits."""
    if settings.NOTIFICATION_WORKERS:
        from notifications.workers import notifications_defer

        notifications_defer(notification_ids)
        live_send_on_commit(notification_ids)
        return
    chunks = chunked(notification_ids, settings.NOTIFICATION_SENDERS)

    def hand_over() -> None:
        for chunk in chunks:
            _in_thread(deliveries_send, chunk)

    transaction.on_commit(hand_over)


def live_send_on_commit(notification_ids: list[int]) -> None:
    """Once the transaction commits, push the live alerts from here, before the request that
    caused them answers, as a board change is (``escalation.services.common``): an alert then
    reaches an open page as soon as the change is true, not after a worker's wake-up and its
    queue. The job written with the notifications stays the record and the way round a process
    that dies before this runs: whichever of the two claims a delivery first makes it, and the
    other finds it made (docs/decisions/0023-task-engine.md, "live from the request").

    Robust: a live push is a hint; its failure must never fail the request that committed."""
    ids = list(notification_ids)
    transaction.on_commit(lambda: live_send(ids), robust=True)


def live_publish(member_id: int, payload: dict[str, Any], notification_id: int | None) -> bool:
    """Number the event for the member (in the database, in commit order), then push it.
    Returns whether the push reached the channel layer; the event is kept either way."""
    with transaction.atomic():
        advisory_xact_lock(f"notifications.live.{member_id}")
        previous = _last_events([member_id]).get(member_id, 0)
        payload = dict(payload, unread=unread_count(member_id), previous=previous)
        event = LiveEvent.objects.create(
            member_id=member_id, notification_id=notification_id, payload=payload, previous=previous
        )
    live_marks_move([member_id])
    return group_send_now(
        member_group(member_id), {"type": "alert.event", "payload": dict(payload, id=event.pk)}
    )


def _last_events(member_ids: list[int]) -> dict[int, int]:
    """Each member's latest event id. Caller holds the members' live locks."""
    return dict(
        LiveEvent.objects.filter(member_id__in=member_ids)
        .values("member_id")
        .annotate(last=Max("id"))
        .values_list("member_id", "last")
    )


def updated_on_commit(notification: Notification) -> None:
    """Tell the recipient's open pages that a notification changed (unread counts). The event
    names the notification in its payload only: the foreign key marks the one event that shows
    it (at most one per member, by constraint)."""
    member_id, pk, state = notification.recipient_id, notification.pk, notification.state
    if settings.NOTIFICATION_WORKERS:
        from notifications.workers import update_defer

        update_defer(member_id=member_id, notification_id=pk, state=state)
        return
    payload = updated_payload(notification_id=pk, state=state)
    transaction.on_commit(lambda: _in_thread(live_publish, member_id, payload, None))


def updated_payload(*, notification_id: int, state: str) -> dict[str, Any]:
    return {"type": "notification.updated", "notification_id": notification_id, "state": state}


def deliveries_send(notification_ids: Iterable[int], now: datetime | None = None) -> None:
    """Send every pending delivery of these notifications (live first: it is the fastest)."""
    ids = list(
        Delivery.objects.filter(
            notification_id__in=list(notification_ids), state=DeliveryState.PENDING
        )
        .order_by("notification_id", "channel")
        .values_list("pk", "channel")
    )
    live = [pk for pk, channel in ids if channel == Channel.LIVE]
    if live:
        live_deliveries_send(live, now=now)
    for pk, channel in ids:
        if channel != Channel.LIVE:
            delivery_attempt(delivery_id=pk, now=now)


def live_send(notification_ids: Iterable[int], now: datetime | None = None) -> None:
    """Push the pending live deliveries of these notifications, as one batch."""
    ids = list(
        Delivery.objects.filter(
            notification_id__in=list(notification_ids),
            state=DeliveryState.PENDING,
            channel=Channel.LIVE,
        )
        .order_by("notification_id")
        .values_list("pk", flat=True)
    )
    if ids:
        live_deliveries_send(ids, now=now)


def live_deliveries_send(delivery_ids: list[int], now: datetime | None = None) -> None:
    """Live alerts for many people at once, as one batch: claim them together, number them
    together (one transaction, each member's lock taken), push them together on one event loop,
    and record the outcome together. A declaration that tells a thousand people costs a few
    round trips, not a thousand."""
    now = now or timezone.now()
    started = time.monotonic()
    # Claimed and numbered in one transaction (one commit fewer on every alert's way): a sender
    # that fails between the two leaves neither, and the deliveries are found due again.
    with transaction.atomic():
        claimed = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification")
            .filter(pk__in=delivery_ids, state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        )
        if not claimed:
            return
        Delivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
            claimed_until=now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
        )
        members = sorted({d.notification.recipient_id for d in claimed})
        advisory_xact_locks([f"notifications.live.{m}" for m in members])
        unread = dict(
            Notification.objects.filter(recipient_id__in=members, state="open")
            .values_list("recipient_id")
            .annotate(n=Count("id"))
            .values_list("recipient_id", "n")
        )
        last = _last_events(members)
        payloads: list[dict[str, Any]] = [{} for _ in claimed]
        numbers: list[int] = [0 for _ in claimed]
        # A sender that died after numbering these and before recording them left their events
        # behind (the claim then expired and the sweep took them again): push the event it made
        # rather than a second one. The database refuses a second one anyway.
        shown = {
            (e.member_id, e.notification_id): e
            for e in LiveEvent.objects.filter(
                member_id__in=members,
                notification_id__in=[d.notification_id for d in claimed],
            )
        }
        fresh: list[int] = []
        for i, d in enumerate(claimed):
            event = shown.get((d.notification.recipient_id, d.notification_id))
            if event is None:
                fresh.append(i)
            else:
                payloads[i], numbers[i] = event.payload, event.pk
        # Each round holds a member at most once, so every event can name the one before it.
        for round_positions in _rounds([claimed[i].notification.recipient_id for i in fresh]):
            positions = [fresh[p] for p in round_positions]
            rows = []
            for i in positions:
                member = claimed[i].notification.recipient_id
                payloads[i] = dict(
                    live_payload(claimed[i].notification),
                    unread=unread.get(member, 0),
                    previous=last.get(member, 0),
                )
                rows.append(
                    LiveEvent(
                        member_id=member,
                        notification_id=claimed[i].notification_id,
                        payload=payloads[i],
                        previous=last.get(member, 0),
                    )
                )
            created = LiveEvent.objects.bulk_create(rows)
            ids = [e.pk for e in created]
            if not all(ids):  # a database that returns no ids from a bulk insert
                ids = [
                    LiveEvent.objects.filter(notification_id=e.notification_id or 0).latest("pk").pk
                    for e in created
                ]
            for i, event, pk in zip(positions, created, ids, strict=True):
                numbers[i] = pk
                last[event.member_id] = pk
    live_marks_move(members)
    sends = [
        (
            member_group(d.notification.recipient_id),
            {"type": "alert.event", "payload": dict(p, id=n)},
        )
        for d, p, n in zip(claimed, payloads, numbers, strict=True)
    ]
    pushed = group_send_many_now(sends)
    duration = int((time.monotonic() - started) * 1000)
    _live_outcomes_record(claimed, pushed, now=timezone.now(), duration_ms=duration)


def _rounds(members: list[int]) -> list[list[int]]:
    """Positions grouped so that no member appears twice in one group, in their original order."""
    rounds: list[list[int]] = []
    taken: list[set[int]] = []
    for position, member in enumerate(members):
        for group, used in zip(rounds, taken, strict=True):
            if member not in used:
                group.append(position)
                used.add(member)
                break
        else:
            rounds.append([position])
            taken.append({member})
    return rounds


def _live_outcomes_record(
    claimed: list[Delivery], pushed: list[bool], *, now: datetime, duration_ms: int
) -> None:
    error = "the live channel is unavailable (clients replay it on resume)"
    ok = [d for d, sent in zip(claimed, pushed, strict=True) if sent]
    failed = [d for d, sent in zip(claimed, pushed, strict=True) if not sent]
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                delivery=d, at=now, ok=sent, error="" if sent else error, duration_ms=duration_ms
            )
            for d, sent in zip(claimed, pushed, strict=True)
        )
        Delivery.objects.filter(pk__in=[d.pk for d in ok]).outcomes_record("delivered", at=now)
        # Live alerts are not retried, and a failed one is nobody's to chase: reconnecting
        # clients replay them from the database.
        Delivery.objects.filter(pk__in=[d.pk for d in failed]).outcomes_record(
            "give_up", error=error
        )
        for (scope, verb), group in _by_scope(ok, failed).items():
            audit_record(
                actor=None,
                verb=verb,
                subject_type="notifications.notification",
                subject_id=str(group[0]),
                scope=Scope.parse_stored(scope),
                changes={"channel": Channel.LIVE, "notification_ids": group, "people": len(group)},
            )


def _by_scope(ok: list[Delivery], failed: list[Delivery]) -> dict[tuple[str, str], list[int]]:
    groups: dict[tuple[str, str], list[int]] = {}
    for verb, deliveries in (
        ("notification.delivered", ok),
        ("notification.delivery_failed", failed),
    ):
        for d in deliveries:
            groups.setdefault((d.notification.scope, verb), []).append(d.notification_id)
    return groups


def _claim(delivery_id: int, now: datetime) -> Delivery | None:
    with transaction.atomic():
        delivery: Delivery | None = next(
            iter(
                # Only this row: locking the joined notification too would make senders skip
                # each other's deliveries to the same person. No ORDER BY (``first()`` would
                # order by the model's ordering, through the notification's): compiling that
                # join and ordering was most of an email's cost in the web process.
                Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("notification")
                .filter(pk=delivery_id, state=DeliveryState.PENDING)
                .order_by()
            ),
            None,
        )
        if delivery is None:
            return None
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return None
        if delivery.claimed_until is not None and delivery.claimed_until > now:
            return None
        delivery.claimed_until = now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)
        # The row is locked and the claim is no transition: a plain UPDATE, without the
        # concurrent-transition save's state check (the other half of the claim's cost).
        Delivery.objects.filter(pk=delivery.pk).update(claimed_until=delivery.claimed_until)
        return delivery


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> bool | None:
    """One attempt on an email, text or webhook channel (live alerts go in batches through
    ``live_deliveries_send``): True delivered, False failed (retried later or given up), None not
    claimed (someone else has it, it is not yet due, or it is finished)."""
    from notifications.channels import DeliveryError, backend_for

    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    notification = delivery.notification
    started = time.monotonic()
    error = ""
    permanent = False
    sent = False
    if delivery.channel == Channel.LIVE:
        raise ValueError("live alerts are sent by live_deliveries_send, in batches")
    try:
        backend = backend_for(delivery.channel)
        backend.send(notification=notification, address=delivery.address, channel=delivery.channel)
        sent = backend.sends
    except DeliveryError as exc:
        error, permanent = str(exc)[:500], exc.permanent
    except Exception as exc:  # a backend bug must not lose the notification: retried like a failure
        error = f"{type(exc).__name__}: {exc}"[:500]
    return _attempt_record(
        delivery.pk,
        ok=not error,
        sent=sent,
        error=error,
        permanent=permanent,
        started=started,
        now=now,
    )


def _attempt_record(
    delivery_id: int,
    *,
    ok: bool,
    sent: bool,
    error: str,
    permanent: bool,
    started: float,
    now: datetime,
) -> bool:
    """Record one attempt. ``ok``: the backend took the message; ``sent``: and it left the
    service (a backend that only keeps it leaves the delivery recorded, not sent)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification")
            .get(pk=delivery_id)
        )
        delivery.attempts += 1
        DeliveryAttempt.objects.create(
            delivery=delivery,
            at=now,
            ok=ok,
            error=error,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        notification = delivery.notification
        if ok:
            if sent:
                delivery.delivered(at=now)
            else:
                delivery.recorded()
            delivery.save()
            audit_record(
                actor=None,
                verb="notification.delivered" if sent else "notification.recorded",
                subject=notification,
                scope=Scope.parse_stored(notification.scope),
                changes={"channel": delivery.channel, "attempt": delivery.attempts},
            )
            if not sent:  # the last word on a message another channel failed to send
                _undeliverable_check(notification)
            return True
        if permanent or delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            delivery.give_up(error=error)
            delivery.save()
            audit_record(
                actor=None,
                verb="notification.delivery_failed",
                subject=notification,
                scope=Scope.parse_stored(notification.scope),
                changes={
                    "channel": delivery.channel,
                    "attempts": delivery.attempts,
                    "error": error,
                },
            )
            _undeliverable_check(notification)
        else:
            backoff = settings.NOTIFICATION_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
            delivery.retry_at(at=now + timedelta(seconds=backoff), error=error)
            delivery.save()
        return False


UNREACHED = frozenset({DeliveryState.FAILED, DeliveryState.RECORDED})


def _undeliverable_check(notification: Notification) -> None:
    """Every channel that can reach a person when they are away (all but live) has given up or
    only recorded the message, at least one gave up, and nobody acknowledged: the CSP
    Co-ordinator must find another way to reach them (``notifications.unreachable`` decides
    whether now or in the interval's digest). Called in the transaction that recorded the last
    outcome; the notice is sent when it commits. Live alerts do not count: a page that missed a
    push replays it."""
    if notification.state != "open" or notice_is_about_unreachable(notification):
        return  # answered meanwhile, or itself a notice about unreachable people
    offline = list(
        notification.deliveries.exclude(channel=Channel.LIVE).values_list("state", "channel")
    )
    # A message only recorded reached nobody either, but it did not fail: a notice needs one
    # channel that did (else every message in development would be one).
    if not offline or any(s not in UNREACHED for s, _ in offline):
        return  # nothing to reach them away from the service, delivered somewhere, or retrying
    failed = [channel for state, channel in offline if state == DeliveryState.FAILED]
    if failed:
        dispatch_on_commit(unreachable_record(notification=notification, channels=failed))


def deliveries_due(
    now: datetime | None = None, limit: int = 200, fresh_grace: timedelta | None = None
) -> list[int]:
    """Pending deliveries whose time has come and that nobody holds (the sweep's work). With
    ``fresh_grace`` (the workers' sweep), a delivery never tried nor taken is left to the job
    written with it until it is that old: that job cannot be lost (it committed with the
    delivery), and the sweep is for retries, expired claims and a job that failed."""
    now = now or timezone.now()
    from django.db.models import Q

    due = Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )
    if fresh_grace is not None:
        due = due.exclude(
            attempts=0, claimed_until__isnull=True, next_attempt_at__gt=now - fresh_grace
        )
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
