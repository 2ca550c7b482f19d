"""Casework: an incident found not major (or taken into casework by the co-ordinator) becomes a
case with the lead officer the partnership's rules name, who is told; victim contact is due by
the standard of the case's risk level on the protocol's clock (bank holidays, clock changes) and
climbs the one ladder engine when late; a visit starts the 14-day follow-up; case actions,
closure with the victim's view, and escalation to a conference or the senior officer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casework import services
from casework.jobs import case_tasks_run
from casework.models import Case, CaseState, CaseTask, TaskKind, TaskState
from conference import services as conference_services
from conference.models import Referral
from escalation import services as escalation_services
from escalation.deadlines import LONDON
from escalation.models import Incident
from notifications.models import LadderRung, Notification
from partnership.errors import ConflictError
from partnership.models import AuditEvent, Member
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def london(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def _not_major(at: datetime | None = None, **report: object) -> Incident:
    occurred = (at or timezone.now()) - timedelta(hours=2)
    incident = factories.incident(occurred_at=occurred, **report)  # type: ignore[arg-type]
    escalation_services.incident_determine(
        officer=factories.someone("officer"),
        incident_id=incident.pk,
        is_major=False,
        rationale="Abuse of one victim; no sign of wider disorder.",
        determined_at=at,
    )
    return incident


def _rule(demo: dict[str, Member], lead: str = "member") -> None:
    officer = demo[lead]
    assert officer.agency is not None
    services.case_rule_add(
        actor=demo["coordinator"], lead_agency=officer.agency, lead_officer=officer
    )


def _task(case: Case, kind: str) -> CaseTask:
    return case.tasks.get(kind=kind)


def test_a_not_major_incident_becomes_a_case_with_the_lead_officer_the_rules_name_who_is_told(
    demo: dict[str, Member],
) -> None:
    victim_support = demo["member"]
    _rule(demo)  # any area, any strand: Victim Support's member leads
    incident = _not_major()
    case = Case.objects.get(incident=incident)
    assert case.lead_officer == victim_support
    assert case.lead_agency == victim_support.agency
    assert case.state == CaseState.OPEN
    assert {t.kind for t in case.tasks.all()} == {TaskKind.CONTACT, TaskKind.VISIT}
    assert all(t.owner == victim_support for t in case.tasks.all())
    told = Notification.objects.get(
        recipient=victim_support, idempotency_key__startswith=f"case:{case.pk}:lead"
    )
    assert "you are the lead officer" in told.title
    # Told in the incident's scope: the lead officer may now open the incident.
    from partnership.permissions import can

    assert can(victim_support, "incident.view", incident)
    assert can(victim_support, "case.view", case)
    verbs = list(
        AuditEvent.objects.filter(scope=f"incident:{incident.pk}").values_list("verb", flat=True)
    )
    assert "case.opened" in verbs
    assert verbs.count("case_task.created") == 2


def test_the_first_rule_that_fits_area_and_strand_names_the_lead(demo: dict[str, Member]) -> None:
    housing = demo["panel-housing"]
    other_area = factories.area("Wolverton")
    assert housing.agency is not None
    assert demo["member"].agency is not None
    services.case_rule_add(
        actor=demo["coordinator"],
        lead_agency=housing.agency,
        lead_officer=housing,
        area=other_area,
    )
    services.case_rule_add(
        actor=demo["coordinator"],
        lead_agency=demo["member"].agency,
        lead_officer=demo["member"],
        strand="disability",
    )
    in_default_area = _not_major(strands=("disability",))
    in_other_area = _not_major(area=other_area, strands=("disability",))
    unmatched = _not_major(strands=("race",))
    assert Case.objects.get(incident=in_default_area).lead_officer == demo["member"]
    assert Case.objects.get(incident=in_other_area).lead_officer == housing
    nobody = Case.objects.get(incident=unmatched)
    assert nobody.lead_officer is None
    assert nobody.lead_agency is None
    # With no lead, the co-ordinator is asked to choose one, and owns the chase meanwhile.
    assert Notification.objects.filter(
        recipient=demo["coordinator"], idempotency_key__startswith=f"case:{nobody.pk}:lead:none"
    ).exists()


def test_contact_and_visit_are_due_in_working_days_skipping_bank_holidays_with_reasons(
    demo: dict[str, Member],
) -> None:
    _rule(demo)
    # Thu 2 Apr 2026: Good Friday (3 Apr) and Easter Monday (6 Apr) are not working days.
    case = Case.objects.get(incident=_not_major(at=london(4, 2, 10)))
    contact = _task(case, TaskKind.CONTACT)
    visit = _task(case, TaskKind.VISIT)
    assert contact.due_at == london(4, 9, 10)
    assert contact.due_explanation == (
        "Standard risk: contact within 3 working days: 3 working days from Thu 2 Apr 2026 10:00: "
        "Fri 3 Apr Good Friday, Mon 6 Apr Easter Monday skipped → Thu 9 Apr 10:00"
    )
    assert visit.due_at == london(4, 20, 10)  # 10 working days: Tue 7 ... Mon 20 Apr


def test_high_risk_contact_is_24_elapsed_hours_across_the_clock_change_and_the_follow_up_14_days(
    demo: dict[str, Member],
) -> None:
    _rule(demo)
    # Sat 28 Mar 2026 12:00 GMT; the clocks go forward at 01:00 on Sun 29 Mar.
    case = Case.objects.get(incident=_not_major(at=london(3, 28, 12)))
    services.case_risk_set(
        actor=demo["member"], case_id=case.pk, level="high", reason="Threats repeated."
    )
    contact = _task(case, TaskKind.CONTACT)
    assert contact.due_at == london(3, 29, 13)  # 24 hours later is 13:00 BST
    assert contact.due_explanation.startswith("High risk: contact within 24 hours: 24 hours from")
    visit = _task(case, TaskKind.VISIT)
    assert visit.due_at == london(4, 1, 12)  # 3 working days: Mon 30, Tue 31, Wed 1 Apr
    services.case_task_complete(
        actor=demo["member"],
        task_id=visit.pk,
        note="Visited at home with an interpreter.",
        done_at=london(3, 31, 16, 30),
    )
    follow_up = _task(case, TaskKind.FOLLOW_UP)
    # 14 calendar days on the wall clock of the visit.
    assert follow_up.due_at == london(4, 14, 16, 30)
    assert follow_up.owner == demo["member"]
    assert "within 14 days of the visit" in follow_up.due_explanation


def test_late_contact_climbs_owner_deputy_then_coordinator(demo: dict[str, Member]) -> None:
    _rule(demo, lead="crro")  # the CRRO's deputy is the Police Partnership Co-ordinator
    case = Case.objects.get(incident=_not_major())
    contact = _task(case, TaskKind.CONTACT)
    case_tasks_run(now=contact.due_at + timedelta(minutes=1))
    contact.refresh_from_db()
    assert contact.state == TaskState.OVERDUE
    case_tasks_run(now=contact.due_at + timedelta(days=1, minutes=1))
    contact.refresh_from_db()
    assert contact.state == TaskState.ESCALATED
    case_tasks_run(now=contact.due_at + timedelta(days=2, minutes=1))
    rungs = list(LadderRung.objects.filter(casetask=contact).order_by("index"))
    assert [r.to for r in rungs] == ["owner", "deputy", "role:csp_coordinator"]
    reached = {
        n.recipient.username
        for n in Notification.objects.filter(
            idempotency_key__startswith=f"case_task:{contact.pk}:rung"
        )
    }
    assert reached == {"crro", "ppc", "coordinator"}
    # In the reader's voice: the lead officer is asked to do it, those above to make sure.
    titles = dict(
        Notification.objects.filter(
            idempotency_key__startswith=f"case_task:{contact.pk}:rung"
        ).values_list("recipient__username", "title")
    )
    assert titles["crro"].startswith(f"First contact with the victim for case {case.reference}")
    assert titles["crro"].endswith("Please do it and record it done.")
    assert titles["coordinator"].endswith("Please make sure it is done.")
    assert not any("OVERDUE" in title for title in titles.values())
    # Running the job again fires nothing twice.
    case_tasks_run(now=contact.due_at + timedelta(days=3))
    assert LadderRung.objects.filter(casetask=contact).count() == 3
    verbs = set(
        AuditEvent.objects.filter(
            subject_id=str(contact.pk), subject_type="casework.casetask"
        ).values_list("verb", flat=True)
    )
    assert {"case_task.overdue", "case_task.escalated"} <= verbs


def test_done_steps_stop_the_ladder_and_lateness_is_recorded(demo: dict[str, Member]) -> None:
    _rule(demo)
    case = Case.objects.get(incident=_not_major(at=timezone.now() - timedelta(days=30)))
    contact = _task(case, TaskKind.CONTACT)
    done = services.case_task_complete(actor=demo["member"], task_id=contact.pk, note="Phoned.")
    assert done.state == TaskState.DONE
    assert done.done_late
    case_tasks_run(now=timezone.now() + timedelta(days=5))
    assert not LadderRung.objects.filter(casetask=contact).exists()
    with pytest.raises(ConflictError):
        services.case_task_complete(actor=demo["member"], task_id=contact.pk, note="Again.")


def test_a_follow_up_records_the_victims_view_and_only_the_case_workers_record_contact(
    demo: dict[str, Member],
) -> None:
    _rule(demo)
    case = Case.objects.get(incident=_not_major())
    contact = _task(case, TaskKind.CONTACT)
    with pytest.raises(PermissionDenied):
        services.case_task_complete(actor=demo["panel-health"], task_id=contact.pk, note="x")
    with pytest.raises(ValidationError):
        services.case_task_complete(actor=demo["member"], task_id=contact.pk, note="  ")
    with pytest.raises(ValidationError):
        services.case_task_complete(
            actor=demo["member"],
            task_id=contact.pk,
            note="Phoned.",
            done_at=timezone.now() + timedelta(hours=1),
        )


def test_a_case_action_has_an_owner_agency_and_date_and_climbs_the_same_ladder(
    demo: dict[str, Member],
) -> None:
    _rule(demo)
    case = Case.objects.get(incident=_not_major())
    housing = demo["panel-housing"]
    action = services.case_action_add(
        actor=demo["member"],
        case_id=case.pk,
        description="Fit a door camera.",
        owner=housing,
        due_on=timezone.localdate() + timedelta(days=2),
    )
    assert action.owner_agency == housing.agency
    assert Notification.objects.filter(
        recipient=housing, idempotency_key__startswith=f"case_task:{action.pk}:assigned:"
    ).exists()
    from partnership.permissions import can

    assert can(housing, "case.view", case)  # the owner of one of its tasks sees the case
    case_tasks_run(now=action.due_at + timedelta(days=2, minutes=1))
    action.refresh_from_db()
    assert action.state == TaskState.ESCALATED
    assert Notification.objects.filter(
        recipient=demo["coordinator"], idempotency_key__startswith=f"case_task:{action.pk}:rung:2:"
    ).exists()
    with pytest.raises(ValidationError):
        services.case_action_add(
            actor=demo["member"],
            case_id=case.pk,
            description="Too late.",
            owner=housing,
            due_on=timezone.localdate() - timedelta(days=1),
        )


def test_closing_needs_an_outcome_and_the_victims_view_and_cancels_what_is_open(
    demo: dict[str, Member],
) -> None:
    _rule(demo)
    case = Case.objects.get(incident=_not_major())
    with pytest.raises(ValidationError):
        services.case_close(
            actor=demo["member"], case_id=case.pk, outcome="resolved", victim_view=""
        )
    closed = services.case_close(
        actor=demo["member"],
        case_id=case.pk,
        outcome="resolved",
        victim_view="Feels safer; thanked the officer.",
    )
    assert closed.state == CaseState.CLOSED
    assert set(case.tasks.values_list("state", flat=True)) == {TaskState.CANCELLED}
    with pytest.raises(PermissionDenied):  # a closed case is no longer worked
        services.case_close(
            actor=demo["member"], case_id=case.pk, outcome="resolved", victim_view="x"
        )


def test_the_coordinator_takes_an_incident_never_put_to_the_officer_into_casework(
    demo: dict[str, Member],
) -> None:
    _rule(demo)
    incident = factories.incident(reporter=demo["member"])
    with pytest.raises(PermissionDenied):
        services.case_open(actor=demo["member"], incident_id=incident.pk)
    case = services.case_open(actor=demo["coordinator"], incident_id=incident.pk, risk_level="high")
    assert case.how_opened == "coordinator"
    assert case.risk_level == "high"
    with pytest.raises(ConflictError):
        services.case_open(actor=demo["coordinator"], incident_id=incident.pk)
    declared = factories.incident_declared()
    with pytest.raises(ConflictError):
        services.case_open(actor=demo["coordinator"], incident_id=declared.pk)
    # Found not major later, it is already a case: no second one.
    escalation_services.incident_determine(
        officer=demo["officer"], incident_id=incident.pk, is_major=False, rationale="Not major."
    )
    assert Case.objects.filter(incident=incident).count() == 1


def test_a_case_escalates_to_a_risk_conference_or_to_the_senior_officer(
    demo: dict[str, Member],
) -> None:
    _rule(demo)
    incident = _not_major()
    case = Case.objects.get(incident=incident)
    person = factories.person(by=demo["member"])
    witness = factories.person(by=demo["member"], full_name="A witness")
    conference_services.incident_person_link(actor=demo["member"], incident=incident, person=person)
    conference_services.incident_person_link(
        actor=demo["member"], incident=incident, person=witness, involvement="witness"
    )
    with pytest.raises(ValidationError):  # only a victim is referred
        services.case_refer(
            actor=demo["member"],
            case_id=case.pk,
            person_id=witness.pk,
            summary="x",
            answers=factories.checklist(),
            lawful_basis="consent",
        )
    referral = services.case_refer(
        actor=demo["member"],
        case_id=case.pk,
        person_id=person.pk,
        summary="Targeted three times.",
        answers=factories.checklist(repeat=True, threats=True),
        lawful_basis="consent",
    )
    case.refresh_from_db()
    assert case.referral == referral
    assert Referral.objects.filter(person=person).count() == 1
    services.case_put_to_officer(actor=demo["member"], case_id=case.pk, reason="Crowds gathering.")
    assert Notification.objects.filter(
        recipient=demo["officer"], idempotency_key__startswith=f"case:{case.pk}:put_to_officer"
    ).exists()
    # The officer may now declare it major (from not major).
    escalation_services.incident_determine(
        officer=demo["officer"], incident_id=incident.pk, is_major=True, rationale="Disorder."
    )


def test_another_partnerships_member_sees_no_case(demo: dict[str, Member]) -> None:
    from partnership.demo import demo_load
    from partnership.permissions import can

    _rule(demo)
    case = Case.objects.get(incident=_not_major())
    demo_load(with_neighbour=True)
    av = Member.objects.get(username="av-coordinator")
    assert not can(av, "case.view", case)
    assert not can(av, "case.work", case)
    assert not can(av, "case_task.complete", case.tasks.first())


def test_retention_removes_the_words_of_closed_cases_past_the_period(
    demo: dict[str, Member],
) -> None:
    from casework.services.retention import REMOVED
    from conference.services.retention import retention_apply

    _rule(demo)
    case = Case.objects.get(incident=_not_major())
    services.case_task_complete(
        actor=demo["member"], task_id=_task(case, TaskKind.CONTACT).pk, note="Phoned her."
    )
    services.case_close(
        actor=demo["member"], case_id=case.pk, outcome="resolved", victim_view="Happy with it."
    )
    later = timezone.now() + timedelta(days=case.partnership.retention_days + 1)
    assert retention_apply(now=later, dry_run=True).other == 1
    case.refresh_from_db()
    assert case.victim_view == "Happy with it."
    assert retention_apply(now=later).other == 1
    case.refresh_from_db()
    assert case.victim_view == REMOVED
    assert _task(case, TaskKind.CONTACT).note == REMOVED
    assert retention_apply(now=later).other == 0


def test_the_lead_officers_work_list_has_their_case_deadlines_and_others_no_casework_section(
    demo: dict[str, Member], client_for: object
) -> None:
    _rule(demo)
    case = Case.objects.get(incident=_not_major())
    visit = _task(case, TaskKind.VISIT)
    home = client_for("member").get("/")  # type: ignore[operator]
    assert b"Your case deadlines" in home.content
    assert f'id="work-case-task-{visit.pk}"'.encode() in home.content
    assert b"Your case deadlines" not in client_for("panel-health").get("/").content  # type: ignore[operator]


def test_victim_contact_is_counted_in_compliance_on_time_late_open_and_cancelled(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    from casework.compliance import contact_compliance

    _rule(demo)
    kept, late, closed = (Case.objects.get(incident=_not_major()) for _ in range(3))
    services.case_task_complete(
        actor=demo["member"], task_id=_task(kept, TaskKind.CONTACT).pk, note="Phoned on time."
    )
    # Late: the visit was due an hour ago, and is done now; the other case's contact is still
    # open past its due time.
    past = timezone.now() - timedelta(hours=1)
    CaseTask.objects.filter(pk=_task(kept, TaskKind.VISIT).pk).update(due_at=past)
    services.case_task_complete(
        actor=demo["member"], task_id=_task(kept, TaskKind.VISIT).pk, note="Visited, late."
    )
    CaseTask.objects.filter(pk=_task(late, TaskKind.CONTACT).pk).update(due_at=past)
    services.case_close(
        actor=demo["member"], case_id=closed.pk, outcome="victim_declined", victim_view="Declined."
    )
    rows = {row.kind: row for row in contact_compliance(Case.objects.all())}
    contact, visit, follow_up = rows["contact"], rows["visit"], rows["follow_up"]
    assert (contact.on_time, contact.late, contact.open_late, contact.cancelled) == (1, 0, 1, 1)
    assert (visit.on_time, visit.late, visit.open_in_time, visit.cancelled) == (0, 1, 1, 1)
    assert visit.share_on_time == "0%"
    assert (follow_up.open_in_time, follow_up.done) == (1, 0)
    # The API gives the same figures.
    api = client_for("coordinator").get("/api/cases/").json()
    assert {r["step"]: r["late"] for r in api["contact_compliance"]}["visit"] == 1
