"""Who may see people, referrals and conferences, and who may act in the live room.

A person's record goes to those who need it for the case: the CSP Co-ordinator (who runs the
conferences), the chair, whoever created or referred them, and the panel of a conference that
has their case on its agenda. The gold group reads everything, read-only. Inside a conference,
each contribution says who may see it: the whole panel, named agencies, or the chair only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from conference.models import (
    Action,
    AgendaItem,
    Conference,
    ConferenceState,
    Person,
    PersonShare,
    Referral,
    ShareState,
    Visibility,
)
from partnership.models import Member, Role
from partnership.permissions import in_partnership, is_admin, rule

RUNS_CONFERENCES = (Role.CSP_COORDINATOR,)
SEES_EVERY_CASE = (Role.CSP_COORDINATOR, Role.CONFERENCE_CHAIR, Role.GOLD_GROUP)


def people_visible(member: Member) -> QuerySet[Person]:
    """The people ``person.view`` allows this member, as one query."""
    if member.partnership is None or not (in_partnership(member) or is_admin(member)):
        return Person.objects.none()
    # Its own records, and those another partnership shares with it under a recorded basis.
    shared_here = PersonShare.objects.filter(
        partnership=member.partnership, state=ShareState.ACTIVE
    ).values("person_id")
    here = Person.objects.filter(Q(partnership=member.partnership) | Q(pk__in=shared_here))
    # A record merged into another is reached through the one it was merged into.
    here = here.filter(merged_into__isnull=True)
    if member.has_role(*SEES_EVERY_CASE):
        return here
    return here.filter(
        Q(created_by=member)
        | Q(referrals__referred_by=member)
        | Q(referrals__agenda_items__conference__invitees=member)
    ).distinct()


@rule("person.create", denied="Only members of a partner agency record people.")
def _person_create(member: Member, obj: object) -> bool:
    return in_partnership(member)


@rule("person.link", denied="Only members of a partner agency link people to incidents.")
def _person_link(member: Member, person: Person) -> bool:
    # Any agency may tag an incident with a person it can identify by reference ("flag and tag,
    # whatever agency reports it"); linking shows nothing of the record itself.
    return in_partnership(member)


@rule("person.view", denied="This person's record is not shared with you.")
def _person_view(member: Member, person: Person) -> bool:
    return people_visible(member).filter(pk=person.pk).exists()


@rule(
    "person.share",
    denied="Only the CSP Co-ordinator of the partnership that holds the record shares it.",
)
def _person_share(member: Member, person: Person) -> bool:
    # Only the owner shares or withdraws: a partnership the record is shared with cannot pass it on.
    working = member.partnership
    return (
        working is not None
        and person.partnership_id == working.pk
        and member.has_role(*RUNS_CONFERENCES)
        and in_partnership(member)
    )


@rule("referral.create", denied="Only members of a partner agency make referrals.")
def _referral_create(member: Member, obj: object) -> bool:
    return in_partnership(member)


@rule("referral.view", denied="This referral is not shared with you.")
def _referral_view(member: Member, referral: Referral) -> bool:
    return people_visible(member).filter(pk=referral.person_id).exists()


@rule("flag.manage", denied="Repeat flags are handled by the CSP Co-ordinator.")
def _flag_manage(member: Member, obj: object) -> bool:
    return member.has_role(*RUNS_CONFERENCES)


@rule(
    "person.merge",
    denied="Records of the same person are merged by the CSP Co-ordinator.",
)
def _person_merge(member: Member, obj: object) -> bool:
    return in_partnership(member) and member.has_role(*RUNS_CONFERENCES)


@rule("conference.manage", denied="Conferences are arranged by the CSP Co-ordinator.")
def _conference_manage(member: Member, obj: object) -> bool:
    return member.has_role(*RUNS_CONFERENCES)


def _runs(member: Member, conference: Conference) -> bool:
    return conference.chair_id == member.pk or conference.coordinator_id == member.pk


def _invited(member: Member, conference: Conference) -> bool:
    return conference.invitees.filter(pk=member.pk).exists()


@rule("conference.view", denied="This conference is not shared with you.")
def _conference_view(member: Member, conference: Conference) -> bool:
    # As strict as ``people_visible`` and ``incident.view``: outside the partnership, nothing.
    if not (in_partnership(member) or is_admin(member)):
        return False
    return (
        _runs(member, conference)
        or _invited(member, conference)
        or member.has_role(Role.CSP_COORDINATOR, Role.GOLD_GROUP)
    )


@rule("conference.attend", denied="Only the chair and the invited panel join this conference.")
def _conference_attend(member: Member, conference: Conference) -> bool:
    return _runs(member, conference) or _invited(member, conference)


@rule(
    "minutes.correct",
    denied="Minutes are corrected by the conference's chair or the co-ordinator who arranged it.",
)
def _minutes_correct(member: Member, conference: Conference) -> bool:
    return _runs(member, conference)


@rule("conference.chair", denied="Only the chair of this conference can do that.")
def _conference_chair(member: Member, conference: Conference) -> bool:
    return conference.chair_id == member.pk


@rule(
    "research.file",
    denied="Research for a case is filed by an invited panel member of your agency, before the "
    "conference concludes.",
)
def _research_file(member: Member, item: AgendaItem) -> bool:
    conference = item.conference
    return (
        member.agency_id is not None
        and conference.state != ConferenceState.CONCLUDED
        and (_invited(member, conference) or _runs(member, conference))
    )


@rule("room.share", denied="Only the chair and the panel share information in the room.")
def _room_share(member: Member, conference: Conference) -> bool:
    return conference.state == ConferenceState.IN_SESSION and (
        _runs(member, conference) or _invited(member, conference)
    )


@rule(
    "action.complete",
    denied="An action is completed by its owner (or their deputy) or the CSP Co-ordinator.",
)
def _action_complete(member: Member, action: Action) -> bool:
    if action.owner_id == member.pk or member.has_role(Role.CSP_COORDINATOR):
        return True
    return action.owner.role_assignments.filter(
        partnership_id=action.partnership_id, deputy=member
    ).exists()


@dataclass(frozen=True)
class Viewer:
    """What decides what one member may see in one conference, worked out once (a live room
    checks every entry against it for every connection)."""

    member_id: int
    agency_id: int | None
    runs: bool
    invited: bool
    gold: bool


def viewer_of(member: Member, conference: Conference) -> Viewer:
    return Viewer(
        member_id=member.pk,
        agency_id=member.agency_id,
        runs=_runs(member, conference),
        invited=_invited(member, conference),
        gold=member.has_role(Role.GOLD_GROUP),
    )


def viewer_may_see(
    viewer: Viewer, *, visibility: str, agency_ids: Iterable[int], author_id: int
) -> bool:
    if viewer.runs or author_id == viewer.member_id:
        return True
    if visibility == Visibility.PANEL:
        return viewer.invited or viewer.gold
    if visibility == Visibility.AGENCIES:
        return viewer.agency_id in set(agency_ids) and viewer.invited
    return False


def visible_to(
    member: Member,
    conference: Conference,
    *,
    visibility: str,
    agency_ids: Iterable[int],
    author_id: int,
) -> bool:
    """Whether a contribution or room entry may be shown to this member."""
    return viewer_may_see(
        viewer_of(member, conference),
        visibility=visibility,
        agency_ids=agency_ids,
        author_id=author_id,
    )
