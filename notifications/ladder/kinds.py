"""Kinds of laddered thing, and the registry of them.

A ``LadderKind`` says, in one place for its kind of thing, what the engine must know: who the
owner is and who the deputies are, what a rung's message says, in which states the thing falls due
and climbs, and what else to do when it changes. "Owner" means the same for every kind: whoever is
responsible for doing the thing (the holders of a duty's role, the member who took on an action,
the recipient of a notification). A reminder that reaches only them leaves a thing overdue; a rung
that reaches anyone else escalates it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from notifications.ladder.rungs import DEPUTY, OWNER, Rung, rungs_parse
from notifications.models import Laddered, Notification
from partnership.audiences import Audience
from partnership.models import Member
from partnership.scopes import Scope

T = TypeVar("T", bound=Laddered)


@dataclass(frozen=True)
class Firing:
    """A rung about to fire, as the kind's message sees it."""

    index: int
    rung: Rung
    audiences: list[Audience]
    escalates: bool
    due_at: datetime
    at: datetime  # the engine's clock for this run


@dataclass(frozen=True)
class Alert:
    """What a rung's notification says. Titles go into email subjects and logs: no victim's
    details."""

    title: str
    body: str
    purposes: Sequence[str]
    escalation_of: Notification | None = None


@dataclass(frozen=True)
class Told(Generic[T]):
    """One thing's rung as it reached one person: through ``audience`` (their role, their
    deputyship, the audience the rung names)."""

    thing: T
    firing: Firing
    audience: Audience


class LadderKind(ABC, Generic[T]):
    """How one kind of thing climbs. Subclass it once per laddered model and register the
    instance with ``ladder_register``."""

    model: type[T]
    # Prefixes the causes of a rung's notifications ("duty:12:rung:0"), which keep them from going
    # out twice, and the audit verbs ("duty.overdue", "duty.escalated"): unique per kind.
    name: str
    owner_word: Audience = OWNER
    ladder_field: str = "ladder"
    # Rung times count from this field.
    start_field: str = "due_at"
    # A thing in one of ``waiting_states`` falls due at this field's time and then climbs in one
    # of ``climbing_states``. A kind with no waiting states climbs from the start (its first rung
    # time is set when the thing is made).
    due_field: str = "due_at"
    waiting_states: tuple[str, ...] = ()
    climbing_states: tuple[str, ...] = ()
    # Loaded with the thing when the engine locks it (what ``alert`` and ``scope`` read).
    related: tuple[str, ...] = ()
    # Things with the same value here that are due in one run are told together: each person
    # gets one message (``alert_for``) for every rung of every one of them that reaches them,
    # however many roles they hold. None: one message per rung (``alert``), as an
    # acknowledgement's chase must be, to stop its ladder when acknowledged.
    group_field: str | None = None

    def lock(self, pk: int) -> T:
        """The thing, its row locked for the rest of the transaction (and only its row: locking
        what it joins would make unrelated work wait)."""
        thing: T = (
            self.model._default_manager.select_for_update(of=("self",))
            .select_related(*self.related)
            .get(pk=pk)
        )
        return thing

    def ladder(self, thing: T) -> list[Rung]:
        return rungs_parse(getattr(thing, self.ladder_field))

    def start(self, thing: T) -> datetime:
        start: datetime = getattr(thing, self.start_field)
        return start

    def due(self, thing: T) -> datetime:
        due: datetime = getattr(thing, self.due_field)
        return due

    @abstractmethod
    def owner(self, thing: T) -> list[Audience]:
        """The audiences responsible for doing the thing."""

    @abstractmethod
    def deputies(self, thing: T) -> list[Audience]:
        """The audiences who stand in for the owner (possibly none)."""

    def audiences(self, thing: T, to: Audience) -> list[Audience]:
        """Whom a rung's ``to`` reaches: the owner, the deputies, or the audience it names."""
        if to == self.owner_word:
            return self.owner(thing)
        if to == DEPUTY:
            return self.deputies(thing)
        return [to]

    @abstractmethod
    def scope(self, thing: T) -> Scope | None:
        """The case the thing belongs to (its audit events and notifications go there)."""

    @abstractmethod
    def alert(self, thing: T, firing: Firing) -> Alert:
        """What the rung's notification says."""

    def alert_for(self, member: Member, told: Sequence[Told[T]]) -> Alert:
        """What one person is told of the rungs that reached them together (a kind with a
        ``group_field``). By default the one rung's ``alert``, or those alerts one after the
        other."""
        alerts = [self.alert(t.thing, t.firing) for t in told]
        if len(alerts) == 1:
            return alerts[0]
        return Alert(
            title=f"{len(alerts)} overdue: " + "; ".join(a.title for a in alerts),
            body="\n\n".join(a.body for a in alerts),
            purposes=sorted({p for a in alerts for p in a.purposes}),
        )

    def details(self, thing: T) -> dict[str, Any]:
        """Added to the thing's overdue and escalated audit events."""
        return {}

    def after_change(self, thing: T) -> None:
        """After the engine changed the thing (live pushes, on commit)."""

    def waiting_on(self, thing: T) -> Sequence[models.Model]:
        """The things this one waits on. While there are any, its rungs do not fire: the owner
        cannot act yet, and the thing it waits on climbs its own ladder instead. No kind waits
        yet; a kind that does should also leave its waiting things out of ``climbing_states``
        (a waiting state), so the scheduler is not woken for them on every run."""
        return ()


_KINDS: dict[str, LadderKind[Any]] = {}


def ladder_register(kind: LadderKind[T]) -> LadderKind[T]:
    """Register a kind once, at import. Refuses a second kind for the same model or name: the
    name keeps rung notifications of different kinds apart."""
    label = kind.model._meta.label_lower
    for other_label, other in _KINDS.items():
        if other_label == label or other.name == kind.name:
            raise ImproperlyConfigured(
                f"Ladder kind {kind.name!r} ({label}) clashes with {other.name!r} ({other_label})."
            )
    _KINDS[label] = kind
    return kind


def ladder_kinds() -> list[LadderKind[Any]]:
    return list(_KINDS.values())
