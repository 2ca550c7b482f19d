"""Every change the review makes, split by topic: an export recorded on the timeline
(``exports``), the debrief's record (``debriefs``), the 14-day report (``fourteen_day``), the
six-monthly report (``six_monthly``) and the actions a partnership agrees outside a risk
conference (``actions``). Callers import from here (``from review import services``)."""

from review.services.actions import (
    PLAN_ACTIONS,
    plan_action_add,
    plan_action_complete,
    plan_action_escalate,
    plan_action_mark_overdue,
    plan_action_note,
    strategy_action_add,
)
from review.services.debriefs import (
    DEBRIEFS,
    debrief_escalate,
    debrief_mark_overdue,
    debrief_open,
    debrief_record,
)
from review.services.exports import timeline_export_record
from review.services.fourteen_day import (
    fourteen_day_approve,
    fourteen_day_compose,
    fourteen_day_download_record,
    fourteen_day_edit,
)
from review.services.six_monthly import (
    six_monthly_download_record,
    six_monthly_next_due,
    six_monthly_produce,
    six_monthly_scheduled,
)

__all__ = [
    "DEBRIEFS",
    "PLAN_ACTIONS",
    "debrief_escalate",
    "debrief_mark_overdue",
    "debrief_open",
    "debrief_record",
    "fourteen_day_approve",
    "fourteen_day_compose",
    "fourteen_day_download_record",
    "fourteen_day_edit",
    "plan_action_add",
    "plan_action_complete",
    "plan_action_escalate",
    "plan_action_mark_overdue",
    "plan_action_note",
    "six_monthly_download_record",
    "six_monthly_next_due",
    "six_monthly_produce",
    "six_monthly_scheduled",
    "strategy_action_add",
    "timeline_export_record",
]
