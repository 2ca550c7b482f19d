"""The demo's protocol documents and reporting cycle (Milton Keynes): a major incident whose
debrief has met and is recorded (with its actions), whose 14-day report is approved and sent (some
members have acknowledged it), the six-monthly report of the half-year that last ended, and a
strategy action plan with actions done, under way and overdue. Idempotent: each part is made
once, through the services."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from escalation.models import Duty, DutyState, Incident, Meeting
from escalation.services import MeetingPlan, duty_complete, incident_determine, incident_report
from notifications.models import Notification
from notifications.services import notification_acknowledge
from partnership.demo import PARTNERSHIP_SLUG, demo_extra_register
from partnership.models import Area, Member, Partnership
from review.models import (
    Debrief,
    FourteenDayReport,
    PlanAction,
    ReportingSettings,
    SixMonthlyReport,
)
from review.services import (
    debrief_record,
    fourteen_day_approve,
    fourteen_day_compose,
    fourteen_day_edit,
    plan_action_complete,
    plan_action_note,
    six_monthly_produce,
    strategy_action_add,
)
from review.services.actions import ActionPlan, plan_action_mark_overdue
from review.services.six_monthly import last_ended_period

INCIDENT_TITLE = "Pig's head left at the mosque gates (demo, debriefed and reported)"
# Who acknowledges the 14-day report in the demo (the rest have not yet).
ACKNOWLEDGING = ("rec", "chief", "member", "panel-housing")
PLAN = (
    ("Publish the third-party reporting centres in every library.", "member", 30),
    ("Train front-desk staff at the civic offices to take a hate crime report.", "chief", 60),
    ("Agree a shared tension-monitoring form with the housing associations.", "panel-housing", 0),
)


def _member(username: str) -> Member:
    member = Member.objects.get(username=username)
    member.work_in(Partnership.objects.get(slug=PARTNERSHIP_SLUG))
    return member


def _incident() -> Incident:
    """Declared major three days ago (the determination logged after the fact), its protocol's
    steps done since, in order, by their owners."""
    found = Incident.objects.filter(title=INCIDENT_TITLE).first()
    if found is not None:
        return found
    officer = _member("officer")
    declared_at = timezone.now() - timedelta(days=3)
    incident = incident_report(
        reporter=officer,
        title=INCIDENT_TITLE,
        description="A pig's head was left at the gates of the Central Milton Keynes mosque "
        "before dawn prayers; a leaflet of a far-right group was found beside it.",
        occurred_at=declared_at - timedelta(hours=2),
        area=Area.objects.get(partnership__slug=PARTNERSHIP_SLUG, name="Central Milton Keynes"),
        strands=["religion", "race"],
        tension_level="high",
        location="Mosque gates, Central Milton Keynes",
        safeguarding_steps="Patrols at every prayer time; the mosque committee met the CRRO.",
    )
    incident_determine(
        officer=officer,
        incident_id=incident.pk,
        is_major=True,
        rationale="A targeted desecration likely to raise community tension across the town.",
        determined_at=declared_at,
    )
    incident.refresh_from_db()
    crro, coordinator = _member("crro"), _member("coordinator")
    for step, actor in (
        ("inform-rec", crro),
        ("inform-csp-coordinator", crro),
        ("tell-safeguarding-steps", crro),
        ("notify-chief-officer", coordinator),
        ("inform-operational-staff", coordinator),
    ):
        duty = Duty.objects.get(incident=incident, step_code=step)
        if duty.state != DutyState.DONE:
            duty_complete(actor=actor, duty_id=duty.pk, message=f"{duty.description}: done.")
    return incident


def _debrief(incident: Incident) -> int:
    """The debrief organised, met (yesterday) and recorded, with an action done and one open."""
    changed = 0
    duty = Duty.objects.get(incident=incident, step_code="organise-debrief")
    ppc = _member("ppc")
    if duty.state != DutyState.DONE:
        starts = timezone.now() + timedelta(days=1)
        invitees = [_member(u) for u in ("crro", "coordinator", "rec", "chief")]
        duty_complete(
            actor=ppc,
            duty_id=duty.pk,
            meeting=MeetingPlan(
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                location="Civic Offices, Room 3",
                invitees=invitees,
            ),
        )
        changed += 1
    debrief = Debrief.objects.get(incident=incident)
    if debrief.recorded_at is None:
        # The demo shows a debrief that has met: its meeting, arranged ahead as the service
        # requires, is moved back to yesterday as time passing would have.
        yesterday = timezone.now() - timedelta(days=1)
        Meeting.objects.filter(pk=debrief.meeting_id).update(
            starts_at=yesterday, ends_at=yesterday + timedelta(hours=2)
        )
        due = timezone.localdate() + timedelta(days=14)
        attendees = [_member(u).pk for u in ("crro", "coordinator", "rec", "ppc")]
        debrief_record(
            actor=ppc,
            debrief_id=debrief.pk,
            attendee_ids=attendees,
            other_attendees="Imam Yusuf Khan, Central Milton Keynes Mosque",
            what_happened="A pig's head and a leaflet at the mosque gates before dawn; the "
            "mosque committee was visited within the hour and patrols doubled.",
            what_worked="The REC and the mosque committee heard from the CRRO before the news did.",
            what_did_not_work="Front-desk staff at the civic offices were not told until the "
            "afternoon.",
            lessons="Add the civic offices' front desk to the operational staff list.",
            actions=[
                ActionPlan(
                    description="Add the civic offices' front desk to the staff list.",
                    owner_id=_member("coordinator").pk,
                    due_on=due,
                ),
                ActionPlan(
                    description="Offer the mosque a crime prevention survey.",
                    owner_id=_member("crro").pk,
                    due_on=due,
                ),
            ],
        )
        action = PlanAction.objects.get(debrief=debrief, owner__username="crro")
        plan_action_complete(
            actor=_member("crro"), action_id=action.pk, outcome="Survey done; CCTV offered."
        )
        changed += 1
    return changed


def _fourteen_day(incident: Incident) -> int:
    """Composed, edited, approved and sent; some members have acknowledged it."""
    if FourteenDayReport.objects.filter(incident=incident, state="sent").exists():
        return 0
    coordinator = _member("coordinator")
    report = FourteenDayReport.objects.filter(incident=incident).first()
    if report is None:
        report = fourteen_day_compose(actor=coordinator, incident=incident)
    fourteen_day_edit(
        actor=coordinator,
        report_id=report.pk,
        what_members_should_do="Tell staff at every place of worship how to report; pass any "
        "further leaflets to the police unhandled.",
    )
    fourteen_day_approve(actor=coordinator, report_id=report.pk)
    for username in ACKNOWLEDGING:
        note = Notification.objects.filter(
            subject_type=FourteenDayReport._meta.label_lower,
            subject_id=str(report.pk),
            recipient__username=username,
            escalation_of__isnull=True,
        ).first()
        if note is not None:
            notification_acknowledge(member=_member(username), notification_id=note.pk, via="web")
    return 1


def _plan() -> int:
    """The strategy action plan: one done, one under way (a progress note), one overdue."""
    coordinator = _member("coordinator")
    partnership = Partnership.objects.get(slug=PARTNERSHIP_SLUG)
    on_plan = PlanAction.objects.filter(partnership=partnership, debrief__isnull=True)
    if on_plan.exists():
        return 0
    actions = [
        strategy_action_add(
            actor=coordinator,
            plan=ActionPlan(
                description=description,
                owner_id=_member(owner).pk,
                due_on=timezone.localdate() + timedelta(days=days),
            ),
        )
        for description, owner, days in PLAN
    ]
    libraries, training, form = actions
    plan_action_complete(
        actor=_member("member"), action_id=libraries.pk, outcome="Posters in all nine libraries."
    )
    plan_action_note(
        actor=_member("chief"),
        action_id=training.pk,
        text="Two of the four sessions booked with the REC.",
    )
    # Overdue: agreed for today, its day is moved back to yesterday as time passing would, and
    # its ladder starts (the owner is reminded).
    PlanAction.objects.filter(pk=form.pk).update(due_at=timezone.now() - timedelta(hours=12))
    plan_action_mark_overdue(action_id=form.pk)
    return len(actions)


def _six_monthly(partnership: Partnership) -> int:
    """The half-year that last ended, produced on demand (the scheduler produces the next ones
    by itself)."""
    if SixMonthlyReport.objects.filter(partnership=partnership).exists():
        return 0
    settings = ReportingSettings.objects.filter(partnership=partnership).first()
    first_month = settings.half_year_first_month if settings else 1
    period = last_ended_period(timezone.localdate(), first_month)
    six_monthly_produce(actor=_member("coordinator"), start=period.start, end=period.end)
    return 1


@transaction.atomic
def demo_reporting(partnership: Partnership) -> int:
    """Milton Keynes's documents and reporting cycle; how many parts were made."""
    if partnership.slug != PARTNERSHIP_SLUG:
        return 0
    incident = _incident()
    return _debrief(incident) + _fourteen_day(incident) + _plan() + _six_monthly(partnership)


demo_extra_register(demo_reporting)
