"""Reads of conferences and people: the one lookup per entity every door (page, API, export,
websocket) uses, the room as one attendee may see it, and research. (Minutes: ``minutes``.)

Each ``<entity>_for(member, pk)`` returns the object only to a member allowed to see it and raises
Http404 for anyone else, so no door discloses that a person, referral or conference exists. What
the member may *do* with it is the caller's to ask next (a 403). Nothing here writes: a door that
shows personal data records the view itself (``services.person_access_record``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from conference.models import (
    Action,
    AgendaItem,
    Attendance,
    CarriedAction,
    Conference,
    Person,
    PersonMerge,
    Referral,
    RepeatFlag,
    ResearchContribution,
    RoomEntry,
    Visibility,
)
from conference.rules import people_visible, visible_to
from partnership.models import Member
from partnership.permissions import can


# --- One lookup per entity -----------------------------------------------------------------------
def merge_for(member: Member, pk: int) -> PersonMerge:
    """A merge of two records, only to a member who may merge people (Http404 otherwise)."""
    merge = PersonMerge.objects.select_related("kept").filter(pk=pk).first()
    if merge is None or not can(member, "person.merge", merge):
        raise Http404("No such merge.")
    return merge


def person_for(member: Member, pk: int) -> Person:
    """The person, only to a member ``person.view`` lets see them (Http404 otherwise).

    It does not record the view: the caller does (``services.person_access_record``) once it has
    decided to show the record, that is after its own further checks (a case's timeline also
    needs ``person.timeline``; an export is recorded only when the file is made). Only the door
    knows when personal data is actually shown, so a refused request logs nothing."""
    person = Person.objects.select_related("area").filter(pk=pk).first()
    if person is None or not can(member, "person.view", person):
        raise Http404("No person with that id is shared with you.")
    return person


def referrals_visible(member: Member) -> QuerySet[Referral]:
    """The referrals ``referral.view`` allows this member (those of people they may see)."""
    return Referral.objects.filter(person__in=people_visible(member)).select_related(
        "person", "referring_agency", "referred_by"
    )


def referral_for(member: Member, pk: int) -> Referral:
    """The referral, only to a member who may see its person (Http404 otherwise)."""
    referral = (
        Referral.objects.select_related("person", "referring_agency", "referred_by")
        .filter(pk=pk)
        .first()
    )
    if referral is None or not can(member, "referral.view", referral):
        raise Http404("No referral with that id is shared with you.")
    return referral


def conference_for(member: Member, pk: int) -> Conference:
    """The conference, only to a member ``conference.view`` lets see it (Http404 otherwise)."""
    conference = Conference.objects.select_related("chair", "coordinator").filter(pk=pk).first()
    if conference is None or not can(member, "conference.view", conference):
        raise Http404("No conference with that id is shared with you.")
    return conference


def agenda_item_for(member: Member, pk: int) -> AgendaItem:
    """The agenda item, only to a member who may see its conference (Http404 otherwise)."""
    item = AgendaItem.objects.select_related("conference", "referral__person").filter(pk=pk).first()
    if item is None or not can(member, "conference.view", item.conference):
        raise Http404("No agenda item with that id is shared with you.")
    return item


def action_for(member: Member, pk: int) -> Action:
    """The action, to a member who may see its conference or may complete it (its owner, their
    deputy, the CSP Co-ordinator); Http404 for anyone else."""
    action = (
        Action.objects.select_related("conference", "owner", "owner_agency").filter(pk=pk).first()
    )
    if action is None or not (
        can(member, "conference.view", action.conference) or can(member, "action.complete", action)
    ):
        raise Http404("No action with that id is shared with you.")
    return action


def flag_for(member: Member, pk: int) -> RepeatFlag:
    """The repeat flag, only to those who handle flags (Http404 for anyone else: a flag names a
    case)."""
    flag = RepeatFlag.objects.select_related("person").filter(pk=pk).first()
    if flag is None or not can(member, "flag.manage", flag):
        raise Http404("No flag with that id.")
    return flag


# --- The room and research ---------------------------------------------------------------------
def entry_payload(entry: RoomEntry, agency_ids: list[int]) -> dict[str, Any]:
    """A room entry as the room's pages and sockets carry it."""
    return {
        "type": "entry",
        "id": entry.pk,
        "kind": entry.kind,
        "kind_label": entry.get_kind_display(),
        "item_id": entry.agenda_item_id,
        "author": str(entry.author),
        "author_id": entry.author_id,
        "text": entry.text,
        "visibility": entry.visibility,
        "agency_ids": agency_ids,
        "action_id": entry.action_id,
        "created_at": entry.created_at.isoformat(),
    }


def _agency_ids(obj: RoomEntry | ResearchContribution) -> list[int]:
    return sorted(a.pk for a in obj.visible_agencies.all())


def entries_visible(
    member: Member, conference: Conference, *, after: int = 0
) -> list[dict[str, Any]]:
    entries = (
        RoomEntry.objects.filter(conference=conference, pk__gt=after)
        .select_related("author")
        .prefetch_related("visible_agencies")
        .order_by("pk")
    )
    result = []
    for entry in entries:
        agency_ids = _agency_ids(entry)
        if visible_to(
            member,
            conference,
            visibility=entry.visibility,
            agency_ids=agency_ids,
            author_id=entry.author_id,
        ):
            result.append(entry_payload(entry, agency_ids))
    return result


def research_visible(member: Member, item: AgendaItem) -> list[ResearchContribution]:
    """The research on a case this member may see. Restricted contributions among them are views
    of personal data: the door records them (``services.research_access_record``)."""
    return [
        contribution
        for contribution in item.research.select_related("agency", "author").prefetch_related(
            "visible_agencies"
        )
        if visible_to(
            member,
            item.conference,
            visibility=contribution.visibility,
            agency_ids=_agency_ids(contribution),
            author_id=contribution.author_id,
        )
    ]


def agenda_state(conference: Conference) -> list[dict[str, Any]]:
    items = conference.agenda.select_related(
        "referral__person", "referral__referring_agency"
    ).prefetch_related("needed_agencies")
    present = set(
        Attendance.objects.filter(
            conference=conference, status=Attendance.Status.PRESENT
        ).values_list("agency_id", flat=True)
    )
    rows = []
    for item in items.order_by("order"):
        needed = list(item.needed_agencies.all())
        rows.append(
            {
                "id": item.pk,
                "order": item.order,
                "kind": item.kind,
                "case": item.referral.person.reference if item.referral else None,
                "subject": item.subject,
                "referral_id": item.referral_id,
                "referral_level": item.referral.level if item.referral else None,
                "agreed_risk": item.agreed_risk,
                "discussed": item.discussed_at is not None,
                "needed_agencies": [
                    {"id": a.pk, "name": a.name, "present": a.pk in present} for a in needed
                ],
                "missing_agencies": [a.name for a in needed if a.pk not in present],
            }
        )
    return rows


def room_state(member: Member, conference: Conference) -> dict[str, Any]:
    """Everything a (re)joining attendee needs: the agenda, where the room is, who is present,
    the actions and the entries they may see."""
    attendance = [
        {"member": str(a.member), "agency": a.agency.name, "status": a.status}
        for a in conference.attendance.select_related("member", "agency").order_by("agency__name")
    ]
    actions = [
        action_payload(a)
        for a in conference.actions.select_related("owner", "owner_agency").order_by("pk")
    ]
    return {
        "type": "state",
        "conference": {
            "id": conference.pk,
            "title": conference.title,
            "state": conference.state,
            "current_item_id": conference.current_item_id,
        },
        "agenda": agenda_state(conference),
        "attendance": attendance,
        "actions": actions,
        "entries": entries_visible(member, conference),
    }


def action_payload(action: Action) -> dict[str, Any]:
    return {
        "id": action.pk,
        "description": action.description,
        "owner": str(action.owner),
        "owner_agency": action.owner_agency.name,
        "due_at": action.due_at.isoformat(),
        "state": action.state,
        "item_id": action.agenda_item_id,
    }


def carried_visible(member: Member, conference: Conference) -> dict[int, list[Action]]:
    """The open actions each case brought to this conference from earlier ones
    (``CarriedAction``), by agenda item, as the minutes show them: to a member of the panel who
    may see the case's referral."""
    if not visible_to(member, conference, visibility=Visibility.PANEL, agency_ids=[], author_id=0):
        return {}
    rows = CarriedAction.objects.filter(agenda_item__conference=conference).select_related(
        "action__conference", "action__owner", "action__owner_agency", "action__referral"
    )
    result: dict[int, list[Action]] = {}
    for row in rows.order_by("agenda_item_id", "action_id"):
        referral = row.action.referral
        if referral is not None and can(member, "referral.view", referral):
            result.setdefault(row.agenda_item_id, []).append(row.action)
    return result
