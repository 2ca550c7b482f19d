"""Who may review: read whole timelines, compliance with the protocol, the partnership's figures
and who viewed personal data.

Reviewing an incident or a case also needs seeing it (``incident.view``, ``person.view``, asked
by the selectors first): these rules only add who may read the whole record of it.
"""

from __future__ import annotations

from conference.models import Person
from escalation.models import Incident
from partnership.models import Member, Role
from partnership.permissions import in_partnership, is_admin, rule
from review.models import Debrief, PlanAction


@rule("timeline.view", denied="Only the gold group and administrators can read the whole timeline.")
def _timeline_view(member: Member, obj: object) -> bool:
    return is_admin(member) or member.has_role(Role.GOLD_GROUP)


@rule(
    "incident.timeline",
    denied="An incident's full timeline is for the gold group, the CSP Co-ordinator and senior "
    "police officers.",
)
def _incident_timeline(member: Member, incident: Incident) -> bool:
    return is_admin(member) or member.has_role(
        Role.GOLD_GROUP, Role.CSP_COORDINATOR, Role.SENIOR_POLICE_OFFICER
    )


@rule(
    "person.timeline",
    denied="A case's full timeline is for the gold group and the CSP Co-ordinator.",
)
def _person_timeline(member: Member, person: Person) -> bool:
    return is_admin(member) or member.has_role(Role.GOLD_GROUP, Role.CSP_COORDINATOR)


@rule(
    "compliance.view",
    denied="Compliance with the protocol is reviewed by the gold group and the CSP Co-ordinator.",
)
def _compliance_view(member: Member, obj: object) -> bool:
    return is_admin(member) or member.has_role(
        Role.GOLD_GROUP, Role.CSP_COORDINATOR, Role.SENIOR_POLICE_OFFICER
    )


@rule(
    "report.view",
    denied="Partnership reports are for the partnership's members, co-ordinators and gold group.",
)
def _report_view(member: Member, obj: object) -> bool:
    return is_admin(member) or member.has_role(
        Role.GOLD_GROUP, Role.CSP_COORDINATOR, Role.CCSP_MEMBER, Role.COUNCIL_CHIEF_OFFICER
    )


@rule(
    "access_log.view",
    denied="Only the gold group and administrators review who viewed personal data.",
)
def _access_log_view(member: Member, obj: object) -> bool:
    return is_admin(member) or member.has_role(Role.GOLD_GROUP)


# --- The debrief's record and the actions agreed -------------------------------------------------
@rule(
    "debrief.record",
    denied="The debrief is recorded by who organised it, the Police Partnership Co-ordinator or "
    "the CSP Co-ordinator.",
)
def _debrief_record(member: Member, debrief: Debrief) -> bool:
    return debrief.meeting.organiser_id == member.pk or member.has_role(
        Role.POLICE_PARTNERSHIP_COORDINATOR, Role.CSP_COORDINATOR
    )


@rule(
    "plan_action.complete",
    denied="An action is recorded as done by its owner or the CSP Co-ordinator.",
)
def _plan_action_complete(member: Member, action: PlanAction) -> bool:
    return action.owner_id == member.pk or member.has_role(Role.CSP_COORDINATOR)


@rule(
    "fourteen_day.write",
    denied="The 14-day report is composed, edited and approved by the CSP Co-ordinator.",
)
def _fourteen_day_write(member: Member, obj: object) -> bool:
    return member.has_role(Role.CSP_COORDINATOR)


@rule(
    "six_monthly.view",
    denied="The partnership's six-monthly reports are for its members.",
)
def _six_monthly_view(member: Member, obj: object) -> bool:
    return in_partnership(member) or is_admin(member)


@rule(
    "six_monthly.produce",
    denied="A six-monthly report is produced on demand by the CSP Co-ordinator.",
)
def _six_monthly_produce(member: Member, obj: object) -> bool:
    return in_partnership(member) and member.has_role(Role.CSP_COORDINATOR)


# --- The strategy action plan --------------------------------------------------------------------
@rule("strategy.view", denied="The strategy action plan is for the partnership's members.")
def _strategy_view(member: Member, obj: object) -> bool:
    return in_partnership(member)


@rule(
    "strategy.manage",
    denied="Actions are put on the strategy action plan by the CSP Co-ordinator.",
)
def _strategy_manage(member: Member, obj: object) -> bool:
    return in_partnership(member) and member.has_role(Role.CSP_COORDINATOR)


@rule(
    "plan_action.note",
    denied="Progress on an action is noted by its owner or the CSP Co-ordinator.",
)
def _plan_action_note(member: Member, action: PlanAction) -> bool:
    return action.owner_id == member.pk or member.has_role(Role.CSP_COORDINATOR)
