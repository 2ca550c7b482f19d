"""The audit timeline's read side: one case's events in order, filtered and paged, each described
in a sentence, with the chain's integrity stated.

Events are read from the append-only table (``partnership.timeline`` writes and verifies it),
never reconstructed, so what a gold group reads is what was recorded at the time. Descriptions are
written from event data (ids and codes), so timelines name no victim.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from conference.models import Action, AgendaItem, IncidentPerson, Referral
from partnership.models import AuditEvent
from partnership.timeline import ChainReport, timeline_verify

PAGE_SIZE = 100

# Plain-words templates for the verbs a reader meets most; anything else is shown by its verb.
_DESCRIPTIONS: dict[str, str] = {
    "incident.reported": "Incident reported",
    "incident.assessment_started": "Assessment started",
    "incident.declared_major": "Determined a MAJOR incident: {rationale}",
    "incident.found_not_major": "Determined not major (casework route): {rationale}",
    "incident.stood_down": "Stood down: {reason}",
    "incident.closed": "Incident closed",
    "incident.linked": "Linked to incident {other_id} as a series of connected events",
    "incident.person_linked": "Person {person_id} linked ({involvement})",
    "protocol.started": "Protocol v{protocol_version} started: duties created",
    "duty.completed": "Duty done: {step}",
    "duty.waived": "Duty waived: {step} ({reason})",
    "duty.overdue": "Duty OVERDUE: {step}",
    "duty.escalated": "Duty escalated: {step}, rung {rung} to {audience}",
    "notification.sent": "Sent “{title}” to {recipient_count} ({audiences})",
    "notification.delivered": "Delivered by {channel}",
    "notification.delivery_failed": "Delivery failed by {channel} after {attempts} attempts",
    "notification.acknowledged": "Acknowledged (via {via})",
    "notification.replied": "Replied ({kind})",
    "notification.escalated": "Not acknowledged: ladder rung {rung} to {to}",
    "notification.ladder_stopped": "Ladder stopped: acknowledged by someone it reached",
    "situation_report.sent": "Situation report sent ({purposes})",
    "meeting.scheduled": "Debrief scheduled for {starts_at} at {location}",
    "timeline.exported": "Timeline exported as {format}",
    "referral.created": "Referral made ({reason}, {level} risk)",
    "repeat.flagged": "Repeat rule fired: {kind}",
    "room.risk_agreed": "Risk agreed at conference",
    "room.action": "Action agreed at conference",
    "action.overdue": "Conference action OVERDUE",
    "action.completed": "Conference action done",
    "duty.deadline_recomputed": "Deadline recomputed: {step}, now due {due_at} ({why})",
    "calendar.day_added": "Bank holiday added in {division}: {date} {title} ({reason})",
    "calendar.day_removed": "Bank holiday removed in {division}: {date} {title} ({reason})",
    "calendar.imported": "GOV.UK's bank holidays imported for {division} from {source}",
    "calendar.seeded": "Bank holidays of {division} {year} copied from {source}",
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def event_describe(event: AuditEvent) -> str:
    changes: dict[str, Any] = dict(event.changes)
    if event.verb == "notification.sent":
        changes["recipient_count"] = f"{len(changes.get('recipients', []))} people"
        changes["audiences"] = ", ".join(changes.get("audiences", []))
    if isinstance(changes.get("purposes"), list):
        changes["purposes"] = ", ".join(changes["purposes"])
    template = _DESCRIPTIONS.get(event.verb)
    if template is None:
        return event.verb.replace("_", " ").replace(".", ": ", 1)
    return template.format_map(_Blank(changes))


@dataclass(frozen=True)
class TimelineFilter:
    kinds: tuple[str, ...] = ()
    agency_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def events_in(scopes: Iterable[str]) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(scope__in=list(scopes))


def incident_events(incident_id: int) -> QuerySet[AuditEvent]:
    """Everything recorded on one incident."""
    return events_in([f"incident:{incident_id}"])


def person_events(person_id: int) -> QuerySet[AuditEvent]:
    """Everything about one person's case: their record, their incidents, their referrals and
    what conferences decided about them (other cases in the same conference are left out)."""
    incident_ids = list(
        IncidentPerson.objects.filter(person_id=person_id).values_list("incident_id", flat=True)
    )
    referral_ids = list(Referral.objects.filter(person_id=person_id).values_list("pk", flat=True))
    items = AgendaItem.objects.filter(referral_id__in=referral_ids)
    item_ids = list(items.values_list("pk", flat=True))
    conference_scopes = [
        f"conference:{pk}" for pk in items.values_list("conference_id", flat=True).distinct()
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
    scopes = [f"person:{person_id}", *[f"incident:{pk}" for pk in incident_ids]]
    return AuditEvent.objects.filter(Q(scope__in=scopes) | in_conference)


def events_filtered(
    query: QuerySet[AuditEvent], wanted: TimelineFilter = TimelineFilter()
) -> QuerySet[AuditEvent]:
    query = query.select_related("agency")
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


def event_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
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


def timeline_page(
    query: QuerySet[AuditEvent],
    wanted: TimelineFilter,
    *,
    after_seq: int = 0,
    limit: int = PAGE_SIZE,
) -> TimelinePage:
    """One page, keyed on the sequence number (fast at any depth: no OFFSET)."""
    events = list(events_filtered(query, wanted).filter(seq__gt=after_seq)[: limit + 1])
    more = len(events) > limit
    events = events[:limit]
    return TimelinePage(
        rows=[event_row(e) for e in events],
        next_after_seq=events[-1].seq if more and events else None,
    )


def integrity_statement(report: ChainReport) -> dict[str, Any]:
    return {
        "verifies": report.ok,
        "checked_events": report.checked,
        "broken_at_seq": report.broken_seq,
        "statement": report.describe(),
        "last_hash": report.last_hash,
    }


def integrity() -> dict[str, Any]:
    return integrity_statement(timeline_verify())
