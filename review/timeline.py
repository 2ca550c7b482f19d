"""The audit timeline's read side: one case's events in order, filtered and paged, each described
in a sentence, with the chain's integrity stated.

Events are read from the append-only table (``partnership.timeline`` writes and verifies it),
never reconstructed, so what a gold group reads is what was recorded at the time. Descriptions are
written from event data (ids and codes), so timelines name no victim.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from conference.models import Action, AgendaItem, IncidentPerson, Referral
from notifications.models import Notification
from partnership.audiences import Audience, AudienceKind
from partnership.audit_verbs import (
    OPTIONAL_PART,
    detail_words,
    verb_description,
    verb_registered,
)
from partnership.checkpoints import ChainCheck, chain_check
from partnership.models import AuditEvent, Member, Role, RoleAssignment
from partnership.scopes import Scope
from partnership.timeline import chain_of_scope, event_hash
from review.compliance import duration_words

PAGE_SIZE = 100


class _MissingDetailError(Exception):
    """A detail the description asks for was not recorded (or is empty)."""


_UNKNOWN = object()


class _Words(string.Formatter):
    """Fills a verb's sentence (``partnership.audit_verbs``) with an event's details, putting
    codes into words. A missing detail raises ``_MissingDetailError`` (or reads "?" when
    ``lenient``)."""

    def __init__(self, *, lenient: bool = False) -> None:
        self.lenient = lenient

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        value = kwargs.get(str(key))
        if value is None or value == "" or value == []:
            if self.lenient:
                return _UNKNOWN
            raise _MissingDetailError(key)
        return value

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is _UNKNOWN:
            return "?"
        try:
            return _detail_words(value, format_spec)
        except (TypeError, ValueError):  # a detail not of the shape its format expects
            return str(value)


def _items(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        return [part for part in value.split(", ") if part]
    return [value]


def _named(member: Member) -> str:
    agency = member.agency
    return f"{member}, {agency.name}" if agency is not None else str(member)


def _member_words(pk: Any) -> str:
    """A member by name and agency ("Ravi Chandra, Thames Valley Police"), as the timeline
    names people; a member since removed is "a former member"."""
    try:
        member = Member.objects.select_related("agency").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return str(pk)
    return "a former member" if member is None else _named(member)


def _audience_words(code: Any) -> str:
    try:
        audience = Audience.parse(str(code))
    except ValidationError:  # a role or agency kind since retired: show the code
        return str(code)
    if audience.kind == AudienceKind.MEMBER and audience.member_id is not None:
        return _member_words(audience.member_id)
    return audience.label


def _time_words(value: Any) -> str:
    text = str(value)
    try:
        if len(text) == len("2026-06-15"):
            return f"{date.fromisoformat(text):%a %d %b %Y}"
        return when_words(datetime.fromisoformat(text))
    except ValueError:
        return text


def when_words(moment: datetime) -> str:
    """A moment in UK time, as people write it: "14:02 on Mon 30 Nov 2026"."""
    local = timezone.localtime(moment)
    return f"{local:%H:%M} on {local:%a} {local.day} {local:%b %Y}"


def _detail_words(value: Any, spec: str) -> str:
    if spec == "audience":
        return _audience_words(value)
    if spec == "audiences":
        return ", ".join(_audience_words(code) for code in _items(value))
    if spec == "time":
        return _time_words(value)
    if spec == "member":
        return _member_words(value)
    if spec == "incident":
        return f"HC-{int(value):05d}"
    if spec == "duration":
        return duration_words(float(value))
    if spec == "late":
        return "late" if value else "on time"
    if spec == "fields":
        return ", ".join(str(name).replace("_", " ") for name in _items(value))
    if spec == "people":
        count = value if isinstance(value, int) else len(_items(value))
        return "1 person" if count == 1 else f"{count} people"
    words = detail_words(spec) if spec else None
    if words is not None:
        return ", ".join(words.get(str(code), str(code)) for code in _items(value))
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _fill(sentence: str, details: dict[str, Any]) -> str:
    strict, lenient = _Words(), _Words(lenient=True)
    parts: list[str] = []
    done = 0
    for optional in OPTIONAL_PART.finditer(sentence):
        # A detail outside brackets that is missing (an event written by hand) reads "?" where
        # it would have been, rather than hiding the event.
        parts.append(lenient.vformat(sentence[done : optional.start()], (), details))
        with suppress(_MissingDetailError):
            parts.append(strict.vformat(optional.group(1), (), details))
        done = optional.end()
    parts.append(lenient.vformat(sentence[done:], (), details))
    return "".join(parts)


# Beyond this many, a message's recipients are counted rather than named.
NAMED_RECIPIENTS = 12


def _names(member_ids: Sequence[Any]) -> str:
    ids = [int(pk) for pk in member_ids if str(pk).isdigit()]
    members = {
        m.pk: m
        for m in Member.objects.select_related("agency").filter(pk__in=ids[:NAMED_RECIPIENTS])
    }
    named = [_named(members[pk]) for pk in ids[:NAMED_RECIPIENTS] if pk in members]
    if len(ids) > NAMED_RECIPIENTS:
        named.append(f"{len(ids) - NAMED_RECIPIENTS} more")
    return "; ".join(named)


def _whom(event: AuditEvent) -> dict[str, Any]:
    """Who a message event is about, by name, read from the notifications it names (the
    timeline records ids: the names are the directory's now)."""
    details: dict[str, Any] = {}
    if event.verb == "notification.sent":
        recipients = event.changes.get("recipients")
        if isinstance(recipients, list):
            details["to_whom"] = _names(
                [r.get("member_id") for r in recipients if isinstance(r, dict)]
            )
        return details
    ids = event.changes.get("notification_ids")
    if not isinstance(ids, list):
        ids = [event.subject_id] if event.subject_type == "notifications.notification" else []
    rows = Notification.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()])
    details["to_whom"] = _names(list(rows.values_list("recipient_id", flat=True)))
    if event.verb == "notification.acknowledged":
        details["about"] = next(iter(rows.values_list("title", flat=True)), "")
    return details


def event_describe(event: AuditEvent) -> str:
    """The event in a sentence: its verb's registered description filled with its details (and,
    for a message, whom it reached by name). An event whose verb is no longer registered is
    shown by its verb."""
    if not verb_registered(event.verb):
        return event.verb.replace("_", " ").replace(".", ": ", 1)
    details = dict(event.changes)
    if event.verb.startswith("notification."):
        details.update(_whom(event))
    return _fill(verb_description(event.verb), details)


def who_words(event: AuditEvent, roles: Mapping[tuple[int, int | None], str]) -> str:
    """Who did it, as a person reads it: "Ravi Chandra, Community and Race Relations Officer"
    (their roles in the partnership whose timeline it is), or "The service itself"."""
    if event.actor_id is None:
        return "The service itself"
    actor = event.actor
    name = str(actor) if actor is not None else event.actor_label
    held = roles.get((event.actor_id, event.partnership_id), "")
    return f"{name}, {held}" if held else name


def actor_roles(events: Sequence[AuditEvent]) -> dict[tuple[int, int | None], str]:
    """The roles each actor of ``events`` holds in each partnership their events are on."""
    wanted = {(e.actor_id, e.partnership_id) for e in events if e.actor_id is not None}
    members = {pk for pk, _ in wanted}
    roles: dict[tuple[int, int | None], list[str]] = {}
    for member_id, partnership_id, role in RoleAssignment.objects.filter(
        member_id__in=members
    ).values_list("member_id", "partnership_id", "role"):
        if (member_id, partnership_id) in wanted:
            roles.setdefault((member_id, partnership_id), []).append(Role(role).label)
    return {key: ", ".join(sorted(labels)) for key, labels in roles.items()}


@dataclass(frozen=True)
class TimelineFilter:
    kinds: tuple[str, ...] = ()
    agency_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Present:
    """What occurs in a record's events: the verbs, and the agencies (by id) that acted."""

    verbs: frozenset[str]
    agency_ids: frozenset[int]


# Each distinct (verb, agency) of each scope is found by one probe of the index on
# (scope, verb, agency_id) for the first pair after the last one found (a skip scan, which
# PostgreSQL 15 does not do by itself): a few hundred probes at most, however long the record,
# where a DISTINCT reads every event of it (58 ms of a page at 100,000 events). ORDER BY
# matches the index (NULLS LAST), so an event without an agency is found as its verb's last
# pair and then skipped, which loses nothing: its verb was found with it.
_PRESENT_SQL = """
WITH RECURSIVE present(scope, verb, agency_id) AS (
    SELECT s.scope, first.verb, first.agency_id
    FROM unnest(%s::varchar[]) AS s(scope)
    CROSS JOIN LATERAL (
        SELECT e.verb, e.agency_id FROM {table} e
        WHERE e.scope = s.scope ORDER BY e.verb, e.agency_id LIMIT 1
    ) AS first
  UNION ALL
    SELECT p.scope, later.verb, later.agency_id
    FROM present p
    CROSS JOIN LATERAL (
        SELECT n.verb, n.agency_id FROM (
            (SELECT e.verb, e.agency_id FROM {table} e
             WHERE e.scope = p.scope AND e.verb = p.verb AND e.agency_id > p.agency_id
             ORDER BY e.agency_id LIMIT 1)
            UNION ALL
            (SELECT e.verb, e.agency_id FROM {table} e
             WHERE e.scope = p.scope AND e.verb > p.verb
             ORDER BY e.verb, e.agency_id LIMIT 1)
        ) AS n
        ORDER BY n.verb, n.agency_id LIMIT 1
    ) AS later
)
SELECT DISTINCT verb, agency_id FROM present
"""


@dataclass(frozen=True)
class Record:
    """The events one timeline reads: every event of ``scopes``, and those ``also`` picks out of
    other records (what a conference decided about this person's case)."""

    scopes: tuple[Scope, ...]
    also: Q | None = None

    def events(self) -> QuerySet[AuditEvent]:
        wanted = Q(scope__in=[str(scope) for scope in self.scopes])
        if self.also is not None:
            wanted |= self.also
        return AuditEvent.objects.filter(wanted)

    def present(self) -> Present:
        """The verbs and agencies of ``events()``, for the filter to offer: the same sets as a
        DISTINCT over them, read from the index rather than from every event."""
        pairs: set[tuple[str, int | None]] = set()
        if self.scopes:
            with connection.cursor() as cursor:
                cursor.execute(
                    _PRESENT_SQL.format(table=connection.ops.quote_name(AuditEvent._meta.db_table)),
                    [[str(scope) for scope in self.scopes]],
                )
                pairs.update(cursor.fetchall())
        if self.also is not None:
            pairs.update(
                AuditEvent.objects.filter(self.also)
                .order_by()
                .values_list("verb", "agency_id")
                .distinct()
            )
        return Present(
            verbs=frozenset(verb for verb, _ in pairs),
            agency_ids=frozenset(agency for _, agency in pairs if agency is not None),
        )


def events_in(scopes: Iterable[Scope]) -> QuerySet[AuditEvent]:
    return Record(tuple(scopes)).events()


def incident_record(incident_id: int) -> Record:
    """Everything recorded on one incident."""
    return Record((Scope.incident(incident_id),))


def incident_events(incident_id: int) -> QuerySet[AuditEvent]:
    return incident_record(incident_id).events()


def person_record(person_id: int) -> Record:
    """Everything about one person's case: their record, their incidents, their referrals and
    what conferences decided about them (other cases in the same conference are left out)."""
    incident_ids = list(
        IncidentPerson.objects.filter(person_id=person_id).values_list("incident_id", flat=True)
    )
    referral_ids = list(Referral.objects.filter(person_id=person_id).values_list("pk", flat=True))
    items = AgendaItem.objects.filter(referral_id__in=referral_ids)
    item_ids = list(items.values_list("pk", flat=True))
    conference_scopes = [
        str(Scope.conference(pk)) for pk in items.values_list("conference_id", flat=True).distinct()
    ]
    action_ids = [
        str(pk)
        for pk in Action.objects.filter(referral_id__in=referral_ids).values_list("pk", flat=True)
    ]
    in_conference = Q(scope__in=conference_scopes) & (
        Q(changes__item_id__in=item_ids)
        | Q(changes__referral_id__in=referral_ids)
        | Q(subject_type="conference.action", subject_id__in=action_ids)
        | Q(verb__in=["conference.opened", "conference.concluded"])
    )
    scopes = (Scope.person(person_id), *[Scope.incident(pk) for pk in incident_ids])
    return Record(scopes, also=in_conference if conference_scopes else None)


def person_events(person_id: int) -> QuerySet[AuditEvent]:
    return person_record(person_id).events()


def events_filtered(
    query: QuerySet[AuditEvent], wanted: TimelineFilter = TimelineFilter()
) -> QuerySet[AuditEvent]:
    # The names are fetched for the rows returned (two small queries), not joined: a join
    # before the LIMIT lets the planner, misjudging how many events a record has (no or stale
    # statistics), join and sort all of them for a page of 100 (250 ms at 100,000 events,
    # against 4 ms for the rows alone by the (scope, seq) index).
    query = query.prefetch_related("agency", "actor")
    if wanted.kinds:
        kinds = Q()
        for kind in wanted.kinds:
            kinds |= Q(verb__startswith=f"{kind}.")
        query = query.filter(kinds)
    if wanted.agency_id is not None:
        query = query.filter(agency_id=wanted.agency_id)
    if wanted.since is not None:
        query = query.filter(occurred_at__gte=wanted.since)
    if wanted.until is not None:
        query = query.filter(occurred_at__lte=wanted.until)
    return query.order_by("seq")


def event_row(
    event: AuditEvent, roles: Mapping[tuple[int, int | None], str] | None = None
) -> dict[str, Any]:
    """One event as the page, the API and the exports give it: ``when`` and ``who`` as a person
    reads them, ``occurred_at`` and ``actor`` (the username) for machines."""
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "when": when_words(event.occurred_at),
        "who": who_words(event, roles if roles is not None else actor_roles([event])),
        "actor": event.actor_label,
        "agency": event.agency.name if event.agency else "",
        "kind": event.verb.split(".", 1)[0],
        "verb": event.verb,
        "description": event_describe(event),
        "subject": f"{event.subject_type}:{event.subject_id}",
        "changes": event.changes,
        "hash": event.hash,
    }


@dataclass(frozen=True)
class TimelinePage:
    rows: list[dict[str, Any]]
    next_after_seq: int | None
    # Events on the page whose content no longer matches their hash.
    edited: list[int] = field(default_factory=list)


def edited_seqs(events: Iterable[AuditEvent]) -> list[int]:
    """The events among ``events`` edited since they were recorded: each one shown or exported is
    checked against its own hash, since the check from a checkpoint does not read the events
    before it (``partnership.checkpoints``)."""
    return [event.seq for event in events if event_hash(event) != event.hash]


def timeline_page(
    query: QuerySet[AuditEvent],
    wanted: TimelineFilter,
    *,
    after_seq: int = 0,
    limit: int = PAGE_SIZE,
) -> TimelinePage:
    """One page, keyed on the sequence number (fast at any depth: no OFFSET)."""
    found = events_filtered(query, wanted)
    if after_seq:
        # Only after the first page: on it, a lower bound the planner cannot judge (a table
        # without statistics yet) turned the ordered index scan into reading every event of the
        # record and sorting them (65 ms at 100,000 events).
        found = found.filter(seq__gt=after_seq)
    events = list(found[: limit + 1])
    more = len(events) > limit
    events = events[:limit]
    roles = actor_roles(events)
    return TimelinePage(
        rows=[event_row(e, roles) for e in events],
        next_after_seq=events[-1].seq if more and events else None,
        edited=edited_seqs(events),
    )


def integrity_statement(check: ChainCheck, *, edited: Sequence[int] = ()) -> dict[str, Any]:
    """The integrity of the chain a record's timeline is part of, as pages, the API and exports
    state it: from the chain's last signed checkpoint (``partnership.checkpoints``), and each
    event shown (``edited``: those whose content no longer matches their hash)."""
    report = check.report
    checkpoint, walked = check.checkpoint, check.walked
    statement: dict[str, Any] = {
        "verifies": check.ok,
        # Every event after the checkpoint (all, without one) verified: now or by a walk since.
        "checked_events": check.after_checkpoint,
        "checked_now": report.checked,
        "broken_at_seq": report.broken_seq,
        "problem": report.problem,
        "statement": check.describe(),
        "last_hash": report.last_hash,
        "chain": check.name,
        "checkpoint": None
        if checkpoint is None
        else {
            "number": checkpoint.number,
            "seq": checkpoint.seq,
            "made_at": checkpoint.made_at.isoformat(),
            "head_hash": checkpoint.head_hash,
            "signature": checkpoint.signature,
        },
        # The walk since the checkpoint an earlier check found whole, which this one went on from.
        "walked": None
        if walked is None
        else {"seq": walked.seq, "head_hash": walked.head_hash, "at": walked.at.isoformat()},
    }
    if check.ok and edited:
        first = min(edited)
        problem = "its content no longer matches its hash (the row was edited)"
        statement.update(
            verifies=False,
            broken_at_seq=first,
            problem=problem,
            statement=f"The timeline is broken at event {first} of {check.name}: {problem}",
        )
    return statement


def integrity(scope: Scope, *, edited: Sequence[int] = ()) -> dict[str, Any]:
    """The integrity statement of the chain ``scope``'s record is on (its partnership's), going
    on from the last walk since the checkpoint that found it whole (``chain_check``'s
    ``resume``): a page reads what is new since the last page."""
    return integrity_statement(chain_check(chain_of_scope(scope), resume=True), edited=edited)
