"""Every change the review makes, split by topic: an export recorded on the timeline
(``exports``), the debrief's record (``debriefs``), the 14-day report (``fourteen_day``) and the
actions a partnership agrees outside a risk conference (``actions``). Callers import from here
(``from review import services``)."""

from review.services.actions import (
    PLAN_ACTIONS,
    plan_action_add,
    plan_action_complete,
    plan_action_escalate,
    plan_action_mark_overdue,
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
    "timeline_export_record",
]
