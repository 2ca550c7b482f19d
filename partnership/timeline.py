"""The audit timeline: append and verify.

The timeline is a set of hash chains (``partnership.chain``, the one mechanism the access log of
personal data shares): one per partnership, holding everything that happened in it, and one for
the service, holding what belongs to no partnership (signing in, accounts, agencies, the
calendar of a nation's bank holidays). Appending takes the lock of the event's chain, which
serialises that chain's writers until the caller's transaction commits (a transaction-scoped
advisory lock on PostgreSQL; SQLite already serialises writers because every transaction begins
IMMEDIATE), reads the chain's last event and links the new one to it, so two transactions can
never both link to the same predecessor, and writers in different partnerships never wait for
each other.

Which chain an event goes on: the partnership the caller names; else that of the case its scope
names (apps register the model each kind of scope is a record of); else its subject's, when the
subject belongs to a partnership (an area, a protocol version, a role held there, the
partnership itself); else the service's.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from partnership.audit_verbs import verb_require
from partnership.chain import GENESIS_HASH, ChainKey, ChainReport, HashChain, utc_iso
from partnership.models import AuditEvent, Member, Partnership
from partnership.scopes import Scope, ScopeKind

__all__ = [
    "GENESIS_HASH",
    "SERVICE",
    "TIMELINE",
    "ChainReport",
    "audit_record",
    "chain_label",
    "chain_of_scope",
    "event_hash",
    "timeline_scope_register",
    "timeline_verify",
]


class _Service:
    """The service's own chain, as ``audit_record``'s ``partnership`` (None means "work it
    out")."""

    def __repr__(self) -> str:
        return "SERVICE"


SERVICE = _Service()

# The model each kind of scope is a record of (with a ``partnership`` foreign key).
_SCOPE_MODELS: dict[ScopeKind, type[models.Model]] = {}


def timeline_scope_register(kind: ScopeKind, model: type[models.Model]) -> None:
    """Apps say which of their models a kind of scope is a record of, so that an event filed
    under a case goes on the chain of the case's partnership."""
    _SCOPE_MODELS[kind] = model


def _normalise(changes: dict[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON so what is hashed is exactly what the database gives back
    # (datetimes, decimals and UUIDs become strings).
    result: dict[str, Any] = json.loads(json.dumps(changes, cls=DjangoJSONEncoder))
    return result


def _content(event: AuditEvent) -> dict[str, Any]:
    # The chain an event is on is not hashed (hashes stay those events always had): a row moved
    # to another chain breaks both chains' links, and each chain's signed checkpoints name it.
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
    model=AuditEvent,
    content=_content,
    name="The timeline",
    noun="event",
    plural="events",
    chain_field="partnership",
)


def chain_label(key: ChainKey) -> str:
    """How a chain is named where it is signed: ``partnership:<id>``, or ``service``."""
    return "service" if key is None else f"partnership:{key}"


def event_hash(event: AuditEvent) -> str:
    """The hash an event must carry, computed from its content and its predecessor's hash."""
    return TIMELINE.hash_of(event)


def chain_of_scope(scope: Scope | None) -> ChainKey:
    """The chain of the partnership whose case ``scope`` names (None: the service's, for a
    scope that is no partnership's record, such as a division's calendar)."""
    model = _SCOPE_MODELS.get(scope.kind) if scope is not None else None
    if scope is None or model is None:
        return None
    owner = (
        model._default_manager.filter(pk=scope.pk).values_list("partnership_id", flat=True).first()
    )
    return None if owner is None else int(owner)


def _chain_of(
    partnership: Partnership | _Service | None, scope: Scope | None, subject: models.Model | None
) -> ChainKey:
    if isinstance(partnership, Partnership):
        return partnership.pk
    if partnership is SERVICE:
        return None
    key = chain_of_scope(scope)
    if key is not None:
        return key
    if isinstance(subject, Partnership):
        return subject.pk
    owner = getattr(subject, "partnership_id", None)
    return int(owner) if isinstance(owner, int) else None


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
    partnership: Partnership | _Service | None = None,
) -> AuditEvent:
    """Append one event. The caller is inside the transaction that makes the change it records,
    so the change and its record commit or roll back together. ``verb`` is registered with its
    description (``partnership.audit_verbs``); ``scope`` is the case the event belongs to;
    ``partnership`` names the chain when the scope and subject do not (see the module's
    docstring; ``SERVICE`` for the service's own)."""
    verb_require(verb)
    chain = _chain_of(partnership, scope, subject)
    if subject is not None:
        subject_type = subject._meta.label_lower
        subject_id = subject.pk
    event = AuditEvent(
        partnership_id=chain,
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


def timeline_verify(partnership: Partnership | int | None = None) -> ChainReport:
    """Walk one whole chain (a partnership's, or the service's for None) and report the first
    event where it breaks. ``partnership.checkpoints.chain_check`` verifies from the last signed
    checkpoint instead, and checks the checkpoints."""
    key = partnership.pk if isinstance(partnership, Partnership) else partnership
    return TIMELINE.verify(key)
