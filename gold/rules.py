"""Who may connect incidents across partnerships.

A partnership's CSP Co-ordinator (or their deputy) asks to link one of its incidents with one of
another partnership's; that partnership's co-ordinator agrees or declines; either side's
co-ordinator may end a live link. Anyone who may see their own side's incident may see the link,
and of the other side only what ``selectors.LinkView`` shows (reference, partnership, state).
A member of a third partnership sees nothing of it (``IncidentLink.seen_outside_by``)."""

from __future__ import annotations

from escalation.models import Incident
from gold.models import CommsItem, GoldGroup, IncidentLink
from partnership.models import Member, Role
from partnership.permissions import can, rule


@rule(
    "incident_link.request",
    denied="Only the CSP Co-ordinator asks another partnership to link an incident.",
)
def _link_request(member: Member, incident: Incident | None) -> bool:
    if incident is not None and not can(member, "incident.view", incident):
        return False
    return member.has_role(Role.CSP_COORDINATOR)


@rule(
    "incident_link.view",
    denied="This link is shared with those who may see their own partnership's incident.",
)
def _link_view(member: Member, link: IncidentLink) -> bool:
    side = link.side_of(member)
    return bool(side) and can(member, "incident.view", link.own_incident(member))


@rule(
    "incident_link.answer",
    denied="A request to link is answered by the CSP Co-ordinator of the partnership asked.",
)
def _link_answer(member: Member, link: IncidentLink) -> bool:
    return link.side_of(member) == "asked" and member.has_role(Role.CSP_COORDINATOR)


@rule(
    "incident_link.unlink",
    denied="A link is ended by the CSP Co-ordinator of either partnership.",
)
def _link_unlink(member: Member, link: IncidentLink) -> bool:
    return bool(link.side_of(member)) and member.has_role(Role.CSP_COORDINATOR)


# --- Gold groups ---------------------------------------------------------------------------------
def _seated(member: Member, group: GoldGroup) -> bool:
    """Sits in the group for the partnership they are working in."""
    return member.partnership is not None and any(
        seat.member_id == member.pk and seat.partnership_id == member.partnership.pk
        for seat in group.seats.all()
    )


@rule(
    "gold_group.convene",
    denied="A gold group is convened by the gold commander or the CSP Co-ordinator.",
)
def _group_convene(member: Member, incident: Incident | None) -> bool:
    if incident is not None and not can(member, "incident.view", incident):
        return False
    return member.has_role(Role.GOLD_GROUP, Role.CSP_COORDINATOR)


@rule(
    "gold_group.view",
    denied="This gold group's room is for its members and the partnership's CSP Co-ordinator.",
)
def _group_view(member: Member, group: GoldGroup) -> bool:
    if _seated(member, group):
        return True
    # The convening partnership's co-ordinator sees every group it convenes.
    working = member.partnership.pk if member.partnership is not None else None
    return working == group.partnership_id and member.has_role(Role.CSP_COORDINATOR)


@rule(
    "gold_group.share",
    denied="What a partnership shares with a gold group is decided by its gold commander or CSP "
    "Co-ordinator sitting in the group.",
)
def _group_share(member: Member, group: GoldGroup) -> bool:
    return _seated(member, group) and member.has_role(Role.GOLD_GROUP, Role.CSP_COORDINATOR)


def _leads(member: Member, group: GoldGroup) -> bool:
    """A gold commander or CSP Co-ordinator sitting in the group, or the convening partnership's
    CSP Co-ordinator (who sees every group it convenes)."""
    if _seated(member, group) and member.has_role(Role.GOLD_GROUP, Role.CSP_COORDINATOR):
        return True
    working = member.partnership.pk if member.partnership is not None else None
    return working == group.partnership_id and member.has_role(Role.CSP_COORDINATOR)


@rule(
    "gold_group.seat",
    denied="Members are seated in a gold group by a gold commander or CSP Co-ordinator in it.",
)
def _group_seat(member: Member, group: GoldGroup) -> bool:
    return _leads(member, group)


@rule(
    "gold_group.stand_down",
    denied="A gold group is stood down by the convening partnership's gold commander or CSP "
    "Co-ordinator.",
)
def _group_stand_down(member: Member, group: GoldGroup) -> bool:
    working = member.partnership.pk if member.partnership is not None else None
    return working == group.partnership_id and _leads(member, group)


@rule("decision.record", denied="Decisions are recorded by the gold group's members.")
def _decision_record(member: Member, group: GoldGroup) -> bool:
    return _seated(member, group)


@rule("comms.plan", denied="The communications plan is kept by the gold group's members.")
def _comms_plan(member: Member, group: GoldGroup) -> bool:
    return _seated(member, group)


@rule("comms.approve", denied="Only the approver named for this message approves it.")
def _comms_approve(member: Member, item: CommsItem) -> bool:
    return item.approver_id == member.pk and _seated(member, item.group)


@rule("comms.send", denied="The gold group's members record that a message went out.")
def _comms_send(member: Member, item: CommsItem) -> bool:
    return _seated(member, item.group)
