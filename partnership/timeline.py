"""The audit timeline: append and verify.

The timeline is a hash chain (``partnership.chain``, the one mechanism the access log of personal
data shares): appending takes a lock that serialises writers until the caller's transaction
commits (a transaction-scoped advisory lock on PostgreSQL; SQLite already serialises writers
because every transaction begins IMMEDIATE), reads the last event and links the new one to it, so
two transactions can never both link to the same predecessor.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from partnership.audit_verbs import verb_require
from partnership.chain import GENESIS_HASH, ChainReport, HashChain, utc_iso
from partnership.models import AuditEvent, Member
from partnership.scopes import Scope

__all__ = [
    "GENESIS_HASH",
    "TIMELINE",
    "ChainReport",
    "audit_record",
    "event_hash",
    "timeline_verify",
]


def _normalise(changes: dict[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON so what is hashed is exactly what the database gives back
    # (datetimes, decimals and UUIDs become strings).
    result: dict[str, Any] = json.loads(json.dumps(changes, cls=DjangoJSONEncoder))
    return result


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "occurred_at": utc_iso(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "agency_id": event.agency_id,
        "verb": event.verb,
        "subject_type": event.subject_type,
        "subject_id": str(event.subject_id),
        "scope": event.scope,
        "changes": event.changes,
    }


TIMELINE: HashChain[AuditEvent] = HashChain(
    model=AuditEvent, content=_content, name="The timeline", noun="event", plural="events"
)


def event_hash(event: AuditEvent) -> str:
    """The hash an event must carry, computed from its content and its predecessor's hash."""
    return TIMELINE.hash_of(event)


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
    verb_require(verb)
    if subject is not None:
        subject_type = subject._meta.label_lower
        subject_id = subject.pk
    event = AuditEvent(
        occurred_at=occurred_at or timezone.now(),
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        agency_id=actor.agency_id if actor else None,
        verb=verb,
        subject_type=subject_type,
        subject_id=str(subject_id),
        scope=Scope.stored(scope),
        changes=_normalise(changes or {}),
    )
    TIMELINE.append([event])
    return event


def timeline_verify() -> ChainReport:
    """Walk the whole chain and report the first event where it breaks."""
    return TIMELINE.verify()
