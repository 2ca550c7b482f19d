"""Who may see and work a case. A case is personal data: its lead officer, whoever owns one of
its tasks (and their deputies), the CSP Co-ordinator who runs casework, the CRRO (to whom
practitioners' information goes, 004 §2.3) and the gold group see it; nobody else, whatever
their agency. The co-ordinator manages cases and the partnership's casework rules."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework.models import Case, CaseTask
from partnership.models import AgencyKind, Member, Role, RoleAssignment
from partnership.permissions import in_partnership, rule

MANAGES_CASES = (Role.CSP_COORDINATOR,)
SEES_EVERY_CASE = (Role.CSP_COORDINATOR, Role.CRRO, Role.GOLD_GROUP)


def _deputised(member: Member) -> list[int]:
    """The members ``member`` deputises for in the partnership they work in."""
    return list(
        RoleAssignment.objects.filter(partnership=member.partnership, deputy=member).values_list(
            "member_id", flat=True
        )
    )


def cases_visible(member: Member) -> QuerySet[Case]:
    """The cases ``case.view`` allows this member, as one query."""
    if member.partnership is None or not in_partnership(member):
        return Case.objects.none()
    here = Case.objects.filter(partnership=member.partnership)
    if member.has_role(*SEES_EVERY_CASE):
        return here
    people = [member.pk, *_deputised(member)]
    return here.filter(Q(lead_officer__in=people) | Q(tasks__owner__in=people)).distinct()


@rule("case.list", denied="Only partnership members can list cases.")
def _case_list(member: Member, obj: object) -> bool:
    return in_partnership(member)


@rule("case.view", denied="This case is not shared with you. Ask the CSP Co-ordinator.")
def _case_view(member: Member, case: Case) -> bool:
    return cases_visible(member).filter(pk=case.pk).exists()


@rule("case.manage", denied="Cases are managed by the CSP Co-ordinator.")
def _case_manage(member: Member, obj: object) -> bool:
    return in_partnership(member) and member.has_role(*MANAGES_CASES)


@rule(
    "case.work",
    denied="A case's contact, actions and closure are recorded by its lead officer (or their "
    "deputy) or the CSP Co-ordinator.",
)
def _case_work(member: Member, case: Case) -> bool:
    if not in_partnership(member) or not case.is_open:
        return False
    if member.has_role(*MANAGES_CASES):
        return True
    return case.lead_officer_id is not None and case.lead_officer_id in [
        member.pk,
        *_deputised(member),
    ]


@rule(
    "case_task.complete",
    denied="This is done by its owner (or their deputy), the case's lead officer or the CSP "
    "Co-ordinator.",
)
def _case_task_complete(member: Member, task: CaseTask) -> bool:
    if not in_partnership(member) or not task.case.is_open:
        return False
    if member.has_role(*MANAGES_CASES):
        return True
    people = [member.pk, *_deputised(member)]
    return task.owner_id in people or task.case.lead_officer_id in people


# --- Reports from anyone and the intake queue ----------------------------------------------------
READS_INTAKE = (Role.CSP_COORDINATOR, Role.CRRO)


def reporting_centre(member: Member) -> bool:
    return (
        in_partnership(member)
        and member.agency is not None
        and member.agency.kind == AgencyKind.REPORTING_CENTRE
    )


@rule(
    "intake.file",
    denied="Reports for someone else are filed by the members of a third-party reporting centre.",
)
def _intake_file(member: Member, obj: object) -> bool:
    return reporting_centre(member)


@rule("intake.view", denied="The intake queue is for the CSP Co-ordinator and the CRRO.")
def _intake_view(member: Member, obj: object) -> bool:
    return in_partnership(member) and member.has_role(*READS_INTAKE)


@rule("intake.triage", denied="Reports are triaged by the CSP Co-ordinator.")
def _intake_triage(member: Member, obj: object) -> bool:
    return in_partnership(member) and member.has_role(*MANAGES_CASES)


# --- Shared information and community tension ----------------------------------------------------
READS_INFORMATION = (Role.CRRO, Role.CSP_COORDINATOR, Role.GOLD_GROUP)
RECORDS_TENSION = (Role.CRRO, Role.CSP_COORDINATOR)


@rule("information.share", denied="Only members of a partner agency share information.")
def _information_share(member: Member, obj: object) -> bool:
    return in_partnership(member)


@rule(
    "information.view",
    denied="Shared information is for the CRRO, the CSP Co-ordinator and the gold group.",
)
def _information_view(member: Member, obj: object) -> bool:
    return in_partnership(member) and member.has_role(*READS_INFORMATION)


@rule("tension.view", denied="Only partnership members see community tension.")
def _tension_view(member: Member, obj: object) -> bool:
    return in_partnership(member)


@rule("tension.record", denied="Community tension is recorded by the CRRO or the co-ordinator.")
def _tension_record(member: Member, obj: object) -> bool:
    return in_partnership(member) and member.has_role(*RECORDS_TENSION)
