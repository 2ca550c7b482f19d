"""Every change to casework, split by topic (``cases``, ``tasks``, ``config``). Callers import
from here (``from casework import services``)."""

from casework.selectors import tension_now
from casework.services.cases import (
    case_close,
    case_lead_set,
    case_on_not_major,
    case_open,
    case_put_to_officer,
    case_refer,
    case_risk_set,
    case_rule_for,
)
from casework.services.config import case_rule_add, case_rule_remove, contact_standard_set
from casework.services.info import information_share, tension_record
from casework.services.intake import (
    IncidentFromReport,
    ReportDetails,
    Triage,
    report_add,
    report_by_reference,
    report_file_for,
    report_receive,
    report_triage,
)
from casework.services.links import case_on_person_linked, case_reopen
from casework.services.reviews import case_review_record, case_reviews_agenda
from casework.services.tasks import (
    CASE_TASKS,
    case_action_add,
    case_task_complete,
    case_task_escalate,
    case_task_mark_overdue,
)

__all__ = [
    "CASE_TASKS",
    "IncidentFromReport",
    "ReportDetails",
    "Triage",
    "case_action_add",
    "case_close",
    "case_lead_set",
    "case_on_not_major",
    "case_on_person_linked",
    "case_open",
    "case_put_to_officer",
    "case_refer",
    "case_reopen",
    "case_review_record",
    "case_reviews_agenda",
    "case_risk_set",
    "case_rule_add",
    "case_rule_for",
    "case_rule_remove",
    "case_task_complete",
    "case_task_escalate",
    "case_task_mark_overdue",
    "contact_standard_set",
    "information_share",
    "report_add",
    "report_by_reference",
    "report_file_for",
    "report_receive",
    "report_triage",
    "tension_now",
    "tension_record",
]
