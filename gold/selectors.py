"""Reading links between partnerships' incidents: the one lookup of a link, the links of an
incident or a partnership, and what one side is shown of the other."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from escalation.models import Incident
from gold.models import (
    CommsItem,
    Decision,
    DecisionState,
    GoldGroup,
    IncidentLink,
    LinkState,
    ShareKind,
)
from partnership.models import Member, Partnership
from partnership.permissions import can

REFERENCE = re.compile(r"^\s*(?:HC-?)?0*(\d{1,9})\s*$", re.IGNORECASE)


def _links() -> QuerySet[IncidentLink]:
    return IncidentLink.objects.select_related(
        "partnership",
        "other_partnership",
        "incident",
        "other_incident",
        "requested_by",
        "answered_by",
        "unlinked_by",
    )


def link_for(member: Member, pk: int) -> IncidentLink:
    """The link, to a member of either partnership who may see their own side's incident;
    Http404 for anyone else (a third partnership learns nothing, not even that it exists)."""
    link = _links().filter(pk=pk).first()
    if link is None or not can(member, "incident_link.view", link):
        raise Http404("No link with that id is shared with you.")
    return link


def links_of_incident(member: Member, incident: Incident) -> list[IncidentLink]:
    """Every link (asked for, live, declined or ended) of an incident the member may see,
    newest first."""
    links = _links().filter(Q(incident=incident) | Q(other_incident=incident))
    return [link for link in links if can(member, "incident_link.view", link)]


def links_of_partnership(member: Member) -> list[IncidentLink]:
    """The links of the partnership the member works in that they may see, newest first."""
    if member.partnership is None:
        return []
    here = member.partnership.pk
    links = _links().filter(Q(partnership_id=here) | Q(other_partnership_id=here))
    return [link for link in links if can(member, "incident_link.view", link)]


def live_links_of(incident: Incident) -> QuerySet[IncidentLink]:
    return _links().filter(Q(incident=incident) | Q(other_incident=incident), state=LinkState.LIVE)


def incident_by_reference(partnership: Partnership, reference: str) -> Incident | None:
    """Another partnership's incident named by its reference (``HC-00042``, or the number);
    None when that partnership has no incident of that reference. Nothing else of it is read
    out here: the asking side learns only that the reference exists there."""
    match = REFERENCE.match(reference or "")
    if match is None:
        return None
    return Incident.objects.filter(partnership=partnership, pk=int(match.group(1))).first()


@dataclass(frozen=True)
class LinkView:
    """A link as one side sees it: its own incident in full (it may see it anyway), and of the
    incident across the boundary only its reference, its partnership's name and, once the link is
    live, its state. This is the rule the issue asks for, in one place: every page and the API
    show a link through it."""

    link: IncidentLink
    side: str  # "asking" or "asked"
    own: Incident
    other_reference: str
    other_partnership: str
    other_state: str  # blank until both agreed

    @property
    def may_answer(self) -> bool:
        return self.link.state == LinkState.REQUESTED and self.side == "asked"


def link_view(member: Member, link: IncidentLink) -> LinkView:
    other, other_partnership = link.counterpart(member)
    return LinkView(
        link=link,
        side=link.side_of(member),
        own=link.own_incident(member),
        other_reference=other.reference,
        other_partnership=other_partnership.name,
        other_state=other.get_state_display() if link.state == LinkState.LIVE else "",
    )


def partnerships_to_ask(member: Member) -> QuerySet[Partnership]:
    """Every partnership on the service but the member's own."""
    others = Partnership.objects.order_by("name")
    return others if member.partnership is None else others.exclude(pk=member.partnership.pk)


# --- Gold groups ---------------------------------------------------------------------------------
def _groups() -> QuerySet[GoldGroup]:
    return GoldGroup.objects.select_related("partnership", "convened_by").prefetch_related(
        "seats__member__agency", "seats__partnership", "parties", "incidents__partnership"
    )


def group_for(member: Member, pk: int) -> GoldGroup:
    """The group, to its members (and the convening partnership's co-ordinator); Http404 for
    anyone else, whichever partnership they work in."""
    group = _groups().filter(pk=pk).first()
    if group is None or not can(member, "gold_group.view", group):
        raise Http404("No gold group with that id is shared with you.")
    return group


def room_parts_version(group: GoldGroup) -> str:
    """A digest of the room's communications plan and of what each party shares with it: it
    changes whenever either does, and the room's open pages then fetch the parts of the page they
    draw (``gold/static/gold/group.js``). The same for every member: what each may see of them is
    the page's to work out, at its own door."""
    comms = list(
        group.comms.order_by("pk").values_list("pk", "state", "approved_at", "sent_at", "response")
    )
    shares = sorted((side.partnership_id, sorted(side.shares)) for side in group.sides.all())
    return hashlib.sha256(repr((comms, shares)).encode()).hexdigest()[:16]


def groups_of(member: Member) -> list[GoldGroup]:
    """The groups of any partnership the member may open (they sit in, or convened by their
    partnership when they are its co-ordinator)."""
    if member.partnership is None:
        return []
    here = member.partnership.pk
    candidates = _groups().filter(Q(partnership_id=here) | Q(seats__member=member)).distinct()
    return [group for group in candidates if can(member, "gold_group.view", group)]


def seat_choices(incident: Incident) -> QuerySet[Member]:
    """Who may be seated in a group for ``incident``: the active members (with an active agency)
    of its partnership and of every partnership whose incident is linked live to it."""
    parties = {incident.partnership_id} | {
        link.partnership_id if link.other_incident_id == incident.pk else link.other_partnership_id
        for link in live_links_of(incident)
    }
    return (
        Member.objects.filter(
            partnerships__in=parties, is_active=True, agency__isnull=False, agency__is_active=True
        )
        .select_related("agency")
        .distinct()
        .order_by("agency__name", "last_name", "first_name")
    )


def group_seat_choices(group: GoldGroup) -> QuerySet[Member]:
    """Who may yet be seated in a sitting group: the active members (with an active agency) of
    its parties, less those already in it."""
    return (
        Member.objects.filter(
            partnerships__in=group.parties.all(),
            is_active=True,
            agency__isnull=False,
            agency__is_active=True,
        )
        .exclude(pk__in=group.seats.values("member_id"))
        .select_related("agency")
        .distinct()
        .order_by("agency__name", "last_name", "first_name")
    )


@dataclass(frozen=True)
class IncidentPanel:
    """One of the group's incidents as one member sees it: in full when it is their own
    partnership's and they may see it; otherwise only what its partnership shares with the
    group (``ShareKind``), and its reference and partnership."""

    incident: Incident
    partnership: str
    own: bool
    summary: dict[str, Any] | None
    timeline: list[dict[str, Any]] | None
    situation_reports: list[dict[str, Any]] | None

    @property
    def reference(self) -> str:
        return self.incident.reference


def incident_panels(member: Member, group: GoldGroup) -> list[IncidentPanel]:
    shares = {side.partnership_id: set(side.shares) for side in group.sides.all()}
    panels = []
    for incident in group.incidents.order_by("pk"):
        own = (
            member.partnership is not None
            and member.partnership.pk == incident.partnership_id
            and can(member, "incident.view", incident)
        )
        shared = shares.get(incident.partnership_id, set())
        sees = set(ShareKind.values) if own else shared
        panels.append(
            IncidentPanel(
                incident=incident,
                partnership=incident.partnership.name,
                own=own,
                summary=_summary(incident) if ShareKind.SUMMARY in sees else None,
                timeline=_timeline(incident) if ShareKind.TIMELINE in sees else None,
                situation_reports=(
                    _situation_reports(incident) if ShareKind.SITUATION_REPORTS in sees else None
                ),
            )
        )
    return panels


def _summary(incident: Incident) -> dict[str, Any]:
    return {
        "title": incident.title,
        "description": incident.description,
        "area": incident.area.name,
        "state": incident.get_state_display(),
        "tension": incident.get_tension_level_display(),
        "occurred_at": incident.occurred_at,
    }


def _timeline(incident: Incident) -> list[dict[str, Any]]:
    return [
        {
            "step": duty.description,
            "state": duty.get_state_display(),
            "due_at": duty.due_at,
            "completed_at": duty.completed_at,
        }
        for duty in incident.duties.order_by("order")
    ]


def _situation_reports(incident: Incident) -> list[dict[str, Any]]:
    return [
        {"sent_at": report.sent_at, "body": report.body}
        for report in incident.situation_reports.order_by("sent_at", "pk")
    ]


def decisions_of(group: GoldGroup) -> list[Decision]:
    """Every version of every decision, by number then version (superseded ones kept)."""
    return list(group.decisions.select_related("decided_by").order_by("number", "version"))


@dataclass(frozen=True)
class GoldSummary:
    """The one-page view beside the timeline: each incident's state, open steps and tension as
    the member may see them, and the decisions in force with their reviews."""

    incidents: list[dict[str, Any]]
    decisions_due: list[Decision]
    reviews_overdue: int


def gold_summary(member: Member, group: GoldGroup) -> GoldSummary:
    rows = []
    for panel in incident_panels(member, group):
        open_steps = (
            [row for row in panel.timeline if row["completed_at"] is None]
            if panel.timeline is not None
            else None
        )
        rows.append(
            {
                "reference": panel.reference,
                "partnership": panel.partnership,
                "state": panel.summary["state"] if panel.summary else None,
                "tension": panel.summary["tension"] if panel.summary else None,
                "open_steps": len(open_steps) if open_steps is not None else None,
                "next_step": open_steps[0] if open_steps else None,
            }
        )
    in_force = [d for d in decisions_of(group) if d.in_force]
    in_force.sort(key=lambda d: d.review_at)
    overdue = sum(1 for d in in_force if d.state != DecisionState.IN_FORCE)
    return GoldSummary(incidents=rows, decisions_due=in_force, reviews_overdue=overdue)


def comms_for(member: Member, pk: int) -> CommsItem:
    """A message of a group's communications plan, to whoever may open the group (Http404
    otherwise)."""
    item = CommsItem.objects.select_related("group", "approver").filter(pk=pk).first()
    if item is None or not can(member, "gold_group.view", item.group):
        raise Http404("No such message is shared with you.")
    return item


def comms_payload(item: CommsItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "audiences": item.audiences,
        "message": item.message,
        "channel": item.channel,
        "approver": str(item.approver),
        "approver_id": item.approver_id,
        "send_at": item.send_at,
        "state": item.state,
        "approved_at": item.approved_at,
        "sent_at": item.sent_at,
        "response": item.response,
    }
