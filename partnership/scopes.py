"""Scopes: the case a timeline event or a notification belongs to.

Every app files its audit events and notifications under a scope (an incident, a person's case,
a conference, an oversight body's scrutiny request, a division's calendar) and reads them back by
it: the gold group's timeline of an incident is the events in ``Scope.incident(12)``, and a member
"was told about" an incident when a notification in its scope reached them. This module is the one
place that writes and reads the stored form (``"incident:12"``, in ``AuditEvent.scope`` and
``Notification.scope``); code builds scopes with the constructors and asks the value, never splits
the text.

When cases belong to one of several partnerships on a service (issue 12), the partnership joins
the value here (a field, its place in ``__str__`` and ``parse``); nothing outside needs to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from partnership.models import Division


class ScopeKind(StrEnum):
    INCIDENT = "incident"
    PERSON = "person"
    CONFERENCE = "conference"
    SCRUTINY = "scrutiny"
    CALENDAR = "calendar"


# Kinds whose key is a record's primary key (the others are keyed by a code).
_RECORD_KINDS = frozenset(
    {ScopeKind.INCIDENT, ScopeKind.PERSON, ScopeKind.CONFERENCE, ScopeKind.SCRUTINY}
)


@dataclass(frozen=True, order=True)
class Scope:
    kind: ScopeKind
    key: str

    def __post_init__(self) -> None:
        if not isinstance(self.kind, ScopeKind):
            raise ValueError(f"{self.kind!r} is not a kind of scope")
        if self.kind in _RECORD_KINDS:
            if not self.key.isdigit() or int(self.key) < 1 or self.key != str(int(self.key)):
                raise ValueError(f"{self.kind} scopes are keyed by a record id, not {self.key!r}")
        elif self.key not in Division.values:
            raise ValueError(f"{self.key!r} is not a division of the calendar")

    # --- Building -----------------------------------------------------------------------------
    @classmethod
    def incident(cls, pk: int) -> Scope:
        return cls(ScopeKind.INCIDENT, str(pk))

    @classmethod
    def person(cls, pk: int) -> Scope:
        """A person's case: their record, referrals and repeat flags."""
        return cls(ScopeKind.PERSON, str(pk))

    @classmethod
    def conference(cls, pk: int) -> Scope:
        return cls(ScopeKind.CONFERENCE, str(pk))

    @classmethod
    def scrutiny(cls, pk: int) -> Scope:
        """An oversight body's scrutiny request to a partnership."""
        return cls(ScopeKind.SCRUTINY, str(pk))

    @classmethod
    def calendar(cls, division: str) -> Scope:
        """One division's calendar of working days."""
        return cls(ScopeKind.CALENDAR, str(division))

    # --- Reading ------------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Scope:
        """The scope a stored text stands for; ``ValueError`` when it stands for none."""
        kind, sep, key = text.partition(":")
        if not sep or kind not in ScopeKind.__members__.values():
            raise ValueError(f"{text!r} is not a scope")
        return cls(ScopeKind(kind), key)

    @classmethod
    def parse_stored(cls, text: str) -> Scope | None:
        """As ``parse``, for a stored field where "" means "no case" (a sign-in alert)."""
        return cls.parse(text) if text else None

    @staticmethod
    def stored(scope: Scope | None) -> str:
        """The text a model field keeps for ``scope`` ("" for none)."""
        return "" if scope is None else str(scope)

    @staticmethod
    def kind_prefix(kind: ScopeKind) -> str:
        """What every stored scope of ``kind`` starts with, for a database filter
        (``scope__startswith``); read the matches back with ``parse``."""
        return f"{kind}:"

    @classmethod
    def ids_of(cls, kind: ScopeKind, texts: Iterable[str]) -> set[int]:
        """The record ids of the stored scopes of a record ``kind`` among ``texts``."""
        scopes = (cls.parse_stored(text) for text in texts)
        return {scope.pk for scope in scopes if scope is not None and scope.kind == kind}

    @property
    def pk(self) -> int:
        """The record's id (for incidents, persons, conferences and scrutiny requests)."""
        if self.kind not in _RECORD_KINDS:
            raise ValueError(f"a {self.kind} scope is not keyed by a record id")
        return int(self.key)

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"
