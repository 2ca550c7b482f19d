"""The demo's protocol documents and reporting cycle: a recorded debrief with its actions, a 14-day
report approved, sent and partly acknowledged, a six-monthly report, and a strategy action plan
with actions done, under way and overdue; loading the demo again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from notifications.models import Notification
from review.demo import ACKNOWLEDGING, INCIDENT_TITLE
from review.models import (
    Debrief,
    DebriefState,
    FourteenDayReport,
    PlanAction,
    PlanActionNote,
    SixMonthlyReport,
)

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Debrief.objects.count(),
        PlanAction.objects.count(),
        PlanActionNote.objects.count(),
        FourteenDayReport.objects.count(),
        SixMonthlyReport.objects.count(),
        Notification.objects.filter(subject_type="review.fourteendayreport").count(),
    )


def test_the_demo_has_a_debrief_a_14_day_report_a_six_monthly_report_and_a_plan() -> None:
    call_command("load_demo")
    debrief = Debrief.objects.get(incident__title=INCIDENT_TITLE)
    assert debrief.state == DebriefState.RECORDED
    assert debrief.lessons
    assert sorted(debrief.actions.values_list("state", flat=True)) == ["done", "open"]

    report = FourteenDayReport.objects.get(incident__title=INCIDENT_TITLE)
    assert report.state == "sent"
    assert report.pdf_sha256
    sent = Notification.objects.filter(
        subject_type="review.fourteendayreport",
        subject_id=str(report.pk),
        escalation_of__isnull=True,
    )
    assert sent.count() == report.recipients > len(ACKNOWLEDGING)
    acknowledged = sent.filter(acknowledged_at__isnull=False)
    assert sorted(acknowledged.values_list("recipient__username", flat=True)) == sorted(
        ACKNOWLEDGING
    )

    six_monthly = SixMonthlyReport.objects.get(partnership__slug="milton-keynes")
    assert six_monthly.recipients > 0
    assert six_monthly.pdf_sha256

    plan = PlanAction.objects.filter(partnership__slug="milton-keynes", debrief__isnull=True)
    assert sorted(plan.values_list("state", flat=True)) == ["done", "open", "overdue"]
    assert PlanActionNote.objects.filter(action__in=plan).count() == 1

    before = _counts()
    call_command("load_demo")
    assert _counts() == before
