"""What casework writes on the timeline, in words (see ``partnership.audit_verbs``). Case events
go on their incident's timeline; they name people by record number only."""

from __future__ import annotations

from casework.intake_models import IntakeState
from casework.models import CaseOutcome, HowOpened, TaskKind
from casework.review_models import ReviewOutcome
from escalation.models import TensionLevel
from partnership.audit_verbs import detail_words_register, verbs_register

detail_words_register("task_kind", TaskKind.choices)
detail_words_register("how_opened", HowOpened.choices)
detail_words_register("case_outcome", CaseOutcome.choices)
detail_words_register("intake_state", IntakeState.choices)
detail_words_register("tension_level", TensionLevel.choices)
detail_words_register("review_outcome", ReviewOutcome.choices)

verbs_register(
    {
        "case.opened": "Case opened ({how:how_opened}); lead: {lead_agency}[, {lead_officer}]",
        "case.lead_changed": "Case lead changed to {lead_agency}[, {lead_officer}]: {reason}",
        "case.risk_changed": "Case risk level changed from {before:risk_level} to "
        "{after:risk_level}: {reason}",
        "case.closed": "Case closed: {outcome:case_outcome}",
        "case.referred": "Case referred to a risk conference (referral {referral_id})",
        "case.put_to_officer": "Case put to the senior police officer for a determination: "
        "{reason}",
        "case.review_listed": "Case put on the agenda of casework group meeting "
        "{conference_id} for review (item {item_id})",
        "case.reviewed": "Case reviewed at casework group meeting {conference_id}: "
        "{outcome:review_outcome}; next review on or after {next_review_on}",
        "case.linked": "Case {case} follows closed case {earlier}: a new incident against the "
        "same victim (person {person_id})",
        "case.followed": "Closed case {earlier} is followed by case {case}: a new incident "
        "against the same victim (person {person_id})",
        "case.reopened": "Case reopened by the co-ordinator (it was closed: "
        "{outcome_before:case_outcome}): {reason}",
        "case_task.created": "{kind:task_kind} due by {due_at:time}",
        "case_task.rescheduled": "{kind:task_kind} now due by {due_at:time} ({why})",
        "case_task.done": "{kind:task_kind} done[ ({late:late})]",
        "case_task.cancelled": "{kind:task_kind} cancelled: {reason}",
        # The ladder (``casework.services.tasks.CASE_TASKS``).
        "case_task.overdue": "{kind:task_kind} NOT DONE by its due time",
        "case_task.escalated": "{kind:task_kind} not done: ladder rung {rung} to "
        "{audience:audiences}",
        "case_rules.changed": "Casework rules changed: {what}",
        "information.shared": "Information shared, graded {grading}",
        "tension.recorded": "Community tension in {area} recorded as {level:tension_level}"
        "[ (was {before:tension_level})]",
        # Reports from anyone (``casework.services.intake``).
        "intake.received": "Report {report_id} received[ from {centre}] for the intake queue",
        "intake.added_to": "The reporter added to report {report_id}",
        "intake.triaged": "Report {report_id} triaged: {decision:intake_state}[ ({route})]: "
        "{reason}",
    }
)
