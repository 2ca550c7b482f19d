"""The home page's work list: what is waiting for the member, from every app that has work.

Each app registers its sources in its ``AppConfig.ready`` (``worklist_register``): a source is a
heading, what its emptiness means, whom it concerns, and a selector that returns the member's
items (their own partnership's only, through that app's selectors). The home page shows every
source that concerns the member, most urgent first, and refreshes when a change in their
partnership is pushed to ``/ws/worklist/`` (a hint with nothing in it: the page fetches its own
list again, so a push never carries anything a member may not see).

Later features add their rows by registering a source (casework's deadlines, gold group decisions
due): nothing here changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.forms import Form

from partnership.live import group_send_on_commit
from partnership.models import Member


@dataclass(frozen=True)
class WorkAction:
    """What the member can do on the spot: a POST to ``url`` with ``form``'s fields (none: a
    button), or, when ``post`` is False, a link to the page where it is done."""

    url: str
    label: str
    form: Form | None = None
    post: bool = True
    hint: str = ""


@dataclass(frozen=True)
class WorkItem:
    key: str  # unique on the page ("duty-12"): the live refresh keeps a half-written form
    what: str  # what is asked of the member, in their words
    url: str  # where it is, in full
    about: str = ""  # what it concerns ("HC-00012 in Woughton")
    due_at: datetime | None = None
    reason: str = ""  # why it is due then, in words
    note: str = ""  # how it comes to be the member's ("You stand in for …")
    late: bool = False
    waiting: bool = False  # cannot be done yet (shown after what can)
    actions: tuple[WorkAction, ...] = ()


@dataclass(frozen=True)
class WorkSource:
    key: str
    heading: str
    empty: str  # what it means when there is nothing ("Nothing is waiting for your reply.")
    concerns: Callable[[Member], bool]
    items: Callable[[Member], list[WorkItem]]
    order: int = 50


@dataclass
class WorkSection:
    source: WorkSource
    items: list[WorkItem] = field(default_factory=list)


_SOURCES: dict[str, WorkSource] = {}


def worklist_register(source: WorkSource) -> WorkSource:
    """Register a source once (at ``ready``); a second one under the same key replaces it."""
    _SOURCES[source.key] = source
    return source


def worklist_for(member: Member) -> list[WorkSection]:
    """The sections that concern the member, each most urgent first."""
    sections = []
    for source in sorted(_SOURCES.values(), key=lambda s: (s.order, s.key)):
        if member.partnership is None or not source.concerns(member):
            continue
        items = source.items(member)
        sections.append(WorkSection(source, sorted(items, key=_sort_key)))
    return sections


def _sort_key(item: WorkItem) -> tuple[bool, bool, float]:
    return (item.waiting, item.due_at is None, item.due_at.timestamp() if item.due_at else 0.0)


def worklist_group(partnership_id: int) -> str:
    """The group of one partnership's work list sockets."""
    return f"worklist.{partnership_id}"


def worklist_changed_on_commit(partnership_id: int | None) -> None:
    """Something in the partnership that may be on someone's work list changed: once it
    commits, every open home page there fetches its own list again."""
    if partnership_id is not None:
        group_send_on_commit(worklist_group(partnership_id), {"type": "worklist.changed"})
