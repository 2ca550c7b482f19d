"""The audit timeline: append and verify.

Appending takes a lock that serialises writers (a transaction-scoped advisory lock on
PostgreSQL; SQLite already serialises writers because every transaction begins IMMEDIATE), reads
the last event and links the new one to it. The lock is held until the caller's transaction
commits, so two transactions can never both link to the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from partnership.audit_verbs import verb_require
from partnership.locks import advisory_xact_lock
from partnership.models import AuditEvent, Member
from partnership.scopes import Scope

GENESIS_HASH = "0" * 64


def _canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _normalise(changes: dict[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON so what is hashed is exactly what the database gives back
    # (datetimes, decimals and UUIDs become strings).
    result: dict[str, Any] = json.loads(json.dumps(changes, cls=DjangoJSONEncoder))
    return result


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(event: AuditEvent) -> str:
    """The hash an event must carry, computed from its content and its predecessor's hash."""
    payload = {
        "seq": event.seq,
        "occurred_at": _utc_iso(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "agency_id": event.agency_id,
        "verb": event.verb,
        "subject_type": event.subject_type,
        "subject_id": str(event.subject_id),
        "scope": event.scope,
        "changes": event.changes,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


def audit_record(
    *,
    actor: Member | None,
    verb: str,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: str | int = "",
    scope: Scope | None = None,
    changes: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Append one event. The caller is inside the transaction that makes the change it records,
    so the change and its record commit or roll back together. ``verb`` is registered with its
    description (``partnership.audit_verbs``); ``scope`` is the case the event belongs to."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    verb_require(verb)
    if subject is not None:
        subject_type = subject._meta.label_lower
        subject_id = subject.pk
    advisory_xact_lock("partnership.timeline")
    last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
    moment = occurred_at or timezone.now()
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        occurred_at=moment,
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        agency_id=actor.agency_id if actor else None,
        verb=verb,
        subject_type=subject_type,
        subject_id=str(subject_id),
        scope=Scope.stored(scope),
        changes=_normalise(changes or {}),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    last_hash: str
    broken_seq: int | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"The timeline verifies: {self.checked} events, last hash {self.last_hash}."
        return f"The timeline is broken at event {self.broken_seq}: {self.problem}"


def _events() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)


def timeline_verify() -> ChainReport:
    """Walk the whole chain and report the first event where it breaks."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in _events():
        if event.seq != expected_seq:
            return ChainReport(
                ok=False,
                checked=checked,
                last_hash=expected_prev,
                broken_seq=expected_seq,
                problem=(
                    f"events {expected_seq} to {event.seq - 1} are missing "
                    f"(the next event present is {event.seq})"
                    if event.seq > expected_seq
                    else f"event {event.seq} appears out of order"
                ),
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                ok=False,
                checked=checked,
                last_hash=expected_prev,
                broken_seq=event.seq,
                problem=(
                    "it does not link to the event before it (an event was removed or replaced)"
                ),
            )
        if event_hash(event) != event.hash:
            return ChainReport(
                ok=False,
                checked=checked,
                last_hash=expected_prev,
                broken_seq=event.seq,
                problem="its content no longer matches its hash (the row was edited)",
            )
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    return ChainReport(ok=True, checked=checked, last_hash=expected_prev)
