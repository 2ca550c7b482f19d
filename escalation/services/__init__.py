"""Every change to incidents, determinations, protocol versions and duties, split by topic.

Each public function is one use case in one transaction: it checks who is asking, locks the row
(``select_for_update``) before a transition, saves, writes the audit event and the outbox rows,
and leaves live pushes to run on commit. Scheduled work (``duty_mark_overdue``,
``duty_escalate``) loads its row by id and does nothing when the row no longer wants it, so a
late, repeated or concurrent run is harmless.

Callers import from here (``from escalation import services``); the modules below are the
topics: ``protocols``, ``incidents``, ``duties``, ``deadlines`` (when the calendar changes).
"""

from escalation.services.common import board_change_publish, board_group, board_panel_changed
from escalation.services.deadlines import duty_deadlines_recompute
from escalation.services.duties import (
    MeetingPlan,
    duties_ready,
    duty_complete,
    duty_escalate,
    duty_mark_overdue,
    duty_waiting_for,
    duty_waive,
    meeting_scheduled_register,
)
from escalation.services.incidents import (
    DeterminationResult,
    incident_close,
    incident_determine,
    incident_link,
    incident_not_major_register,
    incident_report,
    incident_stand_down,
    incident_start_assessment,
    situation_report_send,
)
from escalation.services.protocols import (
    protocol_current,
    protocol_version_create,
    protocol_version_publish,
)
from escalation.services.retention import (
    incident_narratives_remove_register,
    incidents_personal_data_remove,
)

__all__ = [
    "DeterminationResult",
    "MeetingPlan",
    "board_change_publish",
    "board_group",
    "board_panel_changed",
    "duties_ready",
    "duty_complete",
    "duty_deadlines_recompute",
    "duty_escalate",
    "duty_mark_overdue",
    "duty_waiting_for",
    "duty_waive",
    "incident_close",
    "incident_determine",
    "incident_link",
    "incident_narratives_remove_register",
    "incident_not_major_register",
    "incident_report",
    "incident_stand_down",
    "incident_start_assessment",
    "incidents_personal_data_remove",
    "meeting_scheduled_register",
    "protocol_current",
    "protocol_version_create",
    "protocol_version_publish",
    "situation_report_send",
]
