"""Reads of incidents, duties and the protocol, shaped for the escalation pages.

``incident_for`` and ``duty_for`` are the one way every door (page, API, export, websocket)
looks up an incident or a duty by id: a member who may not see it is told it does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from escalation.deadlines import deadline_compute
from escalation.models import (
    OPEN_DUTY_STATES,
    OPEN_INCIDENT_STATES,
    Determination,
    Duty,
    DutyState,
    Incident,
    ProtocolState,
    ProtocolStep,
    ProtocolVersion,
)
from escalation.protocol import DEFAULT_STEPS
from escalation.rules import incidents_visible
from partnership.models import Area, Member, Partnership, Role
from partnership.permissions import can


def incident_for(
    member: Member, pk: int, *, queryset: QuerySet[Incident] | None = None
) -> Incident:
    """The incident, only to a member ``incident.view`` lets see it: for anyone else it does not
    exist (Http404), so no door discloses that it does. ``queryset`` chooses what is loaded with
    it. What the member may *do* with it is the caller's to ask next (a 403)."""
    query = queryset if queryset is not None else Incident.objects.select_related("area")
    # One row, by its primary key: no ORDER BY at all (``first()`` would add one, and compiling
    # it, even by pk, cost more than the query on the board's every push and every request
    # about an incident).
    incident = next(iter(query.filter(pk=pk).order_by()[:1]), None)
    if incident is None or not can(member, "incident.view", incident):
        raise Http404("No incident with that id is shared with you.")
    return incident


def incident_seen_by(pk: int, members: Sequence[Member]) -> list[bool]:
    """For each of ``members``, whether ``incident_for`` would find the incident for them (rather
    than raise Http404), with one lookup of it: the board asks this once per push for all its
    watchers in a process, where each used to look the incident up for themselves."""
    incident = Incident.objects.filter(pk=pk).order_by("pk").first()
    return [incident is not None and can(member, "incident.view", incident) for member in members]


def duty_for(member: Member, pk: int) -> Duty:
    """The duty, only to a member who may see its incident (Http404 otherwise)."""
    duty = next(iter(Duty.objects.select_related("incident").filter(pk=pk).order_by()[:1]), None)
    if duty is None or not can(member, "incident.view", duty.incident):
        raise Http404("No duty with that id is shared with you.")
    return duty


def incidents_for_list(
    member: Member,
    *,
    state: str = "",
    area: Area | None = None,
    strand: str = "",
) -> QuerySet[Incident]:
    """The incidents ``member`` may view (the ``incident.view`` rule, as one query), newest
    reported first, narrowed by whichever filters are given."""
    incidents = incidents_visible(member).select_related("area")
    if state:
        incidents = incidents.filter(state=state)
    if area is not None:
        incidents = incidents.filter(area=area)
    if strand:
        incidents = incidents.filter(strand_rows__strand=strand)
    return incidents.prefetch_related("strand_rows").order_by("-reported_at", "-pk")


def incident_page_queryset() -> QuerySet[Incident]:
    """Incidents with everything the incident page shows, in a fixed number of queries."""
    return Incident.objects.select_related("area", "reported_by", "protocol").prefetch_related(
        "strand_rows",
        "connected",
        Prefetch(
            "determinations",
            queryset=Determination.objects.select_related("officer").order_by(
                "determined_at", "pk"
            ),
        ),
        Prefetch(
            "duties",
            queryset=Duty.objects.select_related("completed_by", "meeting").order_by("order"),
        ),
    )


@dataclass(frozen=True)
class BoardRow:
    incident: Incident
    next_duty: Duty | None
    overdue: int
    """Open duties past their due time that the engine has marked overdue or escalated."""


def board_rows(partnership: Partnership | None) -> list[BoardRow]:
    """Every open incident of ``partnership`` with its next open duty, incidents with late duties
    first, then by whichever duty falls due soonest."""
    incidents = (
        Incident.objects.filter(partnership=partnership, state__in=OPEN_INCIDENT_STATES)
        .select_related("area")
        .prefetch_related(
            Prefetch(
                "duties",
                queryset=Duty.objects.filter(state__in=OPEN_DUTY_STATES).order_by(
                    "due_at", "order"
                ),
                to_attr="open_duties",
            )
        )
    )
    rows = []
    for incident in incidents:
        open_duties: list[Duty] = getattr(incident, "open_duties", [])
        rows.append(
            BoardRow(
                incident=incident,
                next_duty=open_duties[0] if open_duties else None,
                overdue=sum(
                    1 for d in open_duties if d.state in (DutyState.OVERDUE, DutyState.ESCALATED)
                ),
            )
        )
    rows.sort(key=_board_order)
    return rows


def _board_order(row: BoardRow) -> tuple[bool, bool, float, float]:
    due = row.next_duty.due_at.timestamp() if row.next_duty else 0.0
    return (row.overdue == 0, row.next_duty is None, due, -row.incident.reported_at.timestamp())


@dataclass(frozen=True)
class StepPreview:
    order: int
    description: str
    owner: str
    deadline: str


def protocol_preview(*, partnership: Partnership, start: datetime) -> list[StepPreview]:
    """The steps a declaration in ``partnership`` made at ``start`` would create, with their
    deadlines explained.

    Reads its published protocol version, or the source document's steps when none has been
    published yet (the first declaration publishes them)."""
    version = ProtocolVersion.objects.filter(
        partnership=partnership, state=ProtocolState.PUBLISHED
    ).first()
    steps: Sequence[dict[str, Any]] = (
        [_step_fields(step) for step in version.steps.order_by("order")]
        if version is not None
        else DEFAULT_STEPS
    )
    previews = []
    for order, step in enumerate(steps, 1):
        deadline = deadline_compute(
            start=start,
            kind=step["deadline_kind"],
            amount=step["deadline_amount"],
            nation=partnership.division,
            immediate_target=timedelta(minutes=settings.PROTOCOL_IMMEDIATE_MINUTES),
        )
        owner = step["owner_role"]
        previews.append(
            StepPreview(
                order=order,
                description=step["description"],
                owner=Role(owner).label if owner else "The service itself, at once",
                deadline=deadline.explanation,
            )
        )
    return previews


def _step_fields(step: ProtocolStep) -> dict[str, Any]:
    return {
        "description": step.description,
        "owner_role": step.owner_role,
        "deadline_kind": step.deadline_kind,
        "deadline_amount": step.deadline_amount,
    }


def duties_of_member(member: Member) -> QuerySet[Duty]:
    """The open duties of the incidents the member may see whose role they hold or stand in for
    (their work list), most urgent first."""
    roles = member.acting_roles
    if not roles:
        return Duty.objects.none()
    return (
        Duty.objects.filter(
            incident__in=incidents_visible(member),
            state__in=OPEN_DUTY_STATES,
            owner_role__in=roles,
        )
        .select_related("incident", "incident__area")
        .order_by("due_at", "pk")
    )
