"""Typed factories: one function for each thing the tests build, writing through the services.

Each factory calls the same service a page or the API would (so what it builds carries its audit
events, duties and notifications, as the real thing does), takes keyword-only typed arguments
and fills in the rest with defaults that describe an ordinary case. A test passes only what its
assertions depend on.

The factories build inside the demo partnership (``tests/world.py``; ask for the ``demo``
fixture): whoever is not named acts as the demo member whose role the protocol gives that act
(the senior police officer reports and declares, the CSP Co-ordinator arranges conferences, Police's
panel member records and refers a victim). Import the module, not its functions:
``factories.incident_declared()`` reads as what it builds and leaves the short names to the test's
own variables.

Why functions and not factory_boy: factory_boy builds rows (``Model.objects.create`` with
generated fields), and a row made that way is not what the product makes: a declared incident
without its duties, determinations, notifications and timeline events would pass tests the real
one fails. Routing each factory through a service, as here, is a plain function in any case;
factory_boy would add a dependency, its declarations (``SubFactory``, ``LazyAttribute``) and
untyped ``Factory(**kwargs)`` calls that mypy cannot check, for no gain.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypedDict, Unpack

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from conference import services as conference_services
from conference.models import Action, AgendaItem, Conference, Person, Referral, RepeatFlag
from conference.risk import CHECKLIST
from escalation import services as escalation_services
from escalation.models import Duty, Incident, SituationReport
from notifications.models import Notification, Purpose, Urgency
from notifications.services import notify
from oversight import services as oversight_services
from oversight.models import OversightBody, OversightKind, ScrutinyRequest
from partnership import services as partnership_services
from partnership.audiences import Audience
from partnership.demo import PARTNERSHIP_NAME, PARTNERSHIP_SLUG
from partnership.models import Agency, Area, Member, Partnership, Role
from partnership.scopes import Scope

# The demo member who does each thing unless a test names someone else.
OFFICER = "officer"  # reports and declares incidents
COORDINATOR = "coordinator"  # the CSP Co-ordinator: arranges conferences, sends situation reports
CASEWORKER = "panel-police"  # records victims, links them to incidents and refers them
ACTION_OWNER = "panel-housing"  # owns the actions a conference agrees
PANEL = ("panel-police", "panel-housing", "panel-health")  # one panel member per agency
AREA = "Bletchley"
PASSWORD = "x-pass-2026"  # for members a test adds beside the demo's


# --- Who and where -------------------------------------------------------------------------------
def someone(username: str) -> Member:
    """A member of the demo partnership, by login."""
    found = Member.objects.filter(username=username).first()
    if found is None:
        raise LookupError(
            f"no member {username!r}: the factories build in the demo partnership (ask for the "
            "`demo` fixture)"
        )
    return found


def partnership(slug: str = PARTNERSHIP_SLUG) -> Partnership:
    """A partnership by slug: the demo's unless named. The demo's is set up (without its
    members) for a test that builds beside it without asking for the ``demo`` fixture."""
    found = Partnership.objects.filter(slug=slug).first()
    if found is None and slug == PARTNERSHIP_SLUG:
        found = partnership_services.partnership_create(
            actor=None, name=PARTNERSHIP_NAME, slug=PARTNERSHIP_SLUG
        )
    if found is None:
        raise LookupError(f"no partnership {slug!r}")
    return found


def partnership_new(*, name: str, slug: str = "", actor: Member | None = None) -> Partnership:
    """A partnership beside the demo's."""
    return partnership_services.partnership_create(actor=actor, name=name, slug=slug)


def area(name: str = AREA, *, within: Partnership | None = None) -> Area:
    """One of the demo partnership's areas (or of ``within``)."""
    return Area.objects.get(partnership=within or partnership(), name=name)


def area_new(*, name: str, within: Partnership | None = None, actor: Member | None = None) -> Area:
    """An area beside the demo's, in the demo partnership unless ``within`` names another."""
    return partnership_services.area_create(
        actor=actor, partnership=within or partnership(), name=name
    )


_area_default = area  # for the factories whose own ``area`` argument hides the function


def agency(name: str) -> Agency:
    """One of the demo partnership's agencies, by name."""
    return Agency.objects.get(name=name)


def agency_new(
    *, kind: str, name: str, actor: Member | None = None, within: Partnership | None = None
) -> Agency:
    """An agency beside the demo's, taking part in the demo partnership unless ``within``
    names another."""
    return partnership_services.agency_create(
        actor=actor, kind=kind, name=name, partnership=within or partnership()
    )


def member(
    *,
    username: str,
    agency: Agency | None,
    roles: Sequence[Role] = (),
    password: str = PASSWORD,
    actor: Member | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    within: Partnership | None = None,
) -> Member:
    """A member beside the demo's (an account without an agency when ``agency`` is None),
    working in the demo partnership (or ``within``) and holding ``roles`` there."""
    where = within or partnership()
    with transaction.atomic():
        made = partnership_services.member_create(
            actor=actor,
            username=username,
            password=password,
            agency=agency,
            partnership=where,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
        )
        for role in roles:
            partnership_services.role_assign(actor=actor, partnership=where, member=made, role=role)
    return made


# --- Incidents -----------------------------------------------------------------------------------
class IncidentReport(TypedDict, total=False):
    """What ``incident`` takes: every field of the report a test may set."""

    reporter: Member
    title: str
    description: str
    occurred_at: datetime
    area: Area
    strands: Sequence[str]
    tension_level: str
    location: str
    safeguarding_steps: str


def incident(
    *,
    reporter: Member | None = None,
    title: str = "Graffiti and threats at community centre",
    description: str = "Racist graffiti sprayed on the centre; threats shouted at staff.",
    occurred_at: datetime | None = None,
    area: Area | None = None,
    strands: Sequence[str] = ("race", "religion"),
    tension_level: str = "high",
    location: str = "Queensway",
    safeguarding_steps: str = "Patrols doubled around the centre overnight.",
) -> Incident:
    """An incident reported (by the senior police officer, two hours ago, in Bletchley) and not
    yet determined."""
    return escalation_services.incident_report(
        reporter=reporter or someone(OFFICER),
        title=title,
        description=description,
        occurred_at=occurred_at or timezone.now() - timedelta(hours=2),
        area=area if area is not None else _area_default(),
        strands=list(strands),
        tension_level=tension_level,
        location=location,
        safeguarding_steps=safeguarding_steps,
    )


def incident_body(
    *,
    title: str = "Attack outside mosque",
    description: str = "Stones thrown at worshippers leaving evening prayers.",
    occurred_at: datetime | None = None,
    area_id: int | None = None,
    location: str = "Woughton Campus",
    strands: Sequence[str] = ("religion", "race"),
    safeguarding_steps: str = "Officers posted at the mosque overnight.",
    tension_level: str = "critical",
) -> dict[str, object]:
    """What ``POST /api/incidents/`` takes to report an incident (an hour ago, in Woughton)."""
    return {
        "title": title,
        "description": description,
        "occurred_at": (occurred_at or timezone.now() - timedelta(hours=1)).isoformat(),
        "area_id": area_id if area_id is not None else Area.objects.get(name="Woughton").pk,
        "location": location,
        "strands": list(strands),
        "safeguarding_steps": safeguarding_steps,
        "tension_level": tension_level,
    }


def incident_declared(
    *,
    at: datetime | None = None,
    officer: Member | None = None,
    rationale: str = "Likely to generate disorder: crowds gathering.",
    **report: Unpack[IncidentReport],
) -> Incident:
    """An incident reported and declared major (by the senior police officer, now or ``at``, an
    hour after it happened), its protocol's duties running."""
    if at is not None:
        report.setdefault("occurred_at", at - timedelta(hours=1))
    reported = incident(**report)
    escalation_services.incident_determine(
        officer=officer or someone(OFFICER),
        incident_id=reported.pk,
        is_major=True,
        rationale=rationale,
        determined_at=at,
    )
    reported.refresh_from_db()
    return reported


def duty(incident: Incident, step: str) -> Duty:
    """The duty of a declared incident for a step of its protocol (``inform-rec``, ...)."""
    return Duty.objects.get(incident=incident, step_code=step)


def duty_done(
    incident: Incident,
    step: str,
    *,
    by: Member,
    message: str = "",
    meeting: escalation_services.MeetingPlan | None = None,
) -> Duty:
    """Complete the duty for ``step`` as ``by``: its message sent, or (``organise-debrief``) its
    ``meeting`` scheduled."""
    return escalation_services.duty_complete(
        actor=by,
        duty_id=duty(incident, step).pk,
        message=message or ("" if meeting else f"{step} done."),
        meeting=meeting,
    )


def debrief(
    *,
    invitees: Sequence[Member],
    starts_at: datetime | None = None,
    hours: float = 2,
    location: str = "Civic Offices, Room 3",
) -> escalation_services.MeetingPlan:
    """The debrief meeting ``organise-debrief`` asks for (five days from now unless said)."""
    starts = starts_at or timezone.now() + timedelta(days=5)
    return escalation_services.MeetingPlan(
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        location=location,
        invitees=list(invitees),
    )


def situation_report(
    *,
    incident: Incident,
    actor: Member | None = None,
    audiences: Sequence[Audience] = (Audience.role(Role.CRRO),),
    purposes: Sequence[str] = (Purpose.ACCURACY,),
    message: str = "Is this account right?",
) -> SituationReport:
    """A situation report on ``incident`` (by the CSP Co-ordinator, asking the CRRO to check it)."""
    return escalation_services.situation_report_send(
        actor=actor or someone(COORDINATOR),
        incident_id=incident.pk,
        audiences=list(audiences),
        purposes=list(purposes),
        message=message,
    )


# --- Notifications -------------------------------------------------------------------------------
def notifications(
    *,
    audiences: Sequence[Audience],
    subject: Model,
    cause: str,
    title: str = "FYI",
    body: str = "b",
    purposes: Sequence[str] = (Purpose.SITUATION,),
    scope: Scope | None = None,
    urgency: Urgency | str = Urgency.NORMAL,
    sender: Member | None = None,
    ack_ladder: Sequence[dict[str, object]] | None = None,
    within: Partnership | None = None,
) -> list[Notification]:
    """Tell ``audiences`` something about ``subject``, in a transaction of its own as a change
    would: one notification per person told (chased by the default acknowledgement ladder, or
    by ``ack_ladder``; ``[]`` for none). The audiences are resolved in the subject's partnership,
    or ``within``, or (for a subject of none, such as a member) the demo partnership."""
    if within is None and getattr(subject, "partnership_id", None) is None:
        within = partnership()
    with transaction.atomic():
        return notify(
            partnership=within,
            audiences=list(audiences),
            title=title,
            body=body,
            purposes=list(purposes),
            cause=cause,
            subject=subject,
            scope=scope,
            urgency=urgency,
            sender=sender,
            ack_ladder=ack_ladder,
        )


def referral_alert(incident: Incident) -> Notification:
    """What declaring ``incident`` sent the CRRO: the referral of the incident (004 §2.1), the
    notification the acknowledgement ladder chases."""
    return Notification.objects.get(
        recipient__username="crro",
        scope=str(Scope.incident(incident.pk)),
        escalation_of__isnull=True,
        idempotency_key__startswith=f"duty:{duty(incident, 'refer-to-crro').pk}:done:",
    )


# --- People and referrals ------------------------------------------------------------------------
def person(
    *,
    by: Member | None = None,
    full_name: str = "Amina Yusuf",
    area: Area | None = None,
    safe_contact: str = "",
) -> Person:
    """A victim recorded (by Police's panel member) in Bletchley."""
    return conference_services.person_create(
        actor=by or someone(CASEWORKER),
        full_name=full_name,
        area=area if area is not None else _area_default(),
        safe_contact=safe_contact,
    )


_person_default = person  # for the factories whose own ``person`` argument hides the function


def incident_involving(
    *,
    person: Person,
    occurred_at: datetime,
    by: Member | None = None,
) -> tuple[Incident, list[RepeatFlag]]:
    """An incident against ``person`` that happened at ``occurred_at``, recorded and linked to
    them (by Police's panel member); with the repeat flags the link raised."""
    actor = by or someone(CASEWORKER)
    recorded = incident(
        reporter=actor,
        title="Abuse in the street",
        description="Shouted at and spat on near home.",
        occurred_at=occurred_at,
        strands=("race",),
        tension_level="low",
        location="",
        safeguarding_steps="",
    )
    flags = conference_services.incident_person_link(actor=actor, incident=recorded, person=person)
    return recorded, flags


def checklist(**yes: bool) -> dict[str, bool]:
    """The risk checklist, every question answered: yes to those named, no to the rest."""
    return {q.code: yes.get(q.code, False) for q in CHECKLIST}


def referral(
    *,
    person: Person,
    by: Member | None = None,
    reason: str = "professional_judgement",
    summary: str = "Targeted repeatedly near home; frightened to go out.",
    answers: dict[str, bool] | None = None,
    lawful_basis: str = "consent",
    consent_notes: str = "",
    raised_level: str = "",
    raised_reason: str = "",
    flag: RepeatFlag | None = None,
) -> Referral:
    """``person`` referred to the panel (by Police's panel member, with consent; repeat
    targeting and fear: medium risk unless ``answers`` says otherwise)."""
    return conference_services.referral_create(
        actor=by or someone(CASEWORKER),
        person=person,
        reason=reason,
        summary=summary,
        answers=checklist(repeat=True, frightened=True) if answers is None else answers,
        lawful_basis=lawful_basis,
        consent_notes=consent_notes,
        raised_level=raised_level,
        raised_reason=raised_reason,
        flag=flag,
    )


# --- Conferences and actions ---------------------------------------------------------------------
def conference(
    *,
    cases: Sequence[Referral] = (),
    invite: Sequence[Member] = (),
    present: Sequence[Member] = (),
    open_it: bool = False,
    kind: str = "emergency",
    title: str = "Emergency panel",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    location: str = "Civic Offices, Room 1",
    coordinator: Member | None = None,
    chair: Member | None = None,
) -> Conference:
    """A conference arranged by the CSP Co-ordinator and chaired by the demo chair (an emergency
    panel starting in an hour, for an hour): ``cases`` on its agenda in order, ``invite``
    invited, ``present`` recorded present by the chair, opened by the chair if ``open_it``."""
    arranger = coordinator or someone(COORDINATOR)
    chaired_by = chair or someone("chair")
    starts = starts_at or timezone.now() + timedelta(hours=1)
    ends = ends_at or starts + timedelta(hours=1)
    # The service arranges no conference that would be over already; a test building history
    # arranges it ahead and moves it back to when it was.
    soon = timezone.now() + timedelta(hours=1)
    made = conference_services.conference_create(
        actor=arranger,
        kind=kind,
        title=title,
        starts_at=max(starts, soon),
        ends_at=max(starts, soon) + (ends - starts),
        location=location,
        chair=chaired_by,
    )
    if starts < soon:
        Conference.objects.filter(pk=made.pk).update(starts_at=starts, ends_at=ends)
        made.refresh_from_db()
    for case in cases:
        conference_services.agenda_add(actor=arranger, conference_id=made.pk, referral=case)
    if invite:
        conference_services.conference_invite(
            actor=arranger, conference_id=made.pk, members=list(invite)
        )
    for attendee in present:
        conference_services.attendance_record(
            actor=chaired_by, conference_id=made.pk, member=attendee, status="present"
        )
    if open_it:
        conference_services.conference_open(actor=chaired_by, conference_id=made.pk)
        made.refresh_from_db()
    return made


def conference_with_a_case(*, person: Person | None = None, open_it: bool = True) -> Conference:
    """An emergency conference with ``person``'s case (referred by Police's panel member), the
    three panel members invited, Police's and Housing's present, opened by the chair unless
    ``open_it`` is False."""
    panel = [someone(username) for username in PANEL]
    return conference(
        cases=[referral(person=person if person is not None else _person_default())],
        invite=panel,
        present=panel[:2],
        open_it=open_it,
    )


def action(
    *,
    conference: Conference,
    description: str = "Fit a fire-proof letterbox",
    owner: Member | None = None,
    due_at: datetime | None = None,
    item: AgendaItem | None = None,
) -> Action:
    """An action the chair of an open ``conference`` agrees (owned by Housing's panel member,
    due in a week), for ``item`` or for the conference as a whole."""
    return conference_services.action_agree(
        actor=conference.chair,
        conference_id=conference.pk,
        item_id=item.pk if item is not None else None,
        description=description,
        owner=owner or someone(ACTION_OWNER),
        due_at=due_at or timezone.now() + timedelta(days=7),
    )


# --- Oversight bodies and scrutiny requests ------------------------------------------------------
def oversight_member(*, username: str) -> Member:
    """An account in no partnership: a member of an oversight body, who sees no casework."""
    return partnership_services.member_create(
        actor=None,
        username=username,
        password=PASSWORD,
        agency=None,
        first_name="Fiona",
        last_name="Fairweather",
        email=f"{username}@forum.invalid",
    )


def oversight_body(
    *,
    name: str = "Thames Valley Hate Crime Forum (test)",
    slug: str = "tv-forum",
    partnerships: Sequence[Partnership],
    members: Sequence[Member],
) -> OversightBody:
    """An oversight body over ``partnerships`` with ``members``."""
    body = oversight_services.oversight_body_create(
        actor=None, name=name, slug=slug, kind=OversightKind.FORUM
    )
    for overseen in partnerships:
        oversight_services.oversight_partnership_add(actor=None, body=body, partnership=overseen)
    for member in members:
        oversight_services.oversight_member_add(actor=None, body=body, member=member)
    return body


def scrutiny(
    *,
    body: OversightBody,
    to: Partnership,
    by: Member,
    question: str = "Why were three debriefs late this half-year, and what has changed?",
    due_in_days: int = 14,
) -> ScrutinyRequest:
    """A scrutiny request sent by ``by`` for ``body`` to ``to``, due in two weeks."""
    return oversight_services.scrutiny_send(
        actor=by,
        body=body,
        partnership_id=to.pk,
        question=question,
        due_on=timezone.localdate() + timedelta(days=due_in_days),
    )
