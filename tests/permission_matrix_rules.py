"""The permission matrix's specification: for every route of the project, which methods to try,
how to build its address, and who is let in, as the rules in each app's ``rules.py`` say.

The allowed sets are written out by hand from the rules (they are the specification);
``test_permission_matrix.test_allowed_sets_follow_the_rules`` checks each set against the
registered rule on the world's objects, so a rule that changes makes this file fail until it is
brought up to date. The world (``tests/world.py``: ``matrix_world``) is a small partnership built
through the services, with a distinctive marker string in every sensitive field: a response to
someone who may not see a field must not contain its marker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from casework.models import Case, CaseTask, PublicReport
from conference.models import (
    Action,
    AgendaItem,
    Conference,
    Person,
    PersonMerge,
    Referral,
    RepeatFlag,
)
from escalation.models import Duty, Incident
from gold.models import CommsItem, GoldGroup, IncidentLink
from notifications.models import Notification
from oversight.models import ScrutinyRequest
from partnership.auth import token_issue
from partnership.demo import MEMBERS
from partnership.models import Member, Role
from review.models import Debrief, PlanAction
from tests.world import (
    ACTION_TEXT,
    CASE_ACTION_TEXT,
    CENTRE,
    COMMS_MESSAGE,
    CONFERENCE_TITLE,
    CONSENT_NOTES,
    DEBRIEF_LESSONS,
    DECISION_TEXT,
    ELSEWHERE,
    ELSEWHERE_COUNCIL,
    ELSEWHERE_POLICE,
    FORUM,
    INCIDENT_DESCRIPTION,
    INCIDENT_TITLE,
    LINK_REASON,
    NO_AGENCY,
    NOTE_BODY,
    OTHER_INCIDENT_TITLE,
    OUTSIDER,
    OVERSEERS,
    PANEL_ENTRY,
    PANEL_RESEARCH,
    PLAN_ACTION_TEXT,
    RATIONALE,
    REFERRAL_SUMMARY,
    REPORT_TEXT,
    RESTRICTED_ENTRY,
    RESTRICTED_RESEARCH,
    SAFE_CONTACT,
    SCRUTINY_QUESTION,
    SHARED_TEXT,
    SITUATION_REPORT_BODY,
    VICTIM_NAME,
    MatrixWorld,
)

# --- Who is checked ------------------------------------------------------------------------------
ANONYMOUS = "anonymous"
DEMO_USERS = tuple(spec.username for spec in MEMBERS)
USERS = (*DEMO_USERS, OUTSIDER, NO_AGENCY, *ELSEWHERE, *OVERSEERS, CENTRE)
EVERYONE = (ANONYMOUS, *USERS)


def _users(*names: str) -> frozenset[str]:
    unknown = set(names) - set(EVERYONE)
    if unknown:
        raise ValueError(f"not a user of the matrix: {sorted(unknown)}")
    return frozenset(names)


# --- The allowed sets, from the rules -----------------------------------------------------------
# Deputies act in the role they deputise (Member.has_role): ppc acts as the CRRO and
# coordinator2 as the CSP Co-ordinator, so they are in every set their principal is in.
PUBLIC = frozenset(EVERYONE)
SIGNED_IN = frozenset(USERS)
# in_partnership(member) or is_admin(member): everyone with an active agency, in their own
# partnership (a page or list with no record of the demo's in it).
PARTNERSHIP = SIGNED_IN - {NO_AGENCY} - set(OVERSEERS)
# The members of another partnership hold every role there: every door that opens on no
# particular record opens for them too (on their own partnership's board, flags, reports...),
# and none that opens on a record of the demo partnership does. ``anywhere`` marks the first.
OTHER_PARTNERSHIP = frozenset(ELSEWHERE)
# A record of the demo partnership: only its own members.
HERE = PARTNERSHIP - OTHER_PARTNERSHIP


def anywhere(allowed: frozenset[str]) -> frozenset[str]:
    """``allowed`` in the demo partnership, and the other partnership's members in theirs."""
    return allowed | OTHER_PARTNERSHIP


POLICE = _users("officer", "crro", "ppc", "panel-police", "gold")
# escalation.rules._sees_all: administrators, SEES_EVERY_INCIDENT roles and every police member.
SEES_EVERY_INCIDENT = POLICE | _users("coordinator", "coordinator2", "chief", "admin")
# incident.view on the world's incident: those above, plus the REC, told by a situation report,
# and Housing's panel member, told of the action they own from its debrief.
INCIDENT_VIEW = SEES_EVERY_INCIDENT | _users("rec", "panel-housing")
# incident.view on the other incident: those who see every incident, and Victim Support's member
# who reported it.
OTHER_INCIDENT_VIEW = SEES_EVERY_INCIDENT | _users("member")
# incident.board: administrators and RUNS_THE_BOARD.
BOARD = _users("officer", "crro", "ppc", "coordinator", "coordinator2", "gold", "admin")
SENIOR_OFFICER = _users("officer")  # incident.assess / determine / stand_down
CSP_COORDINATOR = _users("coordinator", "coordinator2")  # duty.waive, flag.manage, ...
CLOSES = SENIOR_OFFICER | CSP_COORDINATOR  # incident.close
LINKS = _users("officer", "crro", "ppc", "coordinator", "coordinator2")  # incident.link
SITUATION_REPORT = _users("crro", "ppc", "coordinator", "coordinator2")
OWNS_INFORM_REC = _users("crro", "ppc")  # duty.complete on the CRRO's duty
# incident.timeline and compliance.view: administrators, gold, CSP Co-ordinator, senior officer.
REVIEWS_INCIDENTS = _users("admin", "gold", "coordinator", "coordinator2", "officer")
# report.view: administrators, gold, CSP Co-ordinator, CCSP members, the Council chief officer.
REPORT = _users("admin", "gold", "coordinator", "coordinator2", "rec", "member", "chief")
ACCESS_LOG = _users("admin", "gold")  # access_log.view
DIRECTORY_MANAGE = _users("admin")  # directory.manage (Django admin)
# person.view on the world's person (people_visible): SEES_EVERY_CASE (CSP Co-ordinator, chair,
# gold), who created and referred them (Victim Support's member) and the invited panel.
PERSON_VIEW = _users(
    "coordinator", "coordinator2", "chair", "gold", "member", "panel-police", "panel-housing"
)
# person.timeline needs person.view first: administrators may read a case's timeline by the rule
# but see no person, so they never reach it.
PERSON_TIMELINE = _users("coordinator", "coordinator2", "gold")
# conference.view: who runs it, the invited panel, CSP Co-ordinator and gold.
CONFERENCE_VIEW = _users(
    "chair", "coordinator", "coordinator2", "gold", "panel-police", "panel-housing"
)
# conference.attend (and research.file, room.share while in session): who runs it and the invited.
CONFERENCE_ATTEND = _users("chair", "coordinator", "panel-police", "panel-housing")
CHAIR = _users("chair")  # conference.chair
# minutes.correct: who runs the conference (its chair, and the CSP Co-ordinator who arranged it).
RUNS_CONFERENCE = _users("chair", "coordinator")
# Recording attendance: the chair, or conference.manage (services.attendance_record).
RECORDS_ATTENDANCE = CHAIR | CSP_COORDINATOR
# action.complete on the world's action: its owner (Housing's panel member) or the CSP Co-ordinator.
ACTION_COMPLETE = _users("panel-housing", "coordinator", "coordinator2")
NOTE_RECIPIENT = _users("crro")  # notification.answer on the CRRO's notification
# member.view_contact of Police's panel member: administrators, the co-ordinating roles, and
# their own agency.
CONTACT_OF_POLICE = POLICE | _users("coordinator", "coordinator2", "admin")
# visible_to() for the restricted research (chair only) and room entry (police only), both by
# Police's panel member: who runs the conference, and the author.
SEES_RESTRICTED = _users("chair", "coordinator", "panel-police")
# visible_to() for what Housing's panel member shared with the whole panel: who runs the
# conference, the invited panel and the gold group (not the deputy co-ordinator, who may view the
# conference but is not on its panel).
SEES_PANEL = _users("chair", "coordinator", "panel-police", "panel-housing", "gold")


# Oversight (oversight/rules.py). oversight.view and scrutiny.send: the members of a body, each
# on their own body's figures. scrutiny.list: they and whoever reads a partnership's own figures
# (report.view), each on their own partnership's requests. The world's request goes from the
# forum to the demo partnership: the forum's member and the demo's report readers may read it
# (scrutiny.view), its CSP Co-ordinator (and deputy) answer it, the forum closes it.
OVERSIGHT = _users(*OVERSEERS)
SCRUTINY_LIST = OVERSIGHT | anywhere(REPORT)
SCRUTINY_VIEW = _users(FORUM) | REPORT
SCRUTINY_CLOSE = _users(FORUM)

# The incident's debrief (review/selectors.py debrief_for): who sees the incident, and who was
# invited, attended or owns one of its actions (all of whom were told of it, so see it anyway).
# debrief.record: its organiser (the PPC) and the CSP Co-ordinator (and deputy).
# plan_action.complete on the world's action: its owner (Housing's panel member) and the CSP
# Co-ordinator.
DEBRIEF_VIEW = INCIDENT_VIEW
DEBRIEF_RECORD = _users("ppc", "coordinator", "coordinator2")
PLAN_ACTION_COMPLETE = _users("panel-housing", "coordinator", "coordinator2")
# Gold (gold/rules.py). The world's link joins the demo's incident and the neighbour's, asked for
# by the demo's CSP Co-ordinator and awaiting the neighbour's answer. incident_link.view: whoever
# sees their own side's incident (INCIDENT_VIEW here; the neighbour's two members, who hold every
# role there); never the member of a third partnership, whatever their roles.
NEIGHBOURS = _users(ELSEWHERE_POLICE, ELSEWHERE_COUNCIL)
LINK_VIEW = INCIDENT_VIEW | NEIGHBOURS
LINK_REQUEST = CSP_COORDINATOR  # incident_link.request on the demo's incident
LINK_ANSWER = NEIGHBOURS  # incident_link.answer: the partnership asked
LINK_UNLINK = CSP_COORDINATOR | NEIGHBOURS  # incident_link.unlink: either side's co-ordinator
# The world's gold group: convened by gold for the demo's incident, Police's panel member seated.
# gold_group.convene: gold and the CSP Co-ordinator (who see the incident). gold_group.view: its
# seats and the convening partnership's CSP Co-ordinator. gold_group.share: a seated gold
# commander or co-ordinator. decision.record: its seats.
CONVENES = _users("gold", "coordinator", "coordinator2")
GROUP_SEATS = _users("gold", "panel-police")
GROUP_VIEW = GROUP_SEATS | CSP_COORDINATOR
GROUP_SHARE = _users("gold")
# gold_group.seat and gold_group.stand_down: a seated gold commander or co-ordinator, or the
# convening partnership's CSP Co-ordinator (deputy acting in the role).
GROUP_LEADS = _users("gold") | CSP_COORDINATOR
COMMS_APPROVER = _users("panel-police")  # comms.approve: the approver named, seated
# Casework (casework/rules.py). case.view on the world's case: SEES_EVERY_CASE (the CSP
# Co-ordinator, the CRRO, gold; deputies act in the role: coordinator2, ppc) and its lead officer
# (Housing's panel member, who also owns its action). case.work and case_task.complete: the lead
# officer and the CSP Co-ordinator (and deputy). case.manage: the CSP Co-ordinator, each in their
# own partnership.
CASE_VIEW = _users("coordinator", "coordinator2", "crro", "ppc", "gold", "panel-housing")
CASE_WORK = _users("coordinator", "coordinator2", "panel-housing")
# conference.view on the world's casework group meeting: who runs it (the chair, the CSP
# Co-ordinator who arranged it), the case's lead officer (invited when the case was put on its
# agenda), the CSP Co-ordinator's deputy and gold. conference.chair records an outcome there.
CASEWORK_MEETING_VIEW = _users("chair", "coordinator", "coordinator2", "gold", "panel-housing")
# The intake queue: read by the CSP Co-ordinator and the CRRO (and deputies), triaged by the CSP
# Co-ordinator; reports for someone else are filed by a reporting centre's members.
INTAKE_VIEW = _users("coordinator", "coordinator2", "crro", "ppc")
FILES_REPORTS = _users(CENTRE)
# Shared information: anyone in a partnership shares; the CRRO, the CSP Co-ordinator and gold (and
# the deputies) read. Tension: everyone in a partnership reads, the CRRO and co-ordinator record.
READS_INFORMATION = _users("crro", "ppc", "coordinator", "coordinator2", "gold")
RECORDS_TENSION = _users("crro", "ppc", "coordinator", "coordinator2")


# --- The world's markers, and who may see each ---------------------------------------------------
# Who may see each marker anywhere: any response to anyone else must not contain it.
MARKERS: dict[str, frozenset[str]] = {
    VICTIM_NAME: PERSON_VIEW,
    SAFE_CONTACT: PERSON_VIEW,
    REFERRAL_SUMMARY: PERSON_VIEW,
    CONSENT_NOTES: PERSON_VIEW,
    INCIDENT_TITLE: INCIDENT_VIEW,
    INCIDENT_DESCRIPTION: INCIDENT_VIEW,
    RATIONALE: INCIDENT_VIEW,
    OTHER_INCIDENT_TITLE: OTHER_INCIDENT_VIEW,
    SITUATION_REPORT_BODY: INCIDENT_VIEW,
    NOTE_BODY: NOTE_RECIPIENT,
    RESTRICTED_RESEARCH: SEES_RESTRICTED,
    RESTRICTED_ENTRY: SEES_RESTRICTED,
    PANEL_RESEARCH: SEES_PANEL,
    PANEL_ENTRY: SEES_PANEL,
    ACTION_TEXT: CONFERENCE_VIEW,
    CONFERENCE_TITLE: CONFERENCE_VIEW,
    "panel-police@demo.invalid": CONTACT_OF_POLICE,
    SCRUTINY_QUESTION: SCRUTINY_VIEW,
    DEBRIEF_LESSONS: DEBRIEF_VIEW,
    PLAN_ACTION_TEXT: DEBRIEF_VIEW,
    LINK_REASON: LINK_VIEW,
    # The decision is on the partnership's timeline too, which its readers review.
    DECISION_TEXT: GROUP_VIEW | REVIEWS_INCIDENTS,
    COMMS_MESSAGE: GROUP_VIEW | REVIEWS_INCIDENTS,
    CASE_ACTION_TEXT: CASE_VIEW,
    REPORT_TEXT: INTAKE_VIEW,
    # The world's information was shared by Victim Support's member, who sees what they shared.
    SHARED_TEXT: READS_INFORMATION | _users("member"),
}


# --- Routes --------------------------------------------------------------------------------------
Kwargs = Callable[[MatrixWorld], dict[str, Any]]
Body = Callable[[MatrixWorld], dict[str, Any]]


def _none(world: MatrixWorld) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Door:
    """One method of one route: who is let in, and what to send."""

    allowed: frozenset[str]
    body: Body = _none
    query: str = ""
    # Statuses that mean "let in" although they are 4xx: a bad signed token is a 400 for anyone.
    let_in: frozenset[int] = frozenset()


@dataclass(frozen=True)
class RouteRule:
    doors: dict[str, Door]
    kwargs: Kwargs = _none
    # Throttled by address: the throttle is cleared before each request so it never answers.
    throttled: bool = False
    note: str = ""


def get(allowed: frozenset[str], *, query: str = "", let_in: frozenset[int] = frozenset()) -> Door:
    return Door(allowed=allowed, query=query, let_in=let_in)


def post(
    allowed: frozenset[str], body: Body = _none, *, let_in: frozenset[int] = frozenset()
) -> Door:
    return Door(allowed=allowed, body=body, let_in=let_in)


def _incident(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.incident}


def _duty(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.duty}


def _notification(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.notification}


def _person(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.person}


def _share(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.person, "share_pk": world.share}


def _referral(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.referral}


def _flag(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.flag}


def _conference(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.conference}


def _item(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.agenda_item}


def _action(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.action}


def _scrutiny(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.scrutiny}


def _casework_meeting(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.casework_meeting}


def _case_review(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.case_review}


def _plan_action(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.plan_action}


def _six_monthly(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.six_monthly}


def _case(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.case}


def _case_task(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.case_task}


def _case_rule(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.case_rule}


def _merge(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.merge}


def _area(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.area}


def _report(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.report}


def _link(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.link}


def _link_again(world: MatrixWorld, partnership: Any) -> dict[str, Any]:
    """Asking again for the world's pair (answered 409 while its request awaits an answer)."""
    link = IncidentLink.objects.select_related("other_incident", "other_partnership").get(
        pk=world.link
    )
    return {
        "partnership": partnership(link.other_partnership),
        "reference": link.other_incident.reference,
        "reason": "Again.",
    }


def _gold_group(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.gold_group}


def _comms(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.comms}


def _member(world: MatrixWorld) -> dict[str, Any]:
    return {"pk": world.pk("panel-police")}


def _police_panel_token(world: MatrixWorld) -> dict[str, Any]:
    # Issued inside the test's own transaction, so each route's check starts with a live token.
    return {"ref": token_issue(member=world.members["panel-police"]).token.ref}


def _later(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


# Bodies: pages get an empty form (a 400 proves the door opened); the API gets a valid body
# wherever the view validates it before asking the rule, so that the rule is what answers.
RULES: dict[str, RouteRule] = {
    # --- Signing in, health ---------------------------------------------------------------------
    "login": RouteRule(
        {"GET": get(PUBLIC), "POST": post(PUBLIC)},
        throttled=True,
        note="Signed-in members are sent on (302); an empty form is a 400.",
    ),
    "second-factor": RouteRule(
        {"GET": get(PUBLIC), "POST": post(PUBLIC)},
        note="Without a pending sign-in it sends everyone back to the sign-in page.",
    ),
    "logout": RouteRule({"POST": post(PUBLIC)}, note="GET is not offered (405)."),
    # --- One's own account: tokens and second factor ---------------------------------------------
    "account-tokens": RouteRule({"GET": get(SIGNED_IN)}, note="One's own tokens only."),
    "account-token-revoke": RouteRule(
        {"POST": post(_users("panel-police"))},
        _police_panel_token,
        note="Only the holder may revoke a token; to anyone else it does not exist (404).",
    ),
    "account-second-factor": RouteRule(
        {"GET": get(SIGNED_IN), "POST": post(SIGNED_IN)},
        note="One's own second factor; an empty form is a 400.",
    ),
    "admin-login": RouteRule(
        {"GET": get(_users(ANONYMOUS) | anywhere(DIRECTORY_MANAGE))},
        note="Signed out: the one sign-in page; an administrator: the admin; anyone else a 403 "
        "that says why (it used to send them round between the admin and the sign-in page).",
    ),
    "healthz": RouteRule({"GET": get(PUBLIC)}),
    "home": RouteRule({"GET": get(SIGNED_IN)}),
    "home-worklist": RouteRule({"GET": get(PARTNERSHIP)}),  # worklist.view
    "directory": RouteRule({"GET": get(PARTNERSHIP)}),  # directory.view
    "partnership-choose": RouteRule(
        {"GET": get(SIGNED_IN), "POST": post(SIGNED_IN)},
        note="Choosing one's own partnership; an empty form is a 400.",
    ),
    # --- The calendar of working days (pages) ---------------------------------------------------
    "calendar": RouteRule({"GET": get(PARTNERSHIP)}),  # calendar.view
    "calendar-day-add": RouteRule({"POST": post(anywhere(DIRECTORY_MANAGE))}),  # calendar.manage
    "calendar-day-remove": RouteRule({"POST": post(anywhere(DIRECTORY_MANAGE))}),  # calendar.manage
    # --- Incidents (pages) ----------------------------------------------------------------------
    "incident-list": RouteRule({"GET": get(PARTNERSHIP)}),  # incident.list, filtered
    "incident-report": RouteRule({"GET": get(PARTNERSHIP), "POST": post(PARTNERSHIP)}),
    "incident-detail": RouteRule({"GET": get(INCIDENT_VIEW)}, _incident),
    "incident-determine": RouteRule(
        {"GET": get(SENIOR_OFFICER), "POST": post(SENIOR_OFFICER)}, _incident
    ),
    "incident-assess": RouteRule({"POST": post(SENIOR_OFFICER)}, _incident),
    "incident-stand-down": RouteRule({"POST": post(SENIOR_OFFICER)}, _incident),
    "incident-close": RouteRule({"POST": post(CLOSES)}, _incident),
    "incident-situation-report": RouteRule({"POST": post(SITUATION_REPORT)}, _incident),
    "duty-complete": RouteRule({"POST": post(OWNS_INFORM_REC)}, _duty),
    "duty-waive": RouteRule({"POST": post(CSP_COORDINATOR)}, _duty),
    "incident-board": RouteRule({"GET": get(anywhere(BOARD))}),
    "incident-board-fragment": RouteRule({"GET": get(anywhere(BOARD))}),
    # --- Notifications (pages) ------------------------------------------------------------------
    "notification-ack-link": RouteRule(
        {
            "GET": get(PUBLIC, let_in=frozenset({400})),
            "POST": post(PUBLIC, let_in=frozenset({400})),
        },
        lambda world: {"token": "not-a-signed-token"},
        note="The signed token is the credential (emailed to the recipient only).",
    ),
    "inbox": RouteRule({"GET": get(SIGNED_IN)}),  # one's own notifications
    "notification-acknowledge": RouteRule({"POST": post(NOTE_RECIPIENT)}, _notification),
    "notification-reply": RouteRule(
        {"POST": post(NOTE_RECIPIENT, lambda world: {"kind": "confirm", "text": "Noted."})},
        _notification,
        note="The form is checked before the recipient: a valid reply reaches the rule.",
    ),
    "notification-channels": RouteRule({"GET": get(SIGNED_IN), "POST": post(SIGNED_IN)}),
    # --- People, flags, referrals (pages) -------------------------------------------------------
    "person-list": RouteRule({"GET": get(PARTNERSHIP)}),  # person.create, filtered by person.view
    "person-create": RouteRule({"GET": get(PARTNERSHIP), "POST": post(PARTNERSHIP)}),
    "person-detail": RouteRule({"GET": get(PERSON_VIEW)}, _person),
    # person.link is any partnership member, but the page shows the record: person.view first.
    "person-link": RouteRule({"POST": post(PERSON_VIEW)}, _person),
    # person.share: the CSP Co-ordinator of the partnership holding the record (and deputy). The
    # world's share (with the neighbour) is withdrawn, so the neighbour's members see nothing.
    "person-share": RouteRule({"POST": post(CSP_COORDINATOR)}, _person),
    "person-share-withdraw": RouteRule({"POST": post(CSP_COORDINATOR)}, _share),
    "flag-list": RouteRule({"GET": get(anywhere(CSP_COORDINATOR))}),
    "person-duplicates": RouteRule({"GET": get(anywhere(CSP_COORDINATOR))}),  # person.merge
    "person-merge": RouteRule({"POST": post(anywhere(CSP_COORDINATOR))}),
    "person-merge-undo": RouteRule({"POST": post(CSP_COORDINATOR)}, _merge),
    "flag-dismiss": RouteRule({"POST": post(CSP_COORDINATOR)}, _flag),
    "referral-list": RouteRule({"GET": get(PARTNERSHIP)}),  # referral.create, filtered
    "referral-create": RouteRule({"GET": get(PARTNERSHIP), "POST": post(PARTNERSHIP)}),
    "referral-detail": RouteRule({"GET": get(PERSON_VIEW)}, _referral),  # referral.view
    # --- Conferences (pages) --------------------------------------------------------------------
    "conference-list": RouteRule(
        {"GET": get(SIGNED_IN)}, note="Filtered by conference.view; no rule for the list itself."
    ),
    "conference-create": RouteRule(
        {"GET": get(anywhere(CSP_COORDINATOR)), "POST": post(anywhere(CSP_COORDINATOR))}
    ),
    "conference-detail": RouteRule({"GET": get(CONFERENCE_VIEW)}, _conference),
    "conference-agenda-add": RouteRule({"POST": post(CSP_COORDINATOR)}, _conference),
    "conference-invite": RouteRule({"POST": post(CSP_COORDINATOR)}, _conference),
    "conference-attendance": RouteRule({"POST": post(RECORDS_ATTENDANCE)}, _conference),
    "conference-room": RouteRule({"GET": get(CONFERENCE_ATTEND)}, _conference),
    "conference-minutes": RouteRule({"GET": get(CONFERENCE_VIEW)}, _conference),
    "conference-minutes-download": RouteRule({"GET": get(CONFERENCE_VIEW)}, _conference),
    "conference-minutes-pdf": RouteRule({"GET": get(CONFERENCE_VIEW)}, _conference),
    # minutes.correct; the world's conference is in session, so those let in are told 400/409.
    "conference-minutes-correct": RouteRule({"POST": post(RUNS_CONFERENCE)}, _conference),
    "research-file": RouteRule(
        {"GET": get(CONFERENCE_VIEW), "POST": post(CONFERENCE_ATTEND)},  # research.file
        _item,
    ),
    "action-list": RouteRule(
        {"GET": get(SIGNED_IN)}, note="One's own actions (and all, for conference.manage)."
    ),
    "action-complete": RouteRule({"POST": post(ACTION_COMPLETE)}, _action),
    # --- Casework (pages) -----------------------------------------------------------------------
    "case-list": RouteRule({"GET": get(PARTNERSHIP)}, note="Filtered by case.view."),
    "case-open": RouteRule({"POST": post(anywhere(CSP_COORDINATOR))}),  # case.manage
    "case-rules": RouteRule({"GET": get(anywhere(CSP_COORDINATOR))}),
    "case-rule-add": RouteRule({"POST": post(anywhere(CSP_COORDINATOR))}),
    "case-rule-remove": RouteRule(
        {"POST": post(CSP_COORDINATOR)}, _case_rule, note="Removed once; again is a 409."
    ),
    "case-standard-set": RouteRule({"POST": post(anywhere(CSP_COORDINATOR))}),
    "case-detail": RouteRule({"GET": get(CASE_VIEW)}, _case),
    "case-action-add": RouteRule({"POST": post(CASE_WORK)}, _case),
    "case-risk": RouteRule({"POST": post(CASE_WORK)}, _case),
    "case-lead": RouteRule({"POST": post(CSP_COORDINATOR)}, _case),  # case.manage
    "case-close": RouteRule({"POST": post(CASE_WORK)}, _case),
    "case-put-to-officer": RouteRule({"POST": post(CASE_WORK)}, _case),
    "case-refer": RouteRule({"POST": post(CASE_WORK)}, _case),
    "case-task-complete": RouteRule({"POST": post(CASE_WORK)}, _case_task),
    "case-reopen": RouteRule({"POST": post(CSP_COORDINATOR)}, _case),  # case.manage
    "case-reviews": RouteRule({"GET": get(PARTNERSHIP)}, note="Filtered by case.view."),
    "case-review-meeting": RouteRule({"GET": get(CASEWORK_MEETING_VIEW)}, _casework_meeting),
    # conference.manage; the world's case is on the agenda already, so those let in are told 409.
    "case-review-agenda": RouteRule({"POST": post(CSP_COORDINATOR)}, _casework_meeting),
    "case-review-outcome": RouteRule({"POST": post(CHAIR)}, _case_review),  # conference.chair
    # --- Reports from anyone (pages) -------------------------------------------------------------
    "report-public": RouteRule(
        {"GET": get(PUBLIC), "POST": post(PUBLIC)}, throttled=True, note="No sign-in."
    ),
    "report-received": RouteRule(
        {"GET": get(frozenset())},
        lambda world: {"receipt": "6f1c3b1e-8d7a-4c1e-9a53-2f4b8f1d0c11"},
        note="A receipt opens only in the session of the browser that sent the report (404).",
    ),
    "report-more": RouteRule(
        {"GET": get(PUBLIC), "POST": post(PUBLIC)}, throttled=True, note="No sign-in."
    ),
    "report-centre": RouteRule({"GET": get(FILES_REPORTS), "POST": post(FILES_REPORTS)}),
    "intake-list": RouteRule({"GET": get(anywhere(INTAKE_VIEW))}),
    "intake-detail": RouteRule({"GET": get(INTAKE_VIEW)}, _report),
    "intake-triage": RouteRule({"POST": post(CSP_COORDINATOR)}, _report),
    # --- Shared information and tension (pages) --------------------------------------------------
    "information": RouteRule({"GET": get(PARTNERSHIP)}, note="The list for readers only."),
    "information-share": RouteRule({"POST": post(PARTNERSHIP)}),
    "tension": RouteRule({"GET": get(PARTNERSHIP)}),
    "tension-record": RouteRule({"POST": post(anywhere(RECORDS_TENSION))}),
    "tension-board": RouteRule({"GET": get(PARTNERSHIP)}),  # the board's panel, fetched live
    "tension-area": RouteRule(
        {"GET": get(HERE)}, _area, note="An area of the demo: 404 elsewhere."
    ),
    # --- Review pages ---------------------------------------------------------------------------
    "incident-timeline": RouteRule({"GET": get(REVIEWS_INCIDENTS)}, _incident),
    "incident-timeline-export": RouteRule(
        {"GET": get(REVIEWS_INCIDENTS, query="as=csv")}, _incident
    ),
    "person-timeline": RouteRule({"GET": get(PERSON_TIMELINE)}, _person),
    "person-timeline-export": RouteRule({"GET": get(PERSON_TIMELINE, query="as=csv")}, _person),
    "compliance": RouteRule({"GET": get(anywhere(REVIEWS_INCIDENTS))}),
    "partnership-report": RouteRule({"GET": get(anywhere(REPORT))}),
    "partnership-report-csv": RouteRule({"GET": get(anywhere(REPORT))}),
    "access-log": RouteRule({"GET": get(anywhere(ACCESS_LOG))}),
    # The debrief's record: recorded already, so an empty form is a 400 for those let in.
    "debrief": RouteRule({"GET": get(DEBRIEF_VIEW), "POST": post(DEBRIEF_RECORD)}, _incident),
    "debrief-action-add": RouteRule({"POST": post(DEBRIEF_RECORD)}, _incident),
    "plan-action-complete": RouteRule({"POST": post(PLAN_ACTION_COMPLETE)}, _plan_action),
    # The 14-day report: a draft (composed already: composing again is a 409; approving it
    # without what members should do is a 400; its PDF is made on approval: a 409 till then).
    "fourteen-day-report": RouteRule(
        {"GET": get(INCIDENT_VIEW), "POST": post(CSP_COORDINATOR)}, _incident
    ),
    "fourteen-day-compose": RouteRule({"POST": post(CSP_COORDINATOR)}, _incident),
    "fourteen-day-approve": RouteRule({"POST": post(CSP_COORDINATOR)}, _incident),
    # The strategy action plan (strategy.view: every member, in their own partnership;
    # strategy.manage: the CSP Co-ordinator; plan_action.note: the action's owner and the
    # co-ordinator). Empty forms are a 400.
    "strategy-plan": RouteRule({"GET": get(PARTNERSHIP), "POST": post(anywhere(CSP_COORDINATOR))}),
    "plan-action-note": RouteRule({"POST": post(PLAN_ACTION_COMPLETE)}, _plan_action),
    # Six-monthly reports (six_monthly.view: every member, in their own partnership;
    # six_monthly.produce: the CSP Co-ordinator, and an empty form is a 400).
    "six-monthly-list": RouteRule(
        {"GET": get(PARTNERSHIP), "POST": post(anywhere(CSP_COORDINATOR))}
    ),
    "six-monthly-report": RouteRule({"GET": get(HERE)}, _six_monthly),
    "six-monthly-report-pdf": RouteRule({"GET": get(HERE)}, _six_monthly),
    "six-monthly-report-csv": RouteRule({"GET": get(HERE)}, _six_monthly),
    "fourteen-day-report-pdf": RouteRule(
        {"GET": get(INCIDENT_VIEW, let_in=frozenset({409}))}, _incident
    ),
    # --- Oversight pages ------------------------------------------------------------------------
    "oversight": RouteRule({"GET": get(OVERSIGHT)}, note="Each member's own body's figures."),
    "oversight-csv": RouteRule({"GET": get(OVERSIGHT)}),
    "scrutiny-list": RouteRule(
        {"GET": get(SCRUTINY_LIST), "POST": post(OVERSIGHT)},
        note="Sending is for a body's members; an empty form is a 400.",
    ),
    "scrutiny-detail": RouteRule({"GET": get(SCRUTINY_VIEW)}, _scrutiny),
    "scrutiny-answer": RouteRule({"POST": post(CSP_COORDINATOR)}, _scrutiny),
    "scrutiny-close": RouteRule(
        {"POST": post(SCRUTINY_CLOSE)}, _scrutiny, note="Unanswered: a 409 for the forum."
    ),
    # --- Incidents connected across partnerships (gold) ----------------------------------------
    "gold-links": RouteRule({"GET": get(PARTNERSHIP)}, note="Each sees their partnership's links."),
    "gold-link": RouteRule({"GET": get(LINK_VIEW)}, _link),
    "gold-link-agree": RouteRule({"POST": post(LINK_ANSWER)}, _link),
    "gold-link-decline": RouteRule(
        {"POST": post(LINK_ANSWER, lambda world: {"reason": "Not connected."})}, _link
    ),
    "gold-link-unlink": RouteRule(
        {"POST": post(LINK_UNLINK, lambda world: {"reason": "Over."})},
        _link,
        note="Not yet agreed: a 409 for the co-ordinators.",
    ),
    "gold-incident-links": RouteRule(
        {
            "GET": get(INCIDENT_VIEW),
            "POST": post(LINK_REQUEST, lambda world: _link_again(world, lambda p: p.pk)),
        },
        _incident,
        note="The pair is already asked for: a 409 for the co-ordinators.",
    ),
    "gold-groups": RouteRule({"GET": get(PARTNERSHIP)}),
    "gold-group-convene": RouteRule(
        {"GET": get(CONVENES), "POST": post(CONVENES)},
        _incident,
        note="An empty form is a 400.",
    ),
    "gold-group": RouteRule({"GET": get(GROUP_VIEW)}, _gold_group),
    "gold-group-share": RouteRule({"POST": post(GROUP_SHARE)}, _gold_group),
    "gold-group-decide": RouteRule(
        {"POST": post(GROUP_SEATS)}, _gold_group, note="An empty form is a 400."
    ),
    "gold-group-comms": RouteRule(
        {"POST": post(GROUP_SEATS)}, _gold_group, note="An empty form is a 400."
    ),
    "gold-group-seat": RouteRule(
        {"POST": post(GROUP_LEADS)}, _gold_group, note="Nobody chosen is a 400."
    ),
    "gold-group-stand-down": RouteRule(
        {"POST": post(GROUP_LEADS)}, _gold_group, note="No reason is a 400."
    ),
    "gold-comms-approve": RouteRule({"POST": post(COMMS_APPROVER)}, _comms),
    "gold-comms-sent": RouteRule(
        {"POST": post(GROUP_SEATS)}, _comms, note="Not yet approved: a 409 for the members."
    ),
    "gold-comms-answer": RouteRule(
        {"POST": post(GROUP_SEATS)}, _comms, note="An empty answer is a 400."
    ),
    # --- API: authentication and directory ------------------------------------------------------
    "api-token": RouteRule(
        {
            "POST": post(
                PUBLIC,
                lambda world: {"username": "officer", "password": "not-the-password"},
                let_in=frozenset({401}),
            )
        },
        throttled=True,
        note="Wrong credentials are a 401 for anyone; it is the way in, not a door.",
    ),
    "api-me": RouteRule({"GET": get(SIGNED_IN)}),
    "api-tokens": RouteRule({"GET": get(SIGNED_IN)}, note="One's own tokens only."),
    "api-token-revoke": RouteRule(
        {"POST": post(_users("panel-police"))},
        _police_panel_token,
        note="Only the holder may revoke a token; to anyone else it does not exist (404).",
    ),
    "api-agencies": RouteRule({"GET": get(PARTNERSHIP)}),
    "api-members": RouteRule({"GET": get(PARTNERSHIP)}),
    "api-member": RouteRule({"GET": get(HERE)}, _member),
    "api-schema": RouteRule({"GET": get(SIGNED_IN)}),
    # --- API: the calendar of working days ------------------------------------------------------
    "api-calendars": RouteRule({"GET": get(PARTNERSHIP)}),  # calendar.view
    "api-calendar-days": RouteRule(
        {
            "GET": get(PARTNERSHIP, query="year=2026"),
            "POST": post(  # calendar.manage
                anywhere(DIRECTORY_MANAGE),
                lambda world: {"date": "2026-06-15", "title": "Extra day", "reason": "Proclaimed."},
            ),
        },
        lambda world: {"division": "scotland"},
    ),
    "api-calendar-day-remove": RouteRule(
        {
            "POST": post(
                anywhere(DIRECTORY_MANAGE),
                lambda world: {"date": "2026-12-25", "reason": "Moved."},
            )
        },
        lambda world: {"division": "scotland"},
    ),
    "api-docs": RouteRule({"GET": get(SIGNED_IN)}),
    # --- API: incidents and duties --------------------------------------------------------------
    "api-incidents": RouteRule({"GET": get(PARTNERSHIP), "POST": post(PARTNERSHIP)}),
    "api-incident": RouteRule({"GET": get(INCIDENT_VIEW)}, _incident),
    "api-incident-determination": RouteRule(
        {"POST": post(SENIOR_OFFICER, lambda world: {"is_major": True, "rationale": "Again."})},
        _incident,
    ),
    "api-incident-stand-down": RouteRule(
        {"POST": post(SENIOR_OFFICER, lambda world: {"reason": "Calm again."})}, _incident
    ),
    "api-incident-close": RouteRule({"POST": post(CLOSES)}, _incident),
    "api-incident-duties": RouteRule({"GET": get(INCIDENT_VIEW)}, _incident),
    "api-duty-complete": RouteRule({"POST": post(OWNS_INFORM_REC)}, _duty),
    "api-duty-waive": RouteRule(
        {"POST": post(CSP_COORDINATOR, lambda world: {"reason": "Done by phone."})}, _duty
    ),
    "api-incident-links": RouteRule(
        {"POST": post(LINKS, lambda world: {"other_id": world.other_incident})}, _incident
    ),
    "api-incident-situation-reports": RouteRule(
        {
            "GET": get(INCIDENT_VIEW),
            "POST": post(
                SITUATION_REPORT,
                lambda world: {
                    "audiences": [f"role:{Role.CRRO}"],
                    "purposes": ["situation"],
                    "message": "Update.",
                },
            ),
        },
        _incident,
    ),
    # --- API: incidents connected across partnerships (gold) ------------------------------------
    "api-links": RouteRule({"GET": get(PARTNERSHIP)}),
    "api-link": RouteRule({"GET": get(LINK_VIEW)}, _link),
    "api-link-agree": RouteRule({"POST": post(LINK_ANSWER)}, _link),
    "api-link-decline": RouteRule(
        {"POST": post(LINK_ANSWER, lambda world: {"reason": "Not connected."})}, _link
    ),
    "api-link-unlink": RouteRule(
        {"POST": post(LINK_UNLINK, lambda world: {"reason": "Over."})}, _link
    ),
    "api-incident-connections": RouteRule(
        {
            "GET": get(INCIDENT_VIEW),
            "POST": post(LINK_REQUEST, lambda world: _link_again(world, lambda p: p.slug)),
        },
        _incident,
    ),
    "api-gold-groups": RouteRule(
        {
            "GET": get(PARTNERSHIP),
            "POST": post(
                CONVENES,
                lambda world: {"incident_id": world.incident, "title": "Again", "member_ids": []},
            ),
        },
        note="Listing: each their own groups. Convening: for an incident the caller may see.",
    ),
    "api-gold-group": RouteRule({"GET": get(GROUP_VIEW)}, _gold_group),
    "api-gold-group-share": RouteRule(
        {"POST": post(GROUP_SHARE, lambda world: {"shares": ["summary"]})}, _gold_group
    ),
    "api-gold-group-decisions": RouteRule(
        {"GET": get(GROUP_VIEW), "POST": post(GROUP_SEATS)},
        _gold_group,
        note="An empty decision is a 400 for its members.",
    ),
    "api-gold-group-comms": RouteRule(
        {"GET": get(GROUP_VIEW), "POST": post(GROUP_SEATS)},
        _gold_group,
        note="An empty message is a 400 for the group's members.",
    ),
    "api-gold-group-seats": RouteRule(
        {"POST": post(GROUP_LEADS)}, _gold_group, note="Nobody chosen is a 400."
    ),
    "api-gold-group-stand-down": RouteRule(
        {"POST": post(GROUP_LEADS)}, _gold_group, note="No reason is a 400."
    ),
    "api-comms-approve": RouteRule({"POST": post(COMMS_APPROVER)}, _comms),
    "api-comms-sent": RouteRule(
        {"POST": post(GROUP_SEATS)}, _comms, note="Not yet approved: a 409 for the members."
    ),
    "api-comms-answer": RouteRule(
        {"POST": post(GROUP_SEATS)}, _comms, note="An empty answer is a 400."
    ),
    # --- API: notifications ---------------------------------------------------------------------
    "api-notifications": RouteRule({"GET": get(SIGNED_IN)}),
    "api-notification-acknowledge": RouteRule({"POST": post(NOTE_RECIPIENT)}, _notification),
    "api-notification-reply": RouteRule(
        {"POST": post(NOTE_RECIPIENT, lambda world: {"kind": "confirm", "reply": "Noted."})},
        _notification,
    ),
    # --- API: people, flags, referrals ----------------------------------------------------------
    "api-incident-people": RouteRule(
        # incident.view, then person.view (the view shows the record), then person.link.
        {"POST": post(INCIDENT_VIEW & PERSON_VIEW, lambda world: {"person_id": world.person})},
        _incident,
    ),
    "api-people": RouteRule(
        {
            "GET": get(PARTNERSHIP),
            "POST": post(PARTNERSHIP, lambda world: {"full_name": "A new person"}),
        }
    ),
    "api-person": RouteRule({"GET": get(PERSON_VIEW)}, _person),
    "api-person-shares": RouteRule(
        {"GET": get(CSP_COORDINATOR), "POST": post(CSP_COORDINATOR)}, _person
    ),
    "api-person-share-withdraw": RouteRule({"POST": post(CSP_COORDINATOR)}, _share),
    "api-person-incidents": RouteRule({"GET": get(PERSON_VIEW)}, _person),
    "api-flags": RouteRule({"GET": get(anywhere(CSP_COORDINATOR))}),
    "api-person-duplicates": RouteRule({"GET": get(anywhere(CSP_COORDINATOR))}),
    "api-person-merges": RouteRule({"POST": post(anywhere(CSP_COORDINATOR))}),
    "api-person-merge-undo": RouteRule({"POST": post(CSP_COORDINATOR)}, _merge),
    "api-flag-dismiss": RouteRule(
        {"POST": post(CSP_COORDINATOR, lambda world: {"reason": "Handled."})}, _flag
    ),
    "api-risk-checklist": RouteRule({"GET": get(PARTNERSHIP)}),
    "api-referrals": RouteRule(
        {
            "GET": get(PARTNERSHIP),
            "POST": post(
                PERSON_VIEW,  # referral.create and person.view
                lambda world: {
                    "person_id": world.person,
                    "reason": "professional_judgement",
                    "summary": "Again.",
                    "answers": {},
                    "lawful_basis": "consent",
                },
            ),
        }
    ),
    "api-referral": RouteRule({"GET": get(PERSON_VIEW)}, _referral),
    # --- API: conferences -----------------------------------------------------------------------
    "api-conferences": RouteRule(
        {
            "GET": get(SIGNED_IN),
            "POST": post(
                anywhere(CSP_COORDINATOR),  # elsewhere: 400, the demo's chair is not theirs
                lambda world: {
                    "kind": "scheduled",
                    "title": "Next panel",
                    "starts_at": _later(7),
                    "ends_at": _later(8),
                    "location": "Civic Offices",
                    "chair_id": world.pk("chair"),
                },
            ),
        },
        note="The list is filtered by conference.view.",
    ),
    "api-conference": RouteRule({"GET": get(CONFERENCE_VIEW)}, _conference),
    "api-conference-agenda": RouteRule(
        {"POST": post(CSP_COORDINATOR, lambda world: {"referral_id": world.referral})},
        _conference,
    ),
    "api-conference-invitations": RouteRule(
        {"POST": post(CSP_COORDINATOR, lambda world: {"member_ids": [world.pk("panel-health")]})},
        _conference,
    ),
    "api-conference-attendance": RouteRule(
        {
            "POST": post(
                # The API asks conference.attend before the service's "chair or
                # conference.manage": the deputy co-ordinator, who manages but does not attend,
                # may record attendance on the page but not here (stricter, not a leak).
                RECORDS_ATTENDANCE & CONFERENCE_ATTEND,
                lambda world: {"member_id": world.pk("panel-police"), "status": "present"},
            )
        },
        _conference,
    ),
    "api-conference-open": RouteRule({"POST": post(CHAIR)}, _conference),
    "api-conference-move": RouteRule(
        {"POST": post(CHAIR, lambda world: {"item_id": world.agenda_item})}, _conference
    ),
    "api-conference-conclude": RouteRule({"POST": post(CHAIR)}, _conference),
    "api-conference-entries": RouteRule(
        {
            "GET": get(CONFERENCE_VIEW),  # filtered by visible_to
            "POST": post(CONFERENCE_ATTEND, lambda world: {"text": "Shared."}),  # room.share
        },
        _conference,
    ),
    "api-conference-actions": RouteRule(
        {
            "GET": get(CONFERENCE_VIEW),
            "POST": post(
                CHAIR,
                lambda world: {
                    "description": "Visit.",
                    "owner_id": world.pk("panel-police"),
                    "due_at": _later(3),
                },
            ),
        },
        _conference,
    ),
    "api-conference-minutes": RouteRule({"GET": get(CONFERENCE_VIEW)}, _conference),
    "api-conference-minutes-correct": RouteRule(
        {"POST": post(RUNS_CONFERENCE, lambda world: {"text": "Item 1 was heard first."})},
        _conference,
    ),
    "api-agenda-risk": RouteRule({"POST": post(CHAIR, lambda world: {"level": "high"})}, _item),
    "api-agenda-research": RouteRule(
        {
            "GET": get(CONFERENCE_VIEW),  # filtered by visible_to
            "POST": post(CONFERENCE_ATTEND, lambda world: {"facts": "Known to us."}),
        },
        _item,
    ),
    "api-action-complete": RouteRule(
        {"POST": post(ACTION_COMPLETE, lambda world: {"outcome": "Visited."})}, _action
    ),
    # --- API: casework (empty bodies where a valid one would change the case for the next) -----
    "api-cases": RouteRule(
        {
            "GET": get(PARTNERSHIP),
            # Already a case: 409 for the demo's co-ordinators, 400 (not theirs) elsewhere.
            "POST": post(
                anywhere(CSP_COORDINATOR),
                lambda world: {"incident_id": Case.objects.get(pk=world.case).incident_id},
            ),
        }
    ),
    "api-case": RouteRule({"GET": get(CASE_VIEW)}, _case),
    "api-case-actions": RouteRule({"POST": post(CASE_WORK)}, _case),
    "api-case-risk": RouteRule({"POST": post(CASE_WORK)}, _case),
    "api-case-lead": RouteRule({"POST": post(CSP_COORDINATOR)}, _case),
    "api-case-close": RouteRule({"POST": post(CASE_WORK)}, _case),
    "api-case-officer": RouteRule({"POST": post(CASE_WORK)}, _case),
    "api-case-refer": RouteRule({"POST": post(CASE_WORK)}, _case),
    "api-case-task-complete": RouteRule({"POST": post(CASE_WORK)}, _case_task),
    "api-case-reopen": RouteRule({"POST": post(CSP_COORDINATOR)}, _case),
    "api-case-reviews": RouteRule({"GET": get(PARTNERSHIP)}, note="Filtered by case.view."),
    "api-case-review-meeting": RouteRule({"GET": get(CASEWORK_MEETING_VIEW)}, _casework_meeting),
    "api-case-review-agenda": RouteRule({"POST": post(CSP_COORDINATOR)}, _casework_meeting),
    "api-case-review-outcome": RouteRule({"POST": post(CHAIR)}, _case_review),
    "api-case-rules": RouteRule(
        {"GET": get(anywhere(CSP_COORDINATOR)), "POST": post(anywhere(CSP_COORDINATOR))}
    ),
    "api-case-rule-remove": RouteRule({"POST": post(CSP_COORDINATOR)}, _case_rule),
    "api-case-standards": RouteRule({"POST": post(anywhere(CSP_COORDINATOR))}),
    # --- API: reports from anyone ---------------------------------------------------------------
    "api-reports": RouteRule({"POST": post(PUBLIC)}, throttled=True, note="No sign-in."),
    "api-reports-more": RouteRule({"POST": post(PUBLIC)}, throttled=True, note="No sign-in."),
    "api-intake": RouteRule({"GET": get(anywhere(INTAKE_VIEW))}),
    "api-intake-centre": RouteRule({"POST": post(FILES_REPORTS)}),
    "api-intake-report": RouteRule({"GET": get(INTAKE_VIEW)}, _report),
    "api-intake-triage": RouteRule({"POST": post(CSP_COORDINATOR)}, _report),
    # --- API: shared information and tension ----------------------------------------------------
    "api-information": RouteRule(
        {"GET": get(anywhere(READS_INFORMATION)), "POST": post(PARTNERSHIP)}
    ),
    "api-tension": RouteRule({"GET": get(PARTNERSHIP), "POST": post(anywhere(RECORDS_TENSION))}),
    "api-tension-area": RouteRule({"GET": get(HERE)}, _area),
    # --- API: review ----------------------------------------------------------------------------
    "api-incident-timeline": RouteRule({"GET": get(REVIEWS_INCIDENTS)}, _incident),
    "api-incident-timeline-export": RouteRule(
        {"GET": get(REVIEWS_INCIDENTS, query="as=json")}, _incident
    ),
    "api-incident-replay": RouteRule(
        # A moment that has passed: one still to come is refused (400) whoever asks.
        {"GET": get(REVIEWS_INCIDENTS, query="at=2024-01-01T00:00:00Z")},
        _incident,
    ),
    "api-incident-compliance": RouteRule({"GET": get(REVIEWS_INCIDENTS)}, _incident),
    "api-compliance": RouteRule({"GET": get(anywhere(REVIEWS_INCIDENTS))}),
    "api-person-timeline": RouteRule({"GET": get(PERSON_TIMELINE)}, _person),
    "api-person-timeline-export": RouteRule(
        {"GET": get(PERSON_TIMELINE, query="as=json")}, _person
    ),
    "api-partnership-report": RouteRule({"GET": get(anywhere(REPORT))}),
    "api-access-log": RouteRule({"GET": get(anywhere(ACCESS_LOG))}),
    # --- API: oversight -------------------------------------------------------------------------
    "api-oversight-figures": RouteRule({"GET": get(OVERSIGHT)}),
    "api-scrutiny-requests": RouteRule(
        {
            "GET": get(SCRUTINY_LIST),
            "POST": post(
                OVERSIGHT,  # the other body does not oversee the demo partnership: a 400
                lambda world: {
                    "partnership": "milton-keynes",
                    "question": "How many referrals?",
                    "due_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
                },
            ),
        }
    ),
    "api-scrutiny-request": RouteRule({"GET": get(SCRUTINY_VIEW)}, _scrutiny),
    "api-scrutiny-answer": RouteRule(
        {"POST": post(CSP_COORDINATOR, lambda world: {"answer": "Rooms are booked earlier."})},
        _scrutiny,
    ),
    "api-scrutiny-close": RouteRule(
        {"POST": post(SCRUTINY_CLOSE)}, _scrutiny, note="Unanswered: a 409 for the forum."
    ),
    "api-access-log-integrity": RouteRule({"GET": get(anywhere(ACCESS_LOG))}),
    # --- API: the protocol's documents ----------------------------------------------------------
    "api-debrief": RouteRule(
        {"GET": get(DEBRIEF_VIEW), "POST": post(DEBRIEF_RECORD)},
        _incident,
        note="Recorded already: an empty body is a 400 for those let in.",
    ),
    "api-debrief-action-add": RouteRule({"POST": post(DEBRIEF_RECORD)}, _incident),
    "api-plan-action-complete": RouteRule({"POST": post(PLAN_ACTION_COMPLETE)}, _plan_action),
    "api-fourteen-day-report": RouteRule(
        {
            "GET": get(INCIDENT_VIEW),
            "POST": post(CSP_COORDINATOR),
            "PATCH": post(CSP_COORDINATOR, lambda world: {"current_tension": "Low."}),
        },
        _incident,
        note="Composed already: composing again is a 409.",
    ),
    "api-strategy-actions": RouteRule(
        {"GET": get(PARTNERSHIP), "POST": post(anywhere(CSP_COORDINATOR))}
    ),
    "api-plan-action-note": RouteRule({"POST": post(PLAN_ACTION_COMPLETE)}, _plan_action),
    "api-six-monthly-list": RouteRule(
        {"GET": get(PARTNERSHIP), "POST": post(anywhere(CSP_COORDINATOR))}
    ),
    "api-six-monthly-report": RouteRule({"GET": get(HERE)}, _six_monthly),
    "api-six-monthly-pdf": RouteRule({"GET": get(HERE)}, _six_monthly),
    "api-six-monthly-csv": RouteRule({"GET": get(HERE)}, _six_monthly),
    "api-fourteen-day-approve": RouteRule(
        {"POST": post(CSP_COORDINATOR)},
        _incident,
        note="What members should do is blank: a 400.",
    ),
    "api-fourteen-day-pdf": RouteRule(
        {"GET": get(INCIDENT_VIEW, let_in=frozenset({409}))},
        _incident,
        note="A draft has no PDF yet: a 409.",
    ),
}


@dataclass(frozen=True)
class SocketRule:
    allowed: frozenset[str]
    kwargs: Kwargs = _none


# Websocket routes are unnamed: keyed by their route string.
SOCKET_RULES: dict[str, SocketRule] = {
    "ws/alerts/": SocketRule(PARTNERSHIP),  # alerts.receive
    "ws/board/": SocketRule(anywhere(BOARD)),  # incident.board
    "ws/conferences/<int:pk>/": SocketRule(CONFERENCE_ATTEND, _conference),  # conference.attend
    "ws/worklist/": SocketRule(PARTNERSHIP),  # worklist.view
    "ws/gold-groups/<int:pk>/": SocketRule(GROUP_VIEW, _gold_group),  # gold_group.view
}


def _object(model: type[Any], attribute: str) -> Callable[[MatrixWorld], Any]:
    def load(world: MatrixWorld) -> Any:
        return model.objects.get(pk=getattr(world, attribute))

    return load


def _no_object(world: MatrixWorld) -> None:
    return None


def _debrief(world: MatrixWorld) -> Debrief:
    return Debrief.objects.get(incident_id=world.incident)


def _panel_police(world: MatrixWorld) -> Member:
    return world.members["panel-police"]


# Every registered rule, the world's object it is asked about, and exactly who it allows there.
# The route table above is built from these sets; this list proves each set is the rule's.
RULE_SETS: list[tuple[str, Callable[[MatrixWorld], Any], frozenset[str]]] = [
    ("directory.view", _no_object, PARTNERSHIP),
    ("worklist.view", _no_object, PARTNERSHIP),
    ("directory.manage", _no_object, anywhere(DIRECTORY_MANAGE)),
    ("calendar.view", _no_object, PARTNERSHIP),
    ("calendar.manage", _no_object, anywhere(DIRECTORY_MANAGE)),
    ("member.view_contact", _panel_police, CONTACT_OF_POLICE),
    ("timeline.view", _no_object, anywhere(ACCESS_LOG)),
    ("access_log.view", _no_object, anywhere(ACCESS_LOG)),
    ("report.view", _no_object, anywhere(REPORT)),
    ("incident.list", _no_object, PARTNERSHIP),
    ("incident.report", _no_object, PARTNERSHIP),
    ("incident.view", _object(Incident, "incident"), INCIDENT_VIEW),
    ("incident.view", _object(Incident, "other_incident"), OTHER_INCIDENT_VIEW),
    ("incident.assess", _object(Incident, "incident"), SENIOR_OFFICER),
    ("incident.determine", _object(Incident, "incident"), SENIOR_OFFICER),
    ("incident.stand_down", _object(Incident, "incident"), SENIOR_OFFICER),
    ("incident.close", _object(Incident, "incident"), CLOSES),
    ("incident.link", _object(Incident, "incident"), LINKS),
    ("incident.board", _no_object, anywhere(BOARD)),
    ("incident.situation_report", _object(Incident, "incident"), SITUATION_REPORT),
    ("incident.timeline", _object(Incident, "incident"), REVIEWS_INCIDENTS),
    ("compliance.view", _no_object, anywhere(REVIEWS_INCIDENTS)),
    ("protocol.manage", _no_object, anywhere(DIRECTORY_MANAGE)),
    ("duty.complete", _object(Duty, "duty"), OWNS_INFORM_REC),
    ("duty.waive", _object(Duty, "duty"), CSP_COORDINATOR),
    ("alerts.receive", _no_object, PARTNERSHIP),
    ("notification.answer", _object(Notification, "notification"), NOTE_RECIPIENT),
    ("person.create", _no_object, PARTNERSHIP),
    ("person.link", _object(Person, "person"), HERE),
    ("person.view", _object(Person, "person"), PERSON_VIEW),
    ("person.timeline", _object(Person, "person"), PERSON_TIMELINE | DIRECTORY_MANAGE),
    ("person.share", _object(Person, "person"), CSP_COORDINATOR),
    ("referral.create", _no_object, PARTNERSHIP),
    ("referral.view", _object(Referral, "referral"), PERSON_VIEW),
    ("flag.manage", _object(RepeatFlag, "flag"), CSP_COORDINATOR),
    ("person.merge", _no_object, anywhere(CSP_COORDINATOR)),
    ("person.merge", _object(PersonMerge, "merge"), CSP_COORDINATOR),
    ("conference.manage", _object(Conference, "conference"), CSP_COORDINATOR),
    ("conference.view", _object(Conference, "conference"), CONFERENCE_VIEW),
    ("conference.attend", _object(Conference, "conference"), CONFERENCE_ATTEND),
    ("conference.chair", _object(Conference, "conference"), CHAIR),
    ("minutes.correct", _object(Conference, "conference"), RUNS_CONFERENCE),
    ("research.file", _object(AgendaItem, "agenda_item"), CONFERENCE_ATTEND),
    ("room.share", _object(Conference, "conference"), CONFERENCE_ATTEND),
    ("action.complete", _object(Action, "action"), ACTION_COMPLETE),
    ("oversight.view", _no_object, OVERSIGHT),
    ("scrutiny.send", _no_object, OVERSIGHT),
    ("scrutiny.list", _no_object, SCRUTINY_LIST),
    ("scrutiny.view", _object(ScrutinyRequest, "scrutiny"), SCRUTINY_VIEW),
    ("scrutiny.answer", _object(ScrutinyRequest, "scrutiny"), CSP_COORDINATOR),
    ("scrutiny.close", _object(ScrutinyRequest, "scrutiny"), SCRUTINY_CLOSE),
    ("debrief.record", _debrief, DEBRIEF_RECORD),
    ("plan_action.complete", _object(PlanAction, "plan_action"), PLAN_ACTION_COMPLETE),
    ("fourteen_day.write", _object(Incident, "incident"), CSP_COORDINATOR),
    ("six_monthly.view", _no_object, PARTNERSHIP),
    ("strategy.view", _no_object, PARTNERSHIP),
    ("strategy.manage", _no_object, anywhere(CSP_COORDINATOR)),
    ("plan_action.note", _object(PlanAction, "plan_action"), PLAN_ACTION_COMPLETE),
    ("six_monthly.produce", _no_object, anywhere(CSP_COORDINATOR)),
    ("incident_link.request", _object(Incident, "incident"), LINK_REQUEST),
    ("incident_link.view", _object(IncidentLink, "link"), LINK_VIEW),
    ("incident_link.answer", _object(IncidentLink, "link"), LINK_ANSWER),
    ("incident_link.unlink", _object(IncidentLink, "link"), LINK_UNLINK),
    ("gold_group.convene", _object(Incident, "incident"), CONVENES),
    ("gold_group.view", _object(GoldGroup, "gold_group"), GROUP_VIEW),
    ("gold_group.share", _object(GoldGroup, "gold_group"), GROUP_SHARE),
    ("gold_group.seat", _object(GoldGroup, "gold_group"), GROUP_LEADS),
    ("gold_group.stand_down", _object(GoldGroup, "gold_group"), GROUP_LEADS),
    ("decision.record", _object(GoldGroup, "gold_group"), GROUP_SEATS),
    ("comms.plan", _object(GoldGroup, "gold_group"), GROUP_SEATS),
    ("comms.approve", _object(CommsItem, "comms"), COMMS_APPROVER),
    ("comms.send", _object(CommsItem, "comms"), GROUP_SEATS),
    ("case.list", _no_object, PARTNERSHIP),
    ("case.view", _object(Case, "case"), CASE_VIEW),
    ("case.manage", _no_object, anywhere(CSP_COORDINATOR)),
    ("case.manage", _object(Case, "case"), CSP_COORDINATOR),
    ("case.work", _object(Case, "case"), CASE_WORK),
    ("case_task.complete", _object(CaseTask, "case_task"), CASE_WORK),
    ("intake.file", _no_object, FILES_REPORTS),
    ("information.share", _no_object, PARTNERSHIP),
    ("information.view", _no_object, anywhere(READS_INFORMATION)),
    ("tension.view", _no_object, PARTNERSHIP),
    ("tension.record", _no_object, anywhere(RECORDS_TENSION)),
    ("intake.view", _no_object, anywhere(INTAKE_VIEW)),
    ("intake.triage", _object(PublicReport, "report"), CSP_COORDINATOR),
]


# Where each marker is shown to someone its audience includes: proof that the markers reach the
# pages, so that a refusal without them means something. (route, user, marker)
SHOWN: list[tuple[str, str, str]] = [
    ("incident-detail", "officer", INCIDENT_TITLE),
    ("incident-detail", "rec", SITUATION_REPORT_BODY),
    ("api-incident", "panel-police", INCIDENT_DESCRIPTION),
    ("api-incident", "gold", RATIONALE),
    ("incident-list", "member", OTHER_INCIDENT_TITLE),
    ("inbox", "crro", NOTE_BODY),
    ("api-notifications", "crro", NOTE_BODY),
    ("person-detail", "member", VICTIM_NAME),
    ("person-detail", "panel-housing", SAFE_CONTACT),
    ("api-person-incidents", "coordinator", INCIDENT_TITLE),
    ("referral-detail", "chair", REFERRAL_SUMMARY),
    ("api-referral", "panel-police", CONSENT_NOTES),
    ("research-file", "chair", RESTRICTED_RESEARCH),
    ("api-agenda-research", "gold", PANEL_RESEARCH),
    ("api-conference-entries", "panel-police", RESTRICTED_ENTRY),
    ("conference-room", "panel-housing", PANEL_ENTRY),
    ("conference-minutes", "panel-police", ACTION_TEXT),
    ("conference-list", "gold", CONFERENCE_TITLE),
    ("api-members", "officer", "panel-police@demo.invalid"),
    ("scrutiny-detail", "coordinator", SCRUTINY_QUESTION),
    ("api-scrutiny-requests", FORUM, SCRUTINY_QUESTION),
    ("debrief", "panel-housing", DEBRIEF_LESSONS),
    ("api-debrief", "rec", PLAN_ACTION_TEXT),
    ("gold-link", "coordinator", LINK_REASON),
    ("api-link", ELSEWHERE_COUNCIL, LINK_REASON),
    ("gold-link", ELSEWHERE_POLICE, LINK_REASON),
    ("gold-group", "panel-police", DECISION_TEXT),
    ("api-gold-group-decisions", "coordinator2", DECISION_TEXT),
    ("gold-group", "gold", COMMS_MESSAGE),
    ("api-gold-group-comms", "panel-police", COMMS_MESSAGE),
    ("case-detail", "panel-housing", CASE_ACTION_TEXT),
    ("api-case", "crro", CASE_ACTION_TEXT),
    ("intake-detail", "ppc", REPORT_TEXT),
    ("api-intake", "coordinator", REPORT_TEXT),
    ("information", "gold", SHARED_TEXT),
    ("information", "member", SHARED_TEXT),
    ("api-information", "ppc", SHARED_TEXT),
]
SOCKET_SHOWN: list[tuple[str, str, str]] = [
    ("ws/gold-groups/<int:pk>/", "panel-police", DECISION_TEXT),
    ("ws/conferences/<int:pk>/", "panel-police", RESTRICTED_ENTRY),
    ("ws/conferences/<int:pk>/", "panel-housing", PANEL_ENTRY),
]
