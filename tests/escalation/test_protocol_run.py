"""The whole protocol for a declared incident, and the casework route for one that is not major."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from escalation import services
from escalation.models import Duty, DutyState, IncidentState, Meeting
from notifications.models import Notification
from partnership.checkpoints import chains_check
from partnership.errors import ConflictError
from partnership.models import Member
from tests import factories

pytestmark = pytest.mark.django_db

STEPS = [
    "refer-to-crro",
    "inform-rec",
    "inform-csp-coordinator",
    "tell-safeguarding-steps",
    "notify-chief-officer",
    "inform-operational-staff",
    "organise-debrief",
    "partnership-report",
]


def _told(username: str, incident_id: int) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient__username=username, scope=f"incident:{incident_id}")
    )


def test_declaring_creates_one_duty_per_step_and_refers_to_the_crro(
    demo: dict[str, Member],
) -> None:
    incident = factories.incident_declared()
    assert incident.state == IncidentState.DECLARED_MAJOR
    duties = list(incident.duties.order_by("order"))
    assert [d.step_code for d in duties] == STEPS
    refer = duties[0]
    assert refer.state == DutyState.DONE
    assert refer.completed_by is None
    # The referral is the evidence: the CRRO was told, urgently, with the safeguarding steps.
    (referral,) = _told("crro", incident.pk)
    assert referral.urgency == "urgent"
    assert "Patrols doubled" in referral.body
    # Co-ordinators see every declaration at once.
    assert _told("coordinator", incident.pk)
    assert _told("ppc", incident.pk)
    # The steps that wait for the CSP Co-ordinator to be told wait; the others are due.
    waiting = {d.step_code for d in duties if d.state == DutyState.WAITING}
    assert waiting == {"notify-chief-officer", "inform-operational-staff", "partnership-report"}
    assert all(d.state == DutyState.PENDING for d in duties[1:] if d.step_code not in waiting)


def test_walk_the_whole_protocol_to_closure(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    duty = {d.step_code: d for d in incident.duties.all()}

    def complete(step: str, who: str, **kwargs: Any) -> Duty:
        return services.duty_complete(actor=demo[who], duty_id=duty[step].pk, **kwargs)

    # The co-ordinator cannot act before the CRRO has told them.
    with pytest.raises(ConflictError, match="waits for: Inform the Community Safety"):
        complete("notify-chief-officer", "coordinator", message="Chief: major incident.")

    complete("inform-rec", "crro", message="REC: a major incident in Bletchley; details follow.")
    assert _told("rec", incident.pk)
    complete("inform-csp-coordinator", "crro", message="Co-ordinator: major incident declared.")
    complete(
        "tell-safeguarding-steps",
        "crro",
        message="Police have doubled patrols around the centre.",
        purposes=["situation", "accuracy"],
    )
    # "The Council" means its partnership representatives: the chief officer among them.
    assert any("doubled patrols" in n.body for n in _told("chief", incident.pk))
    complete("notify-chief-officer", "coordinator", message="Chief officer: see the incident.")
    complete("inform-operational-staff", "coordinator", message="Staff: be alert in Bletchley.")
    assert _told("staff", incident.pk)

    with pytest.raises(ValidationError, match="time, place and invitees"):
        complete("organise-debrief", "ppc")
    complete(
        "organise-debrief",
        "ppc",
        meeting=factories.debrief(invitees=[demo["crro"], demo["coordinator"], demo["rec"]]),
    )
    meeting = Meeting.objects.get(incident=incident)
    assert set(meeting.invitees.values_list("username", flat=True)) == {
        "crro",
        "coordinator",
        "rec",
    }
    assert any("Civic Offices" in n.body for n in _told("rec", incident.pk))

    with pytest.raises(ConflictError, match="stand it down first"):
        services.incident_close(actor=demo["coordinator"], incident_id=incident.pk)
    services.incident_stand_down(actor=demo["officer"], incident_id=incident.pk, reason="Calm.")
    with pytest.raises(ConflictError, match="Still open: Inform all members"):
        services.incident_close(actor=demo["coordinator"], incident_id=incident.pk)
    complete("partnership-report", "coordinator", message="Partnership: event and outcome.")
    assert _told("member", incident.pk)

    closed = services.incident_close(actor=demo["coordinator"], incident_id=incident.pk)
    assert closed.state == IncidentState.CLOSED
    assert all(d.state == DutyState.DONE for d in closed.duties.all())
    assert all(check.ok for check in chains_check(full=True))


def test_only_the_owner_or_deputy_completes_and_only_the_coordinator_waives(
    demo: dict[str, Member],
) -> None:
    incident = factories.incident_declared()
    inform_rec = incident.duties.get(step_code="inform-rec")
    with pytest.raises(PermissionDenied, match="role that owns this duty"):
        services.duty_complete(actor=demo["coordinator"], duty_id=inform_rec.pk, message="x")
    with pytest.raises(PermissionDenied, match="Only the CSP Co-ordinator can waive"):
        services.duty_waive(actor=demo["crro"], duty_id=inform_rec.pk, reason="x")
    with pytest.raises(ValidationError, match="why this duty is being waived"):
        services.duty_waive(actor=demo["coordinator"], duty_id=inform_rec.pk, reason="  ")
    waived = services.duty_waive(
        actor=demo["coordinator2"], duty_id=inform_rec.pk, reason="REC told in person at scene."
    )
    assert waived.state == DutyState.WAIVED
    assert waived.completed_by == demo["coordinator2"]


def test_not_major_goes_to_casework_and_can_be_declared_later(demo: dict[str, Member]) -> None:
    incident = factories.incident()
    services.incident_start_assessment(officer=demo["officer"], incident_id=incident.pk)
    result = services.incident_determine(
        officer=demo["officer"],
        incident_id=incident.pk,
        is_major=False,
        rationale="Isolated; no sign of wider disorder. Casework route.",
    )
    assert result.incident.state == IncidentState.NOT_MAJOR
    assert not result.duties
    assert not Duty.objects.filter(incident=incident).exists()
    # Reassessed after a second attack.
    later = services.incident_determine(
        officer=demo["officer"], incident_id=incident.pk, is_major=True, rationale="Escalating."
    )
    assert later.incident.state == IncidentState.DECLARED_MAJOR
    assert len(later.duties) == 8
    assert incident.determinations.count() == 2
    # Casework that never became major closes without duties.
    other = factories.incident()
    services.incident_determine(
        officer=demo["officer"], incident_id=other.pk, is_major=False, rationale="Casework."
    )
    assert (
        services.incident_close(actor=demo["coordinator"], incident_id=other.pk).state == "closed"
    )


def test_only_a_senior_police_officer_determines(demo: dict[str, Member]) -> None:
    incident = factories.incident()
    for username in ("crro", "coordinator", "panel-police", "gold"):
        with pytest.raises(PermissionDenied, match="senior police officer"):
            services.incident_determine(
                officer=demo[username], incident_id=incident.pk, is_major=True, rationale="x"
            )


def test_determination_time_is_checked(demo: dict[str, Member]) -> None:
    incident = factories.incident(occurred_at=timezone.now() - timedelta(hours=3))

    def determine(**kw: Any) -> Any:
        return services.incident_determine(
            officer=demo["officer"], incident_id=incident.pk, is_major=True, rationale="r", **kw
        )

    with pytest.raises(ValidationError, match="in the future"):
        determine(determined_at=timezone.now() + timedelta(minutes=5))
    with pytest.raises(ValidationError, match="before the incident happened"):
        determine(determined_at=timezone.now() - timedelta(hours=4))
    with pytest.raises(ValidationError, match="Record the reasons"):
        services.incident_determine(
            officer=demo["officer"], incident_id=incident.pk, is_major=True, rationale=" "
        )
    # Logged after the fact: the clock runs from the decision, not from the typing.
    earlier = timezone.now() - timedelta(hours=2)
    result = determine(determined_at=earlier)
    inform_rec = next(d for d in result.duties if d.step_code == "inform-rec")
    assert inform_rec.due_at == earlier + timedelta(hours=1)
    assert result.incident.declared_at == earlier


def test_declaring_twice_is_a_conflict_naming_who_declared(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    with pytest.raises(ConflictError, match="already been declared major by Olivia Okafor"):
        services.incident_determine(
            officer=demo["officer"], incident_id=incident.pk, is_major=True, rationale="again"
        )
    assert incident.duties.count() == 8


def test_reporting_refuses_bad_input_and_changes_nothing(demo: dict[str, Member]) -> None:
    from escalation.models import Incident

    with pytest.raises(ValidationError) as caught:
        factories.incident(title=" ", strands=[], occurred_at=timezone.now() + timedelta(days=1))
    assert "title" in caught.value.message_dict
    assert "occurred_at" in caught.value.message_dict
    with pytest.raises(ValidationError, match="Choose at least one hate strand"):
        factories.incident(strands=[])
    with pytest.raises(ValidationError, match="Unknown strand 'weather'"):
        factories.incident(strands=["weather"])
    assert Incident.objects.count() == 0
