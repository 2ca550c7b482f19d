"""Who may see and manage the partnership directory and its calendar of working days (who may
read the timeline is the review app's to say)."""

from __future__ import annotations

from partnership.models import Member, Role
from partnership.permissions import in_partnership, is_admin, rule, same_agency

# Co-ordinators need everyone's contact details to run the protocol.
_SEES_ALL_CONTACTS = (Role.CSP_COORDINATOR, Role.CRRO, Role.POLICE_PARTNERSHIP_COORDINATOR)


@rule("directory.view", denied="Only members of a partner agency can see the directory.")
def _directory_view(member: Member, obj: object) -> bool:
    return in_partnership(member) or is_admin(member)


@rule(
    "member.view_contact",
    denied="You can see contact details of your own agency only, unless you co-ordinate the "
    "partnership.",
)
def _member_view_contact(member: Member, obj: Member) -> bool:
    if obj.pk == member.pk:
        return True
    if member.partnership is None or not obj.partnerships.filter(pk=member.partnership.pk).exists():
        return False  # someone who does not work in this partnership is not in its directory
    if is_admin(member) or member.has_role(*_SEES_ALL_CONTACTS):
        return True
    return obj.pk == member.pk or same_agency(member, obj.agency_id)


@rule("directory.manage", denied="Only administrators manage agencies, areas and members.")
def _directory_manage(member: Member, obj: object) -> bool:
    return is_admin(member)


@rule(
    "calendar.view",
    denied="Only members of a partner agency can see the calendar of working days.",
)
def _calendar_view(member: Member, obj: object) -> bool:
    return in_partnership(member) or is_admin(member)


@rule("calendar.manage", denied="Only administrators change the bank holidays deadlines count.")
def _calendar_manage(member: Member, obj: object) -> bool:
    return is_admin(member)


@rule("worklist.view", denied="Only members of a partner agency have a work list.")
def _worklist_view(member: Member, obj: object) -> bool:
    return in_partnership(member) or is_admin(member)
