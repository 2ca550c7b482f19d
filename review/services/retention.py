"""Retention: what the review copied of an incident's narrative (the debrief's record and the
actions agreed at it, the 14-day report and its stored PDF) goes when the incident's own
narrative does (``escalation.services.incidents_personal_data_remove``, registered in
``review.apps``). Ids, states, times, counts and the timeline stay."""

from __future__ import annotations

from collections.abc import Sequence

from review.models import Debrief, FourteenDayReport, PlanAction, PlanActionNote


def review_narratives_remove(incident_ids: Sequence[int], removed: str) -> None:
    """In the caller's transaction: the texts replaced by ``removed``, the PDF dropped."""
    Debrief.objects.filter(incident_id__in=incident_ids).update(
        other_attendees="",
        what_happened=removed,
        what_worked=removed,
        what_did_not_work=removed,
        lessons=removed,
    )
    actions = PlanAction.objects.filter(debrief__incident_id__in=incident_ids)
    PlanActionNote.objects.filter(action__in=actions).update(text=removed)
    actions.exclude(outcome="").update(outcome=removed)
    actions.update(description=removed)
    FourteenDayReport.objects.filter(incident_id__in=incident_ids).update(
        what_happened=removed,
        immediate_outcome=removed,
        actions_taken=removed,
        current_tension=removed,
        what_members_should_do=removed,
        pdf=b"",
    )
