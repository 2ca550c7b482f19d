"""The demo's casework: a reporting centre and its member, cases in different states, an
incident waiting for casework, a report in the intake queue, tension history; loading the demo
again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from casework.models import Case, CaseReview, PublicReport, SharedInformation, TensionRecord
from conference.models import Conference
from partnership.models import AgencyKind, Member

pytestmark = pytest.mark.django_db


def test_the_demo_has_casework_in_several_states_and_loads_once() -> None:
    call_command("load_demo")
    cases = Case.objects.filter(partnership__slug="milton-keynes")
    assert sorted(cases.values_list("state", flat=True)) == ["closed", "open", "open"]
    assert cases.filter(risk_level="high").count() == 1
    centre = Member.objects.get(username="centre")
    assert centre.agency is not None
    assert centre.agency.kind == AgencyKind.REPORTING_CENTRE
    assert PublicReport.objects.filter(state="received").count() == 1
    assert TensionRecord.objects.count() == 6
    assert SharedInformation.objects.count() == 1
    # The casework group's next meeting reviews the open cases.
    (meeting,) = Conference.objects.filter(kind="casework")
    assert set(
        CaseReview.objects.filter(conference=meeting).values_list("case__state", flat=True)
    ) == {"open"}
    assert CaseReview.objects.filter(conference=meeting).count() == 2
    call_command("load_demo")
    assert Case.objects.count() == 3
    assert TensionRecord.objects.count() == 6
    assert PublicReport.objects.count() == 1
    assert CaseReview.objects.count() == 2
