"""What this app writes on the timeline, in words (see ``partnership.audit_verbs``)."""

from __future__ import annotations

from partnership.audit_verbs import detail_words_register, verbs_register

detail_words_register(
    "export_format", {"pdf": "a PDF", "csv": "a spreadsheet (CSV)", "json": "data (JSON)"}
)

verbs_register(
    {
        "timeline.exported": "Timeline exported as {format:export_format}",
        "debrief.opened": "The debrief's record is due by {due_at:time}",
        "debrief.recorded": "The debrief was recorded[ ({late:late})]",
        # The ladders (``review.services.DEBRIEFS``, ``review.services.PLAN_ACTIONS``).
        "debrief.overdue": "The debrief's record is OVERDUE",
        "debrief.escalated": "The debrief's record not written: ladder rung {rung} to "
        "{audience:audiences}",
        "plan_action.agreed": "Action agreed, due by {due_at:time}",
        "plan_action.noted": "Progress noted on an action",
        "plan_action.completed": "Action recorded as done[ ({late:late})]",
        "plan_action.overdue": "Action OVERDUE",
        "plan_action.escalated": "Action not done: ladder rung {rung} to {audience:audiences}",
        "fourteen_day.composed": "The 14-day report was composed from the incident",
        "fourteen_day.edited": "The 14-day report's draft was edited ({fields:fields})",
        "fourteen_day.sent": "The 14-day report was approved and sent to {recipients} members",
        "fourteen_day.downloaded": "The 14-day report's PDF was downloaded",
        "six_monthly.produced": "Six-monthly report for {start} to {end} produced "
        "and sent to {recipients} members",
        "six_monthly.downloaded": "Six-monthly report downloaded as {format:export_format}",
        # The administration pages (``review.admin``).
        "reportingsettings.created": "Reporting settings set in the administration pages",
        "reportingsettings.changed": "Reporting settings changed in the administration pages "
        "({fields:fields})",
        "reportingsettings.deleted": "Reporting settings removed in the administration pages",
    }
)
