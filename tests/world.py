"""The worlds tests run in: the demo partnership, and variants of it with work in hand.

- ``demo_partnership()``: what ``make run`` loads (every role of the protocol filled by someone;
  ``partnership/demo.py``), by username. The ``demo`` fixture.
- ``partnership_at_work(demo)``: the demo with one of each kind of work in hand, for tests that
  visit every page, fuzz every endpoint or check what a member may not see.
- ``matrix_world()``: the demo with two more accounts and one of everything, each sensitive
  field carrying a marker string, for the permission matrix.

Everything is built through the factories (``tests/factories.py``), that is through the services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.test import Client
from django.utils import timezone

from casework import services as casework_services
from casework.models import Case
from conference import services as conference_services
from conference.models import Action, AgendaItem, Conference, Person, Referral
from escalation import services as escalation_services
from escalation.models import Incident, Meeting
from gold import services as gold_services
from notifications.dispatch import senders_wait
from notifications.models import Purpose
from partnership.audiences import Audience
from partnership.demo import demo_load, demo_password
from partnership.models import AgencyKind, Member, Role
from partnership.scopes import Scope
from review import services as review_services
from review.models import Debrief
from review.services.actions import ActionPlan
from tests import factories

Demo = dict[str, Member]
# A signed-in test client for a demo username (the ``client_for`` fixture).
ClientFor = Callable[[str], Client]


def demo_partnership() -> Demo:
    """The demo partnership (loaded if missing), by username."""
    demo_load()
    return {m.username: m for m in Member.objects.all()}


# --- At work -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AtWork:
    incident: Incident  # declared major by the senior police officer
    person: Person  # recorded by Police's panel member, linked to the incident
    referral: Referral
    conference: Conference  # in session: the three panel members invited, Housing's present
    item: AgendaItem  # the person's case
    action: Action  # owned by Housing's panel member


def partnership_at_work(demo: Demo) -> AtWork:
    """A declared incident with its duties and notifications, a person linked to it and referred
    to an open conference that agreed an action."""
    incident = factories.incident_declared(strands=("race",), rationale="Disorder.")
    person = factories.person()
    conference_services.incident_person_link(
        actor=demo["panel-police"], incident=incident, person=person
    )
    referral = factories.referral(person=person)
    conference = factories.conference(
        cases=[referral],
        invite=[demo["panel-police"], demo["panel-housing"], demo["panel-health"]],
        present=[demo["panel-housing"]],
        open_it=True,
    )
    item = conference.agenda.get()
    action = factories.action(conference=conference, item=item, description="Fit a door camera.")
    # Notifications are sent on threads after commit: let them land before the test looks.
    senders_wait()
    return AtWork(incident, person, referral, conference, item, action)


# --- For the permission matrix -------------------------------------------------------------------
OUTSIDER = "outsider"  # a panel member of an agency of another kind (Probation), invited to nothing
NO_AGENCY = "no-agency"  # an account without an agency or a role (a system account)
# Members of another partnership (a neighbour under the same police force) holding every role
# there: one from the police force the two partnerships share, one from the neighbour's council.
# Whatever their roles, nothing of the demo partnership may reach them.
ELSEWHERE_POLICE = "elsewhere-police"
ELSEWHERE_COUNCIL = "elsewhere-council"
# A member of a third partnership holding every role there: the link between the demo's incident
# and the neighbour's is the two partnerships' and never theirs.
THIRD_PARTNERSHIP = "third-partnership"
ELSEWHERE = (ELSEWHERE_POLICE, ELSEWHERE_COUNCIL, THIRD_PARTNERSHIP)
NEIGHBOUR = "aylesbury-vale"
# Members of oversight bodies, in no partnership: the forum's over the demo partnership and its
# neighbour, and another body's over the neighbour only. They see figures and scrutiny requests,
# never a case.
FORUM = "forum-lead"
OTHER_FORUM = "other-forum-lead"
OVERSEERS = (FORUM, OTHER_FORUM)
# A member of a third-party reporting centre (an agency of the demo partnership).
CENTRE = "centre-worker"

# A distinctive marker in every sensitive field: a response to someone who may not see a field must
# not contain its marker (``tests/permission_matrix_rules.py`` says who may see each).
VICTIM_NAME = "Zenobia Quillfeather"
SAFE_CONTACT = "SafeContactMX3391 via her sister only"
INCIDENT_TITLE = "IncidentTitleMX4410 firebomb at the Quarrel Street mosque"
INCIDENT_DESCRIPTION = "IncidentDescriptionMX5521"
RATIONALE = "RationaleMX5610 disorder likely"
OTHER_INCIDENT_TITLE = "OtherIncidentTitleMX5709 abuse at the bus stop"
SITUATION_REPORT_BODY = "SituationReportMX6632"
NOTE_BODY = "NotificationBodyMX7743"
REFERRAL_SUMMARY = "ReferralSummaryMX8854"
CONSENT_NOTES = "ConsentNotesMX8943"
PANEL_RESEARCH = "PanelResearchMX9032"
PANEL_ENTRY = "PanelRoomEntryMX9121"
RESTRICTED_RESEARCH = "RestrictedResearchMX9965"
RESTRICTED_ENTRY = "RestrictedRoomEntryMX1076"
ACTION_TEXT = "ActionTextMX2187"
CONFERENCE_TITLE = "ConferenceTitleMX3298"
SCRUTINY_QUESTION = "ScrutinyQuestionMX4309 why were debriefs late"
DEBRIEF_LESSONS = "DebriefLessonsMX5410 brief the staff sooner"
PLAN_ACTION_TEXT = "PlanActionTextMX6521"
LINK_REASON = "LinkReasonMX8410 the same leaflets"
DECISION_TEXT = "DecisionTextMX8521 targeted reassurance only"
COMMS_MESSAGE = "CommsMessageMX8632 officers at evening prayers"
CASE_ACTION_TEXT = "CaseActionMX5410 fit a door camera"
REPORT_TEXT = "PublicReportMX6521 shouted at on the 300 bus"
SHARED_TEXT = "SharedInformationMX7632 a march planned for Saturday"


@dataclass(frozen=True)
class MatrixWorld:
    members: dict[str, Member]
    incident: int  # declared major by the officer, reported by him; the REC was told about it
    other_incident: int  # reported by Victim Support's member, after the referral: a repeat
    duty: int  # "Inform the Racial Equality Council", owned by the CRRO
    notification: int  # to the CRRO only
    person: int  # created and referred by Victim Support's member, linked to both incidents
    referral: int
    flag: int  # the repeat flag the second incident raised
    conference: int  # in session: chair, Police's and Housing's panel members invited
    agenda_item: int
    action: int  # owned by Housing's panel member
    area: int
    scrutiny: int  # from the forum to the demo partnership, unanswered
    share: int  # the person's record shared with the neighbour, then withdrawn
    plan_action: int  # agreed at the incident's debrief, owned by Housing's panel member
    six_monthly: int  # the demo partnership's report on its last month, on demand
    # The demo's incident and the neighbour's (reported by its council member), linked at the
    # demo's CSP Co-ordinator's request, awaiting the neighbour's answer.
    link: int
    # Convened by gold for the demo's incident, seating Police's panel member; one decision.
    gold_group: int
    comms: int  # a message of its plan, for Police's panel member to approve
    case: int  # an incident found not major, led by Housing's panel member (the rule's)
    case_task: int  # the case's first contact, owned by its lead officer
    case_rule: int  # Housing leads every case
    merge: int  # two records of one person (neither linked to anything) merged by the co-ordinator
    report: int  # a public report in the intake queue, not yet triaged
    # A casework group meeting (planned, chaired by the chair) with the case on its agenda for
    # review, which invited the case's lead officer.
    casework_meeting: int
    case_review: int

    def pk(self, username: str) -> int:
        return self.members[username].pk


@transaction.atomic
def matrix_world() -> MatrixWorld:
    """The demo partnership, two more accounts and one of everything, through the services."""
    demo_partnership()
    probation = factories.agency_new(
        kind=AgencyKind.PROBATION, name="Thames Valley Probation (matrix)"
    )
    factories.member(
        username=OUTSIDER,
        password=demo_password(),
        agency=probation,
        roles=[Role.PANEL_MEMBER],
        first_name="Olu",
        last_name="Outsider",
        email="outsider@matrix.invalid",
    )
    factories.member(username=NO_AGENCY, password=demo_password(), agency=None)
    neighbour = factories.partnership_new(
        name="Aylesbury Vale Hate Crime Partnership (matrix)", slug=NEIGHBOUR
    )
    council = factories.agency_new(
        kind=AgencyKind.COUNCIL, name="Buckinghamshire Council (matrix)", within=neighbour
    )
    third = factories.partnership_new(name="Wycombe Hate Crime Partnership (matrix)")
    for username, agency, within in [
        (ELSEWHERE_POLICE, factories.agency("Thames Valley Police"), neighbour),
        (ELSEWHERE_COUNCIL, council, neighbour),
        (
            THIRD_PARTNERSHIP,
            factories.agency_new(
                kind=AgencyKind.COUNCIL, name="Wycombe Council (matrix)", within=third
            ),
            third,
        ),
    ]:
        factories.member(
            username=username,
            password=demo_password(),
            agency=agency,
            roles=tuple(Role),
            within=within,
        )
    members = {m.username: m for m in Member.objects.select_related("agency")}
    now = timezone.now()
    area = factories.area()

    incident = factories.incident_declared(
        title=INCIDENT_TITLE,
        description=INCIDENT_DESCRIPTION,
        occurred_at=now - timedelta(hours=3),
        strands=("religion",),
        tension_level="critical",
        location="",
        safeguarding_steps="Patrols at the mosque.",
        rationale=RATIONALE,
    )
    duty = factories.duty(incident, "inform-rec")
    factories.situation_report(
        incident=incident,
        audiences=[Audience.agency(AgencyKind.RACIAL_EQUALITY_COUNCIL)],
        purposes=[Purpose.SITUATION, Purpose.INFORMATION],
        message=SITUATION_REPORT_BODY,
    )
    (note,) = factories.notifications(
        audiences=[Audience.member(members["crro"].pk)],
        title="A word for the CRRO",
        body=NOTE_BODY,
        purposes=[Purpose.INFORMATION],
        cause="matrix:note",
        subject=incident,
        scope=Scope.incident(incident.pk),
        sender=members["coordinator"],
    )

    person = factories.person(
        by=members["member"], full_name=VICTIM_NAME, safe_contact=SAFE_CONTACT
    )
    conference_services.incident_person_link(
        actor=members["coordinator"], incident=incident, person=person
    )
    referral = factories.referral(
        person=person,
        by=members["member"],
        summary=REFERRAL_SUMMARY,
        consent_notes=CONSENT_NOTES,
    )
    other = factories.incident(
        reporter=members["member"],
        title=OTHER_INCIDENT_TITLE,
        description="Shouted at again.",
        occurred_at=timezone.now(),
        strands=("religion",),
        tension_level="low",
        location="",
        safeguarding_steps="",
    )
    (flag,) = conference_services.incident_person_link(
        actor=members["member"], incident=other, person=person
    )

    panel = [members["panel-police"], members["panel-housing"]]
    conference = factories.conference(
        cases=[referral], invite=panel, present=panel, title=CONFERENCE_TITLE
    )
    item = conference.agenda.get()
    conference_services.research_file(
        actor=members["panel-police"],
        item_id=item.pk,
        facts=RESTRICTED_RESEARCH,
        opinion="",
        visibility="chair",
    )
    conference_services.research_file(
        actor=members["panel-housing"], item_id=item.pk, facts=PANEL_RESEARCH, opinion=""
    )
    conference_services.conference_open(actor=members["chair"], conference_id=conference.pk)
    conference_services.room_share(
        actor=members["panel-police"],
        conference_id=conference.pk,
        text=RESTRICTED_ENTRY,
        visibility="agencies",
        visible_agencies=[factories.agency("Thames Valley Police")],
    )
    conference_services.room_share(
        actor=members["panel-housing"], conference_id=conference.pk, text=PANEL_ENTRY
    )
    action = factories.action(conference=conference, item=item, description=ACTION_TEXT)

    forum = factories.oversight_body(
        partnerships=[factories.partnership(), neighbour],
        members=[factories.oversight_member(username=FORUM)],
    )
    factories.oversight_body(
        name="Buckinghamshire Hate Crime Forum (matrix)",
        slug="bucks-forum",
        partnerships=[neighbour],
        members=[factories.oversight_member(username=OTHER_FORUM)],
    )
    scrutiny = factories.scrutiny(
        body=forum, to=factories.partnership(), by=forum.members.get(), question=SCRUTINY_QUESTION
    )
    share = conference_services.person_share(
        actor=members["coordinator"],
        person=person,
        partnership=neighbour,
        basis="consent",
        reason="Followed home across the boundary.",
    )
    conference_services.person_share_withdraw(
        actor=members["coordinator"], share_id=share.pk, reason="The case closed."
    )
    # The incident's debrief, organised by the PPC (the CRRO and the REC invited), met and
    # recorded with one action for Housing's panel member.
    factories.duty_done(
        incident,
        "organise-debrief",
        by=members["ppc"],
        meeting=factories.debrief(invitees=[members["crro"], members["rec"]]),
    )
    yesterday = now - timedelta(days=1)
    Meeting.objects.filter(incident=incident).update(
        starts_at=yesterday, ends_at=yesterday + timedelta(hours=1)
    )
    debrief = review_services.debrief_record(
        actor=members["ppc"],
        debrief_id=Debrief.objects.get(incident=incident).pk,
        attendee_ids=[members["crro"].pk, members["rec"].pk],
        what_happened="Recorded in the matrix.",
        what_worked="Calls.",
        what_did_not_work="Nothing.",
        lessons=DEBRIEF_LESSONS,
        actions=[
            ActionPlan(
                description=PLAN_ACTION_TEXT,
                owner_id=members["panel-housing"].pk,
                due_on=timezone.localdate() + timedelta(days=7),
            )
        ],
    )
    # Its 14-day report, composed and not yet approved (what members should do is still blank).
    review_services.fourteen_day_compose(actor=members["coordinator"], incident=incident)
    # A six-monthly report produced on demand for the last month.
    today = timezone.localdate()
    six_monthly = review_services.six_monthly_produce(
        actor=members["coordinator"], start=today - timedelta(days=30), end=today
    )
    neighbours_incident = factories.incident(
        reporter=Member.objects.get(username=ELSEWHERE_COUNCIL),
        area=factories.area_new(name="Aylesbury (matrix)", within=neighbour),
        title="Leaflets at Southcourt (matrix)",
    )
    link = gold_services.incident_link_request(
        actor=members["coordinator"],
        incident=incident,
        other_partnership=neighbour,
        other_reference=neighbours_incident.reference,
        reason=LINK_REASON,
    )
    group = gold_services.gold_group_convene(
        actor=members["gold"],
        incident=incident,
        title="Operation Matrix",
        member_ids=[members["panel-police"].pk],
    )
    gold_services.decision_record(
        actor=members["gold"],
        group_id=group.pk,
        information="Intelligence.",
        threat_and_risk="Reprisals.",
        powers_and_policies="The protocol.",
        options=[
            {"option": "Reassure", "chosen": True},
            {"option": "Appeal", "chosen": False, "why": "Spreads it."},
        ],
        decision=DECISION_TEXT,
        rationale="Reaches those affected.",
        review_at=now + timedelta(days=1),
    )
    comms = gold_services.comms_propose(
        actor=members["gold"],
        group_id=group.pk,
        audiences="Worshippers",
        message=COMMS_MESSAGE,
        channel="meeting",
        approver_id=members["panel-police"].pk,
        send_at=now + timedelta(hours=2),
    )
    housing = members["panel-housing"]
    assert housing.agency is not None
    case_rule = casework_services.case_rule_add(
        actor=members["coordinator"], lead_agency=housing.agency, lead_officer=housing
    )
    not_major = factories.incident(title="Abuse at the bus stop, found not major")
    escalation_services.incident_determine(
        officer=members["officer"],
        incident_id=not_major.pk,
        is_major=False,
        rationale="One victim; no disorder.",
    )
    case = Case.objects.get(incident=not_major)
    casework_services.case_action_add(
        actor=members["coordinator"],
        case_id=case.pk,
        description=CASE_ACTION_TEXT,
        owner=housing,
        due_on=timezone.localdate() + timedelta(days=3),
    )
    centre = factories.agency_new(
        kind=AgencyKind.REPORTING_CENTRE, name="Milton Keynes Reporting Centre (matrix)"
    )
    factories.member(username=CENTRE, password=demo_password(), agency=centre)
    report = casework_services.report_receive(
        partnership=factories.partnership(),
        details=casework_services.ReportDetails(reporter_kind="witness", what_happened=REPORT_TEXT),
    )
    casework_services.information_share(
        actor=members["member"],
        text=SHARED_TEXT,
        source_grade="2",
        information_grade="C",
        area=area,
    )
    casework_services.tension_record(
        actor=members["crro"], area=area, level="elevated", reason="Leaflets.", source="Patrol"
    )
    casework_meeting = factories.conference(kind="casework", title="Casework group (matrix)")
    (case_review,) = casework_services.case_reviews_agenda(
        actor=members["coordinator"], conference_id=casework_meeting.pk
    )
    twice = [
        conference_services.person_create(actor=members["coordinator"], full_name=name)
        for name in ("Recorded Twice", "Recorded Twice Again")
    ]
    merge = conference_services.person_merge(
        actor=members["coordinator"], kept_id=twice[0].pk, merged_id=twice[1].pk, reason="Same."
    )
    members = {m.username: m for m in Member.objects.select_related("agency")}
    return MatrixWorld(
        members=members,
        incident=incident.pk,
        other_incident=other.pk,
        duty=duty.pk,
        notification=note.pk,
        person=person.pk,
        referral=referral.pk,
        flag=flag.pk,
        conference=conference.pk,
        agenda_item=item.pk,
        action=action.pk,
        area=area.pk,
        scrutiny=scrutiny.pk,
        share=share.pk,
        plan_action=debrief.actions.get().pk,
        six_monthly=six_monthly.pk,
        link=link.pk,
        gold_group=group.pk,
        comms=comms.pk,
        case=case.pk,
        case_task=case.tasks.get(kind="contact").pk,
        case_rule=case_rule.pk,
        merge=merge.pk,
        report=report.pk,
        casework_meeting=casework_meeting.pk,
        case_review=case_review.pk,
    )
