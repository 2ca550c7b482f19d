"""Reads of conferences: the room as one attendee may see it, research, minutes; and person
records, whose every view is logged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from conference.models import (
    Action,
    AgendaItem,
    AgendaKind,
    Attendance,
    Conference,
    Person,
    PersonAccess,
    ResearchContribution,
    RoomEntry,
    Visibility,
)
from conference.rules import visible_to
from conference.services import entry_payload
from partnership.models import Member
from partnership.permissions import require


def person_access_log(*, member: Member, person: Person, what: str) -> None:
    """Record a view of personal data (it is reviewed by the gold group and administrators)."""
    with transaction.atomic():
        PersonAccess.objects.create(person=person, member=member, at=timezone.now(), what=what)


def person_for(member: Member, pk: int, *, what: str = "record") -> Person:
    """The person, after checking the member may see them, with the view logged."""
    person: Person = Person.objects.select_related("area").get(pk=pk)
    require(member, "person.view", person)
    person_access_log(member=member, person=person, what=what)
    return person


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
    """The research on a case this member may see. Restricted contributions seen are logged
    against the person, like views of their record."""
    found = []
    for contribution in item.research.select_related("agency", "author").prefetch_related(
        "visible_agencies"
    ):
        if visible_to(
            member,
            item.conference,
            visibility=contribution.visibility,
            agency_ids=_agency_ids(contribution),
            author_id=contribution.author_id,
        ):
            found.append(contribution)
            if contribution.visibility != Visibility.PANEL and item.referral is not None:
                person_access_log(
                    member=member,
                    person=item.referral.person,
                    what=f"restricted research {contribution.pk}",
                )
    return found


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


def open_actions_from_previous(conference: Conference) -> list[Action]:
    previous = (
        Conference.objects.filter(starts_at__lt=conference.starts_at).order_by("-starts_at").first()
    )
    if previous is None:
        return []
    return list(
        previous.actions.filter(state__in=("open", "overdue", "escalated")).select_related(
            "owner", "owner_agency"
        )
    )


@dataclass(frozen=True)
class Minutes:
    text: str


def minutes_build(conference: Conference, *, reader: Member | None = None) -> Minutes:
    """The minutes, from the room: who was present, each case with the risk agreed and what
    was shared with the whole panel, and every action. Restricted entries stay out of minutes,
    which go to the whole panel. Given a ``reader``, what was shared with the panel is left out
    unless ``visible_to`` lets them see it (a CSP Co-ordinator who may view the conference but
    is not on its panel)."""
    local = timezone.localtime(conference.starts_at)
    lines = [
        f"MINUTES: {conference.title}",
        f"{conference.get_kind_display()}, {local:%A %d %B %Y %H:%M}, {conference.location}",
        f"Chair: {conference.chair}",
        "",
        "PRESENT",
    ]
    attendance = list(
        conference.attendance.select_related("member", "agency").order_by(
            "agency__name", "member__last_name"
        )
    )
    for a in attendance:
        if a.status == Attendance.Status.PRESENT:
            lines.append(f"  {a.member} ({a.agency})")
    apologies = [a for a in attendance if a.status == Attendance.Status.APOLOGIES]
    if apologies:
        lines += ["", "APOLOGIES"] + [f"  {a.member} ({a.agency})" for a in apologies]
    for item in conference.agenda.select_related("referral__person").order_by("order"):
        lines.append("")
        if item.kind == AgendaKind.ACTION_REVIEW:
            lines.append(f"ITEM {item.order}: REVIEW OF OPEN ACTIONS FROM THE LAST CONFERENCE")
            for action in open_actions_from_previous(conference):
                lines.append(
                    f"  - {action.description} "
                    f"({action.owner_agency}, {action.get_state_display()})"
                )
        else:
            assert item.referral is not None  # noqa: S101
            lines.append(
                f"ITEM {item.order}: CASE {item.referral.person.reference} "
                f"(referral {item.referral_id})"
            )
            lines.append(f"  Risk at referral: {item.referral.get_level_display()}")
            lines.append(
                "  Risk agreed: "
                + (item.get_agreed_risk_display() if item.agreed_risk else "not agreed")
            )
            shared = item.entries.filter(
                kind="information", visibility=Visibility.PANEL
            ).select_related("author")
            for entry in shared.order_by("pk"):
                if reader is not None and not visible_to(
                    reader,
                    conference,
                    visibility=entry.visibility,
                    agency_ids=[],
                    author_id=entry.author_id,
                ):
                    continue
                lines.append(f"  Shared by {entry.author}: {entry.text}")
        for action in item.actions.select_related("owner", "owner_agency").order_by("pk"):
            lines.append(
                f"  ACTION: {action.description} | owner {action.owner} ({action.owner_agency}) | "
                f"due {timezone.localtime(action.due_at):%d %b %Y} | {action.get_state_display()}"
            )
    loose = conference.actions.filter(agenda_item__isnull=True)
    if loose.exists():
        lines += ["", "OTHER ACTIONS"]
        for action in loose.select_related("owner", "owner_agency"):
            lines.append(
                f"  ACTION: {action.description} | owner {action.owner} ({action.owner_agency}) "
                f"| due {timezone.localtime(action.due_at):%d %b %Y}"
            )
    lines += [
        "",
        f"Minutes generated {timezone.localtime():%d %b %Y %H:%M} from the conference room record.",
    ]
    return Minutes(text="\n".join(lines) + "\n")
