"""Every change the review makes, split by topic: an export recorded on the timeline
(``exports``), the debrief's record (``debriefs``) and the actions a partnership agrees outside a
risk conference (``actions``). Callers import from here (``from review import services``)."""

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

__all__ = [
    "DEBRIEFS",
    "PLAN_ACTIONS",
    "debrief_escalate",
    "debrief_mark_overdue",
    "debrief_open",
    "debrief_record",
    "plan_action_add",
    "plan_action_complete",
    "plan_action_escalate",
    "plan_action_mark_overdue",
    "timeline_export_record",
]
