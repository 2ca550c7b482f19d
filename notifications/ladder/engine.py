"""The ladder engine: due things turn overdue, due rungs fire once each, and the scheduler's job
drains whatever is due in order.

Every function that changes a thing locks its row first and re-reads whether it still wants the
work, so a late, repeated or concurrent run (two schedulers a moment after a PostgreSQL restart)
does nothing twice. The unique ``LadderRung`` row per thing and rung is the last guard. The
``now`` the callers pass is the clock of the run: rungs record it as their firing time, so
lateness is measured against it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Case, F, Min, Q, QuerySet, When
from django.utils import timezone

from notifications.audiences import audiences_members
from notifications.ladder.kinds import Firing, LadderKind, Told
from notifications.ladder.rungs import rung_due_at
from notifications.models import Laddered, LadderRung, Notification, Urgency
from notifications.services import notify
from partnership.audiences import Audience
from partnership.models import Member
from partnership.timeline import audit_record

T = TypeVar("T", bound=Laddered)

# Rows handled per query while draining: big enough that a declaration's duties take one query,
# small enough that a backlog after downtime does not hold one huge result.
BATCH = 500


def _seconds(later: datetime, earlier: datetime) -> float:
    return round((later - earlier).total_seconds(), 3)


def _save(kind: LadderKind[T], thing: T, event: str, changes: dict[str, Any]) -> None:
    """Save the thing after its transition, with the audit event of it in the same transaction
    (``duty.overdue``, ``action.escalated``, ...)."""
    thing.save()
    audit_record(
        actor=None,
        verb=f"{kind.name}.{event}",
        subject=thing,
        scope=kind.scope(thing),
        changes={**kind.details(thing), **changes},
    )


@transaction.atomic
def ladder_fall_due(kind: LadderKind[T], *, pk: int, now: datetime | None = None) -> bool:
    """A waiting thing past its due time turns overdue (recording how late that was), and its
    ladder starts: from rung 0, or where it stood if the thing was overdue before. Returns False,
    changing nothing, when the thing no longer wants it."""
    now = now or timezone.now()
    thing = kind.lock(pk)
    if not _fall_due(kind, thing, now):
        return False
    _told_send(kind, _rungs_fire(kind, thing, now))
    kind.after_change(thing)
    return True


@transaction.atomic
def ladder_climb(kind: LadderKind[T], *, pk: int, now: datetime | None = None) -> int:
    """Fire every rung of the thing now due. Returns how many fired (0 when the thing no longer
    wants it: finished, acknowledged, or already climbed by another run)."""
    now = now or timezone.now()
    thing = kind.lock(pk)
    fired = _rungs_fire(kind, thing, now)
    _told_send(kind, fired)
    if fired:
        kind.after_change(thing)
    return len(fired)


@transaction.atomic
def ladder_advance_together(kind: LadderKind[T], *, pks: Sequence[int], now: datetime) -> int:
    """Things of one group (``LadderKind.group_field``: a declaration's duties) due in the same
    run: each falls due or climbs as ``ladder_fall_due`` and ``ladder_climb`` would, in one
    transaction, and each person their rungs reach gets one message listing everything that
    reached them. Returns how many rungs fired."""
    fired: list[tuple[T, Firing]] = []
    changed: list[T] = []
    for pk in pks:
        thing = kind.lock(pk)
        fell = _fall_due(kind, thing, now)
        these = _rungs_fire(kind, thing, now)
        fired += these
        if fell or these:
            changed.append(thing)
    _told_send(kind, fired)
    for thing in changed:
        kind.after_change(thing)
    return len(fired)


def ladder_next_rung_at(kind: LadderKind[T], thing: T) -> datetime | None:
    """When the thing's next rung is due, counted from its start as it stands now (a duty whose
    due time a calendar change moved keeps its place on the ladder, and its next rung counts from
    the new due time)."""
    return rung_due_at(kind.ladder(thing), thing.next_rung, kind.start(thing))


def _fall_due(kind: LadderKind[T], thing: T, now: datetime) -> bool:
    """Caller holds the thing's row lock. True if it turned overdue now."""
    if thing.state not in kind.waiting_states or kind.due(thing) > now:
        return False
    due_at = kind.due(thing)
    thing.mark_overdue(at=now, next_rung_at=ladder_next_rung_at(kind, thing))
    _save(kind, thing, "overdue", {"due_at": due_at, "late_by_seconds": _seconds(now, due_at)})
    return True


def _rungs_fire(kind: LadderKind[T], thing: T, now: datetime) -> list[tuple[T, Firing]]:
    """Caller holds the thing's row lock. Records each due rung (row, transition, audit event)
    and returns them for ``_told_send``, in the same transaction."""
    rungs = kind.ladder(thing)
    start = kind.start(thing)
    fired: list[tuple[T, Firing]] = []
    while (
        thing.state in kind.climbing_states
        and thing.next_rung_at is not None
        and thing.next_rung_at <= now
        and not kind.waiting_on(thing)
    ):
        index = thing.next_rung
        rung = rungs[index]
        audiences = kind.audiences(thing, rung.to)
        firing = Firing(
            index=index,
            rung=rung,
            audiences=audiences,
            escalates=set(audiences) != set(kind.owner(thing)),
            due_at=thing.next_rung_at,
            at=now,
        )
        # The unique (thing, index) row is the proof the rung fired, and the guard against
        # firing it twice even if two schedulers get here.
        LadderRung.objects.create(
            thing=thing,
            index=index,
            to=str(rung.to),
            audience=Audience.joined(audiences),
            due_at=firing.due_at,
            fired_at=now,
        )
        thing.climb(next_rung_at=rung_due_at(rungs, index + 1, start), escalates=firing.escalates)
        _save(
            kind,
            thing,
            "escalated",
            {
                "rung": index,
                "to": str(rung.to),
                "audience": Audience.joined(audiences),
                "audiences": Audience.stored(audiences),
                "due_at": firing.due_at,
                "late_by_seconds": _seconds(now, firing.due_at),
            },
        )
        fired.append((thing, firing))
    return fired


def _cause(kind: LadderKind[T], thing: T, firing: Firing) -> str:
    return f"{kind.name}:{thing.pk}:rung:{firing.index}"


def _told_send(kind: LadderKind[T], fired: list[tuple[T, Firing]]) -> None:
    """The notifications of rungs that fired in this transaction. A kind with a ``group_field``
    sends each person one message for everything that reached them (however many rungs, things
    and roles); the others one per rung."""
    if not fired:
        return
    if kind.group_field is None:
        for thing, firing in fired:
            alert = kind.alert(thing, firing)
            notify(
                audiences=firing.audiences,
                title=alert.title[:_TITLE],
                body=alert.body,
                purposes=alert.purposes,
                cause=_cause(kind, thing, firing),
                subject=thing,
                scope=kind.scope(thing),
                urgency=Urgency.URGENT,
                # The ladder is the chase: its own alerts are not chased a second time.
                ack_ladder=[],
                escalation_of=alert.escalation_of,
            )
        return
    reached: dict[int, list[Told[T]]] = {}
    members: dict[int, Member] = {}
    for thing, firing in fired:
        partnership_id = getattr(thing, "partnership_id", None)
        for audience, member in audiences_members(firing.audiences, partnership_id):
            members[member.pk] = member
            reached.setdefault(member.pk, []).append(Told(thing, firing, audience))
    for member_pk, told in reached.items():
        first = told[0]
        alert = kind.alert_for(members[member_pk], told)
        # Unique: the first rung it lists fired once, in this transaction.
        cause = _cause(kind, first.thing, first.firing)
        if len(told) > 1:
            cause += f":with:{len(told) - 1}"
        notify(
            audiences=[Audience.member(member_pk)],
            title=alert.title[:_TITLE],
            body=alert.body,
            purposes=alert.purposes,
            cause=cause,
            subject=first.thing,
            scope=kind.scope(first.thing),
            urgency=Urgency.URGENT,
            ack_ladder=[],
        )


_TITLE = Notification._meta.get_field("title").max_length or 200


# --- Scheduled work ------------------------------------------------------------------------------
def ladder_run(kind: LadderKind[T], now: datetime | None = None) -> datetime | None:
    """The scheduler's job for one kind: everything due by ``now`` (things falling due first,
    then rungs), then when something of the kind next falls due."""
    now = now or timezone.now()
    manager = kind.model._default_manager
    if kind.group_field is not None:
        _drain_together(kind, now)
        return ladder_next_due(kind)
    if kind.waiting_states:
        waiting = manager.filter(state__in=kind.waiting_states, **{f"{kind.due_field}__lte": now})
        _drain(kind, waiting, kind.due_field, ladder_fall_due, now)
    climbing = manager.filter(state__in=kind.climbing_states, next_rung_at__lte=now)
    _drain(kind, climbing, "next_rung_at", ladder_climb, now)
    return ladder_next_due(kind)


def _drain_together(kind: LadderKind[T], now: datetime) -> None:
    """``_drain`` for a kind whose things are told together: everything due (falling due or with
    a rung due), longest due first, in batches; the things of one group in a batch are advanced
    in one transaction (``ladder_advance_together``), in the order they fell due."""
    assert kind.group_field is not None  # noqa: S101 (the caller checked)
    manager = kind.model._default_manager
    due = Q(state__in=kind.climbing_states, next_rung_at__lte=now)
    if kind.waiting_states:
        due |= Q(state__in=kind.waiting_states, **{f"{kind.due_field}__lte": now})
    when = Case(
        When(state__in=kind.waiting_states, then=F(kind.due_field)),
        default=F("next_rung_at"),
    )
    done: set[int] = set()
    while True:
        batch = list(
            manager.filter(due)
            .exclude(pk__in=done)
            .annotate(due_when=when)
            .order_by("due_when", "pk")
            .values_list("pk", kind.group_field)[:BATCH]
        )
        if not batch:
            return
        groups: dict[Any, list[int]] = {}
        for pk, group in batch:
            groups.setdefault(group, []).append(pk)
        for pks in groups.values():
            ladder_advance_together(kind, pks=pks, now=now)
            done.update(pks)


def _drain(
    kind: LadderKind[T],
    query: QuerySet[T],
    due_field: str,
    service: Callable[..., Any],
    now: datetime,
) -> None:
    """Everything ``query`` finds, longest due first, in batches of ``BATCH``, until it finds
    nothing more (rows that fell due by ``now`` while draining included). Each row is offered
    once: a row its service leaves due (it no longer wanted the work) is not taken again."""
    done: set[int] = set()
    while True:
        pending = query.exclude(pk__in=done).order_by(due_field, "pk")
        batch = list(pending.values_list("pk", flat=True)[:BATCH])
        if not batch:
            return
        for pk in batch:
            service(kind, pk=pk, now=now)
            done.add(pk)


def ladder_next_due(kind: LadderKind[T]) -> datetime | None:
    """When the next thing of this kind falls due or has a rung due."""
    manager = kind.model._default_manager
    candidates: list[datetime | None] = []
    if kind.waiting_states:
        candidates.append(
            manager.filter(state__in=kind.waiting_states).aggregate(at=Min(kind.due_field))["at"]
        )
    candidates.append(
        manager.filter(state__in=kind.climbing_states, next_rung_at__isnull=False).aggregate(
            at=Min("next_rung_at")
        )["at"]
    )
    found = [at for at in candidates if at is not None]
    return min(found) if found else None
