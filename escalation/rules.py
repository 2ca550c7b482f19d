"""Who may see and move incidents and duties.

Major incidents concern the whole partnership, so incidents are not confined to one agency: the
police and the partnership's co-ordinating roles see all of them; everyone else sees the ones they
reported or were told about.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from escalation.models import Duty, Incident
from notifications.selectors import told_about, told_about_ids
from partnership.models import AgencyKind, Member, Role
from partnership.permissions import in_partnership, is_admin, rule
from partnership.scopes import Scope, ScopeKind

SEES_EVERY_INCIDENT = (
    Role.SENIOR_POLICE_OFFICER,
    Role.CRRO,
    Role.CSP_COORDINATOR,
    Role.POLICE_PARTNERSHIP_COORDINATOR,
    Role.COUNCIL_CHIEF_OFFICER,
    Role.GOLD_GROUP,
)
RUNS_THE_BOARD = (
    Role.SENIOR_POLICE_OFFICER,
    Role.CRRO,
    Role.CSP_COORDINATOR,
    Role.POLICE_PARTNERSHIP_COORDINATOR,
    Role.GOLD_GROUP,
)


def _is_police(member: Member) -> bool:
    return (
        in_partnership(member)
        and member.agency is not None
        and member.agency.kind == AgencyKind.POLICE
    )


def _sees_all(member: Member) -> bool:
    return is_admin(member) or member.has_role(*SEES_EVERY_INCIDENT) or _is_police(member)


def incidents_visible(member: Member) -> QuerySet[Incident]:
    """The incidents ``incident.view`` allows this member, as one query (for lists)."""
    if member.partnership is None or not (in_partnership(member) or is_admin(member)):
        return Incident.objects.none()
    here = Incident.objects.filter(partnership=member.partnership)
    if _sees_all(member):
        return here
    told = told_about_ids(member, ScopeKind.INCIDENT)
    return here.filter(Q(reported_by=member) | Q(pk__in=told))


@rule("incident.list", denied="Only partnership members can list incidents.")
def _incident_list(member: Member, obj: object) -> bool:
    return in_partnership(member) or is_admin(member)


@rule(
    "incident.view",
    denied="This incident is not shared with you. Ask the CSP Co-ordinator if you need it.",
)
def _incident_view(member: Member, incident: Incident) -> bool:
    # As strict as ``incidents_visible``: an account outside the partnership sees none.
    if not (in_partnership(member) or is_admin(member)):
        return False
    if _sees_all(member) or incident.reported_by_id == member.pk:
        return True
    # Anyone the incident's messages reached (operational staff, partnership members, REC...).
    return told_about(member, Scope.incident(incident.pk))


@rule("incident.report", denied="Incidents are recorded by members of a partner agency.")
def _incident_report(member: Member, obj: object) -> bool:
    # Any agency may record what it learns (repeat victims are flagged "whatever agency reports
    # it"); only a senior police officer decides whether an incident is major.
    return in_partnership(member)


@rule("incident.assess", denied="Only a senior police officer assesses an incident.")
def _incident_assess(member: Member, incident: Incident) -> bool:
    return member.has_role(Role.SENIOR_POLICE_OFFICER)


@rule(
    "incident.determine",
    denied="Only a senior police officer can determine whether an incident is major.",
)
def _incident_determine(member: Member, incident: Incident) -> bool:
    return member.has_role(Role.SENIOR_POLICE_OFFICER)


@rule("incident.stand_down", denied="Only a senior police officer can stand an incident down.")
def _incident_stand_down(member: Member, incident: Incident) -> bool:
    return member.has_role(Role.SENIOR_POLICE_OFFICER)


@rule(
    "incident.close",
    denied="Only the CSP Co-ordinator or a senior police officer can close an incident.",
)
def _incident_close(member: Member, incident: Incident) -> bool:
    return member.has_role(Role.CSP_COORDINATOR, Role.SENIOR_POLICE_OFFICER)


@rule(
    "incident.link",
    denied="Only a senior police officer, the CRRO or the CSP Co-ordinator links incidents.",
)
def _incident_link(member: Member, incident: Incident) -> bool:
    return member.has_role(Role.SENIOR_POLICE_OFFICER, Role.CRRO, Role.CSP_COORDINATOR)


@rule("incident.board", denied="The incident board is for the partnership's co-ordinators.")
def _incident_board(member: Member, obj: object) -> bool:
    return is_admin(member) or member.has_role(*RUNS_THE_BOARD)


@rule("duty.complete", denied="Only the role that owns this duty (or its deputy) can complete it.")
def _duty_complete(member: Member, duty: Duty) -> bool:
    return bool(duty.owner_role) and member.has_role(duty.owner_role)


@rule("duty.waive", denied="Only the CSP Co-ordinator can waive a duty.")
def _duty_waive(member: Member, duty: Duty) -> bool:
    return member.has_role(Role.CSP_COORDINATOR)


@rule(
    "incident.situation_report",
    denied="Situation reports are sent by the CRRO or the CSP Co-ordinator.",
)
def _incident_situation_report(member: Member, incident: Incident) -> bool:
    return member.has_role(Role.CRRO, Role.CSP_COORDINATOR)


@rule("protocol.manage", denied="Only administrators edit the protocol.")
def _protocol_manage(member: Member, obj: object) -> bool:
    return is_admin(member)
