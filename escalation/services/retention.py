"""Retention of incidents: their narratives replaced once the retention period has passed, and
the apps above that keep copies of them told to do the same."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction

from escalation.models import Determination, Duty, Incident, SituationReport

# Apps above escalation that copy an incident's narrative into records of their own (review: the
# debrief's record, the 14-day report) register here, and remove it with the incident's.
NarrativesRemove = Callable[[Sequence[int], str], object]
_NARRATIVES_REMOVE: list[NarrativesRemove] = []


def incident_narratives_remove_register(handler: NarrativesRemove) -> None:
    """``handler(incident_ids, removed)`` runs whenever retention removes incidents' narratives."""
    _NARRATIVES_REMOVE.append(handler)


@transaction.atomic
def incidents_personal_data_remove(*, incident_ids: Sequence[int], removed: str) -> None:
    """Retention: the narratives of these (closed) incidents are replaced by ``removed``: their
    descriptions and safeguarding steps, the determinations' reasons, what duties sent or why
    they were waived, and situation reports. Ids, states, times and the timeline stay (the
    timeline never held these). The caller records the retention event."""
    for incident in Incident.objects.filter(pk__in=incident_ids):
        Incident.objects.filter(pk=incident.pk).update(
            title=f"Incident {incident.reference}",
            description=removed,
            location="",
            safeguarding_steps=removed,
        )
    Determination.objects.filter(incident_id__in=incident_ids).update(rationale=removed)
    duties = Duty.objects.filter(incident_id__in=incident_ids)
    duties.exclude(message="").update(message=removed)
    duties.exclude(waived_reason="").update(waived_reason=removed)
    SituationReport.objects.filter(incident_id__in=incident_ids).update(body=removed)
    for handler in _NARRATIVES_REMOVE:
        handler(incident_ids, removed)
