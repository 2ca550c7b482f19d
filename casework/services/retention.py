"""Retention of casework's personal data (a step of ``conference.services.retention``, which runs
it per partnership with its cutoff): the free text of cases closed before the cutoff (the
victim's view, notes, what each step and action recorded, the casework group's notes at its
reviews), of reports triaged before it (what
happened, names and contact details, consent, what the reporter was told, additions) and of
information shared before it. The structure stays (ids, states, times, grades), and the
timeline, which never held these words."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from casework.info_models import SharedInformation
from casework.intake_models import IntakeState, PublicReport, ReportAddition
from casework.models import Case, CaseReview, CaseState, CaseTask
from partnership.models import Partnership

REMOVED = "[removed under retention]"


def casework_retention(partnership: Partnership, cutoff: datetime, dry_run: bool) -> int:
    cases = Case.objects.filter(
        partnership=partnership, state=CaseState.CLOSED, closed_at__lt=cutoff
    ).exclude(victim_view=REMOVED)
    tasks = CaseTask.objects.filter(case__in=cases)
    reports = (
        PublicReport.objects.filter(partnership=partnership, received_at__lt=cutoff)
        .exclude(state=IntakeState.RECEIVED)
        .exclude(what_happened=REMOVED)
    )
    shared = SharedInformation.objects.filter(
        partnership=partnership, shared_at__lt=cutoff
    ).exclude(text=REMOVED)
    count = cases.count() + reports.count() + shared.count()
    if dry_run or not count:
        return count
    tasks.filter(~Q(kind="action")).update(note=REMOVED)
    tasks.filter(kind="action").update(note=REMOVED, description=REMOVED)
    CaseReview.objects.filter(case__in=cases).exclude(notes="").update(notes=REMOVED)
    cases.update(victim_view=REMOVED, outcome_notes=REMOVED)
    ReportAddition.objects.filter(report__in=reports).update(text=REMOVED)
    reports.update(
        what_happened=REMOVED,
        where="",
        name="",
        contact="",
        consent_notes=REMOVED,
        outcome_message=REMOVED,
        triage_reason=REMOVED,
    )
    shared.update(text=REMOVED)
    return count
