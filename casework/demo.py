"""The demo's casework (Milton Keynes): a third-party reporting centre with a member (login
``centre``), who leads which cases, a few cases in different states, an incident not yet in
casework, a public report in the intake queue, shared information and tension history in two
areas, and the casework group's next meeting with the open cases on its agenda for review.
Idempotent: each part is made once, through the services."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from casework.models import Case, CaseRule, PublicReport, SharedInformation, TaskKind, TensionRecord
from casework.services import (
    ReportDetails,
    case_action_add,
    case_close,
    case_reviews_agenda,
    case_risk_set,
    case_rule_add,
    case_task_complete,
    information_share,
    report_receive,
    tension_record,
)
from conference.models import Conference, ConferenceKind
from conference.services import conference_create
from escalation.services import incident_determine, incident_report
from partnership import services as partnership_services
from partnership.demo import PARTNERSHIP_SLUG, demo_extra_register, demo_password
from partnership.models import Agency, AgencyKind, Area, Member, Partnership

CENTRE_NAME = "Milton Keynes Hate Crime Reporting Centre"
CENTRE_USERNAME = "centre"


def _member(username: str) -> Member:
    member = Member.objects.get(username=username)
    member.work_in(Partnership.objects.get(slug=PARTNERSHIP_SLUG))
    return member


def _centre(partnership: Partnership) -> int:
    changed = 0
    agency = Agency.objects.filter(name=CENTRE_NAME).first()
    if agency is None:
        agency = partnership_services.agency_create(
            actor=None, kind=AgencyKind.REPORTING_CENTRE, name=CENTRE_NAME, partnership=partnership
        )
        changed += 1
    if not Member.objects.filter(username=CENTRE_USERNAME).exists():
        partnership_services.member_create(
            actor=None,
            username=CENTRE_USERNAME,
            password=demo_password(),
            agency=agency,
            partnership=partnership,
            first_name="Nadia",
            last_name="Rahman",
            email=f"{CENTRE_USERNAME}@demo.invalid",
            job_title="Reporting centre volunteer",
        )
        changed += 1
    return changed


def _rules() -> int:
    if CaseRule.objects.filter(partnership__slug=PARTNERSHIP_SLUG).exists():
        return 0
    coordinator = _member("coordinator")
    housing, support = _member("panel-housing"), _member("member")
    assert housing.agency is not None  # noqa: S101 (the demo's)
    assert support.agency is not None  # noqa: S101 (the demo's)
    central = Area.objects.get(partnership__slug=PARTNERSHIP_SLUG, name="Central Milton Keynes")
    case_rule_add(actor=coordinator, lead_agency=housing.agency, lead_officer=housing, area=central)
    case_rule_add(actor=coordinator, lead_agency=support.agency, lead_officer=support)
    return 2


def _not_major(title: str, area: str, days_ago: int, strands: list[str]) -> Case:
    officer = _member("officer")
    at = timezone.now() - timedelta(days=days_ago)
    incident = incident_report(
        reporter=officer,
        title=title,
        description=f"{title}. Recorded for the demo.",
        occurred_at=at - timedelta(hours=3),
        area=Area.objects.get(partnership__slug=PARTNERSHIP_SLUG, name=area),
        strands=strands,
        tension_level="elevated",
    )
    incident_determine(
        officer=officer,
        incident_id=incident.pk,
        is_major=False,
        rationale="One household targeted; no sign of wider disorder.",
        determined_at=at,
    )
    return Case.objects.get(incident=incident)


def _cases() -> int:
    if Case.objects.filter(partnership__slug=PARTNERSHIP_SLUG).exists():
        return 0
    support, housing = _member("member"), _member("panel-housing")
    coordinator = _member("coordinator")
    # Open: contacted, the visit still to do.
    first = _not_major("Abuse shouted at a taxi driver", "Bletchley", 2, ["race"])
    case_task_complete(
        actor=support,
        task_id=first.tasks.get(kind=TaskKind.CONTACT).pk,
        note="Phoned; a visit arranged for Thursday.",
    )
    # High risk: visited, the follow-up due, and an action for Housing.
    second = _not_major(
        "Eggs thrown at a family's door again", "Central Milton Keynes", 6, ["race", "religion"]
    )
    case_risk_set(actor=housing, case_id=second.pk, level="high", reason="Third time this month.")
    case_task_complete(
        actor=housing,
        task_id=second.tasks.get(kind=TaskKind.CONTACT).pk,
        note="Spoke to the mother by phone.",
    )
    case_task_complete(
        actor=housing,
        task_id=second.tasks.get(kind=TaskKind.VISIT).pk,
        note="Visited with an interpreter; door camera offered.",
    )
    case_action_add(
        actor=coordinator,
        case_id=second.pk,
        description="Fit a door camera at the family's home.",
        owner=housing,
        due_on=timezone.localdate() + timedelta(days=5),
    )
    # Closed, with the victim's view.
    third = _not_major(
        "Homophobic graffiti on a garden wall", "Woughton", 30, ["sexual_orientation"]
    )
    for kind in (TaskKind.CONTACT, TaskKind.VISIT):
        case_task_complete(
            actor=support, task_id=third.tasks.get(kind=kind).pk, note="Done on the day."
        )
    case_task_complete(
        actor=support,
        task_id=third.tasks.get(kind=TaskKind.FOLLOW_UP).pk,
        note="Grateful for the quick visit; the council cleaned the wall the next day.",
    )
    case_close(
        actor=coordinator,
        case_id=third.pk,
        outcome="resolved",
        victim_view="Feels safe at home again and would report again.",
    )
    # Never put to the senior officer: waiting to be taken into casework.
    incident_report(
        reporter=support,
        title="Disability hate abuse on the 300 bus",
        description="A passenger using a wheelchair was mocked and filmed. Recorded for the demo.",
        occurred_at=timezone.now() - timedelta(days=1),
        area=Area.objects.get(partnership__slug=PARTNERSHIP_SLUG, name="Wolverton"),
        strands=["disability"],
        tension_level="low",
    )
    return 4


def _intake(partnership: Partnership) -> int:
    if PublicReport.objects.filter(partnership=partnership).exists():
        return 0
    report_receive(
        partnership=partnership,
        details=ReportDetails(
            reporter_kind="witness",
            what_happened="Two teenagers shouted racist abuse at a woman in a headscarf outside "
            "the shops and followed her to the bus stop.",
            where="Queensway shops",
            strands=("race", "religion"),
            anonymous=True,
        ),
    )
    return 1


def _tension_and_information(partnership: Partnership) -> int:
    if TensionRecord.objects.filter(partnership=partnership).exists():
        return 0
    crro, coordinator = _member("crro"), _member("coordinator")
    now = timezone.now()
    history = {
        "Bletchley": [
            (40, "low", "Quiet.", "Neighbourhood policing team"),
            (20, "elevated", "Graffiti near the mosque.", "Patrol"),
            (5, "high", "Leaflets calling for a march.", "Community leader"),
            (1, "elevated", "March called off; patrols kept up.", "Patrol"),
        ],
        "Central Milton Keynes": [
            (30, "low", "Quiet.", "Town centre wardens"),
            (6, "elevated", "Repeat attacks on one family.", "Casework group"),
        ],
    }
    for name, records in history.items():
        area = Area.objects.get(partnership=partnership, name=name)
        for days, level, reason, source in records:
            tension_record(
                actor=crro,
                area=area,
                level=level,
                reason=reason,
                source=source,
                at=now - timedelta(days=days),
            )
    if not SharedInformation.objects.filter(partnership=partnership).exists():
        information_share(
            actor=coordinator,
            text="Youth workers hear talk of a group planning to gather at the station on Friday.",
            source_grade="2",
            information_grade="C",
            area=Area.objects.get(partnership=partnership, name="Bletchley"),
        )
    return 1


def _review_meeting(partnership: Partnership) -> int:
    if Conference.objects.filter(partnership=partnership, kind=ConferenceKind.CASEWORK).exists():
        return 0
    coordinator = _member("coordinator")
    starts = (timezone.localtime() + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    meeting = conference_create(
        actor=coordinator,
        kind=ConferenceKind.CASEWORK,
        title="Casework group: monthly case review",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        location="Civic Offices, Committee Room 2",
        chair=_member("chair"),
    )
    case_reviews_agenda(actor=coordinator, conference_id=meeting.pk)
    return 1


@transaction.atomic
def demo_casework(partnership: Partnership) -> int:
    """Milton Keynes' casework (the neighbour has none). Returns how many parts were made."""
    if partnership.slug != PARTNERSHIP_SLUG:
        return 0
    changed = _centre(partnership) + _rules()
    changed += _cases() + _intake(partnership) + _tension_and_information(partnership)
    changed += _review_meeting(partnership)
    return changed


demo_extra_register(demo_casework)
