"""Every change to people, referrals, conferences, the live room and actions.

One use case per function, one transaction each, the audit event beside the change, and live
pushes on commit. People are named in the database only: audit events, notification titles and
logs refer to them as ``P-00012``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from conference import repeats
from conference.models import (
    OPEN_ACTION_STATES,
    Action,
    ActionRung,
    ActionState,
    AgendaItem,
    AgendaKind,
    Attendance,
    Conference,
    ConferenceKind,
    ConferenceState,
    EntryKind,
    FlagKind,
    IncidentPerson,
    LawfulBasis,
    Person,
    Referral,
    ReferralReason,
    ReferralState,
    RepeatFlag,
    ResearchContribution,
    RiskLevel,
    RoomEntry,
    Visibility,
)
from conference.risk import risk_assess
from escalation.models import Incident
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.errors import ConflictError
from partnership.live import group_send_on_commit
from partnership.models import Agency, Area, Member, Role
from partnership.permissions import require
from partnership.timeline import audit_record

# Overdue actions alert the owner at once, the CSP Co-ordinator a day later, the gold group after
# three days (counted from the due time), like the protocol's duties.
ACTION_LADDER: list[dict[str, Any]] = [
    {"after_seconds": 0, "to": "owner"},
    {"after_seconds": 24 * 3600, "to": f"role:{Role.CSP_COORDINATOR}"},
    {"after_seconds": 3 * 24 * 3600, "to": f"role:{Role.GOLD_GROUP}"},
]


def _person_scope(person_id: int) -> str:
    return f"person:{person_id}"


def _conference_scope(conference_id: int) -> str:
    return f"conference:{conference_id}"


def room_group(conference_id: int) -> str:
    return f"conference.{conference_id}"


# --- People and their incidents ------------------------------------------------------------------
@transaction.atomic
def person_create(
    *,
    actor: Member,
    full_name: str,
    known_as: str = "",
    date_of_birth: date | None = None,
    area: Area | None = None,
    safe_contact: str = "",
) -> Person:
    require(actor, "person.create")
    if not full_name.strip():
        raise ValidationError({"full_name": "Give the person's name."})
    if date_of_birth is not None and date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": "A date of birth cannot be in the future."})
    person = Person.objects.create(
        full_name=full_name.strip(),
        known_as=known_as.strip(),
        date_of_birth=date_of_birth,
        area=area,
        safe_contact=safe_contact.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    audit_record(actor=actor, verb="person.created", subject=person, scope=_person_scope(person.pk))
    return person


@transaction.atomic
def incident_person_link(
    *, actor: Member, incident: Incident, person: Person, involvement: str = "victim"
) -> list[RepeatFlag]:
    """Link a person to an incident (of any kind: the casework route too) and check their
    history against the repeat rules. Returns any flags raised."""
    require(actor, "incident.view", incident)
    require(actor, "person.link", person)
    if involvement not in IncidentPerson.Involvement.values:
        raise ValidationError({"involvement": "Choose victim or witness."})
    _, created = IncidentPerson.objects.get_or_create(
        incident=incident,
        person=person,
        defaults={"involvement": involvement, "linked_by": actor, "linked_at": timezone.now()},
    )
    if not created:
        raise ConflictError(f"{person.reference} is already linked to {incident.reference}.")
    audit_record(
        actor=actor,
        verb="person.linked_to_incident",
        subject=person,
        scope=_person_scope(person.pk),
        changes={"incident_id": incident.pk, "involvement": involvement},
    )
    audit_record(
        actor=actor,
        verb="incident.person_linked",
        subject=incident,
        scope=f"incident:{incident.pk}",
        changes={"person_id": person.pk, "involvement": involvement},
    )
    return repeats_evaluate(person=person)


def repeats_evaluate(*, person: Person) -> list[RepeatFlag]:
    """Raise a flag for each rule that fires on the person's history and has not fired on the
    same incidents before. The caller is inside a transaction."""
    raised = []
    for finding in repeats.repeats_find(person):
        if RepeatFlag.objects.filter(key=finding.key).exists():
            continue
        flag = RepeatFlag.objects.create(
            person=person,
            kind=finding.kind,
            rule=finding.rule,
            referral=finding.referral,
            key=finding.key,
            raised_at=timezone.now(),
        )
        flag.incidents.set(finding.incidents)
        audit_record(
            actor=None,
            verb="repeat.flagged",
            subject=flag,
            scope=_person_scope(person.pk),
            changes={"kind": finding.kind, "incident_ids": [i.pk for i in finding.incidents]},
        )
        suggestion = finding.kind == FlagKind.SUGGESTED_REFERRAL
        notify(
            audiences=[f"role:{Role.CSP_COORDINATOR}"],
            title=(
                f"Suggested referral: {person.reference}"
                if suggestion
                else f"Repeat victim: {person.reference}"
            ),
            body=finding.rule,
            purposes=[Purpose.SITUATION, Purpose.COORDINATION],
            cause=f"flag:{flag.pk}",
            subject=flag,
            scope=_person_scope(person.pk),
        )
        raised.append(flag)
    return raised


@transaction.atomic
def flag_dismiss(*, actor: Member, flag_id: int, reason: str) -> RepeatFlag:
    flag = RepeatFlag.objects.select_for_update().get(pk=flag_id)
    require(actor, "flag.manage", flag)
    if not reason.strip():
        raise ValidationError({"reason": "Say why no referral is needed."})
    if not can_proceed(flag.dismiss):
        raise ConflictError(f"This flag is already {flag.get_state_display().lower()}.")
    flag.dismiss(by=actor, reason=reason.strip())
    flag.save()
    audit_record(
        actor=actor, verb="repeat.dismissed", subject=flag, scope=_person_scope(flag.person_id)
    )
    return flag


# --- Referrals -----------------------------------------------------------------------------------
@transaction.atomic
def referral_create(
    *,
    actor: Member,
    person: Person,
    reason: str,
    summary: str,
    answers: dict[str, bool],
    lawful_basis: str,
    consent_notes: str = "",
    raised_level: str = "",
    raised_reason: str = "",
    flag: RepeatFlag | None = None,
) -> Referral:
    require(actor, "referral.create")
    require(actor, "person.view", person)
    errors: dict[str, str] = {}
    if reason not in ReferralReason.values:
        errors["reason"] = f"Choose a reason: {', '.join(ReferralReason.values)}."
    if lawful_basis not in LawfulBasis.values:
        errors["lawful_basis"] = "Record consent, or the lawful basis for sharing without it."
    if not summary.strip():
        errors["summary"] = "Say why this case needs the panel."
    if errors:
        raise ValidationError(errors)
    assessment = risk_assess(
        answers=answers, raised_level=raised_level, raised_reason=raised_reason
    )
    if actor.agency is None:
        raise ValidationError("Only a member of an agency can refer.")
    referral = Referral.objects.create(
        person=person,
        referring_agency=actor.agency,
        referred_by=actor,
        reason=reason,
        summary=summary.strip(),
        answers=assessment.answers,
        score=assessment.score,
        assessed_level=assessment.assessed_level,
        level=assessment.level,
        raised_reason=raised_reason.strip()
        if assessment.level != assessment.assessed_level
        else "",
        lawful_basis=lawful_basis,
        consent_notes=consent_notes.strip(),
        created_at=timezone.now(),
    )
    if flag is not None:
        flag = RepeatFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.person_id != person.pk:
            raise ValidationError({"flag": "That flag is about someone else."})
        if can_proceed(flag.refer):
            flag.refer(by=actor)
            flag.save()
    audit_record(
        actor=actor,
        verb="referral.created",
        subject=referral,
        scope=_person_scope(person.pk),
        changes={
            "person_id": person.pk,
            "reason": reason,
            "score": assessment.score,
            "assessed_level": assessment.assessed_level,
            "level": assessment.level,
            "lawful_basis": lawful_basis,
        },
    )
    notify(
        audiences=[f"role:{Role.CSP_COORDINATOR}"],
        title=f"New referral: {person.reference} ({assessment.level} risk)",
        body=(
            f"{actor} ({actor.agency}) referred {person.reference}: {ReferralReason(reason).label}."
        ),
        purposes=[Purpose.COORDINATION],
        cause=f"referral:{referral.pk}",
        subject=referral,
        scope=_person_scope(person.pk),
        sender=actor,
        urgency=Urgency.URGENT if assessment.level == RiskLevel.HIGH else Urgency.NORMAL,
    )
    return referral


# --- Conferences ---------------------------------------------------------------------------------
@transaction.atomic
def conference_create(
    *,
    actor: Member,
    kind: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str,
    chair: Member,
) -> Conference:
    """A scheduled panel, or an emergency conference called at short notice. Open actions of
    the last conference go on the agenda for review."""
    require(actor, "conference.manage")
    errors: dict[str, str] = {}
    if kind not in ConferenceKind.values:
        errors["kind"] = "Choose scheduled or emergency."
    if not title.strip():
        errors["title"] = "Give the conference a title (no victim's name: it goes into emails)."
    if ends_at <= starts_at:
        errors["ends_at"] = "The conference must end after it starts."
    if not location.strip():
        errors["location"] = "Say where (or how) the panel meets."
    if not chair.has_role(Role.CONFERENCE_CHAIR):
        errors["chair"] = f"{chair} is not a conference chair."
    if errors:
        raise ValidationError(errors)
    previous = Conference.objects.filter(starts_at__lt=starts_at).order_by("-starts_at").first()
    conference = Conference.objects.create(
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        location=location.strip(),
        chair=chair,
        coordinator=actor,
        created_at=timezone.now(),
    )
    conference.invitees.add(chair)
    if previous is not None and previous.actions.filter(state__in=OPEN_ACTION_STATES).exists():
        AgendaItem.objects.create(conference=conference, order=1, kind=AgendaKind.ACTION_REVIEW)
    audit_record(
        actor=actor,
        verb="conference.created",
        subject=conference,
        scope=_conference_scope(conference.pk),
        changes={"kind": kind, "starts_at": starts_at, "chair_id": chair.pk},
    )
    return conference


def _locked_conference(conference_id: int) -> Conference:
    conference: Conference = Conference.objects.select_for_update().get(pk=conference_id)
    return conference


def _open_for_planning(conference: Conference) -> None:
    if conference.state == ConferenceState.CONCLUDED:
        raise ConflictError("This conference has concluded; its agenda can no longer change.")


@transaction.atomic
def agenda_add(
    *, actor: Member, conference_id: int, referral: Referral, needed_agencies: Iterable[Agency] = ()
) -> AgendaItem:
    conference = _locked_conference(conference_id)
    require(actor, "conference.manage", conference)
    _open_for_planning(conference)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if not can_proceed(referral.put_on_agenda):
        raise ConflictError(
            f"Referral {referral.pk} is {referral.get_state_display().lower()}: only open "
            "referrals go on an agenda."
        )
    referral.put_on_agenda()
    referral.save()
    last = conference.agenda.order_by("-order").first()
    item = AgendaItem.objects.create(
        conference=conference, order=(last.order + 1) if last else 1, referral=referral
    )
    agencies = list(needed_agencies)
    # The referring agency always needs to be there.
    item.needed_agencies.set({*agencies, referral.referring_agency})
    audit_record(
        actor=actor,
        verb="agenda.item_added",
        subject=item,
        scope=_conference_scope(conference.pk),
        changes={"referral_id": referral.pk, "person_id": referral.person_id},
    )
    return item


@transaction.atomic
def conference_invite(
    *, actor: Member, conference_id: int, members: Sequence[Member]
) -> list[Member]:
    """Invite panel members: email with a calendar invitation, and a live alert."""
    conference = _locked_conference(conference_id)
    require(actor, "conference.manage", conference)
    _open_for_planning(conference)
    if not members:
        raise ValidationError({"members": "Choose who to invite."})
    new = [m for m in members if not conference.invitees.filter(pk=m.pk).exists()]
    conference.invitees.add(*new)
    for member in new:
        audit_record(
            actor=actor,
            verb="conference.invited",
            subject=conference,
            scope=_conference_scope(conference.pk),
            changes={"member_id": member.pk},
        )
    local = timezone.localtime(conference.starts_at)
    notify(
        audiences=[f"member:{m.pk}" for m in [*new, conference.chair]],
        title=f"Risk conference: {conference.title}, {local:%a %d %b %H:%M}"[:200],
        body=(
            f"You are invited to the {conference.get_kind_display().lower()} "
            f"“{conference.title}” on {local:%A %d %B %Y at %H:%M}, {conference.location}. "
            "Please file your agency's research for each case before the meeting."
        ),
        purposes=[Purpose.COORDINATION, Purpose.INFORMATION],
        cause=f"conference:{conference.pk}:invitation",
        subject=conference,
        scope=_conference_scope(conference.pk),
        sender=actor,
        urgency=Urgency.URGENT if conference.kind == ConferenceKind.EMERGENCY else Urgency.NORMAL,
    )
    return new


@transaction.atomic
def research_file(
    *,
    actor: Member,
    item_id: int,
    facts: str,
    opinion: str,
    withheld: str = "",
    withheld_reason: str = "",
    visibility: str = Visibility.PANEL,
    visible_agencies: Iterable[Agency] = (),
) -> ResearchContribution:
    """An agency's research for a case, filed (or revised) before the conference concludes."""
    item = AgendaItem.objects.select_related("conference").get(pk=item_id)
    require(actor, "research.file", item)
    agencies = list(visible_agencies)
    errors = _visibility_errors(visibility, agencies)
    if not (facts.strip() or opinion.strip() or withheld.strip()):
        errors["facts"] = "Give the facts, your professional opinion, or what you hold."
    if withheld.strip() and not withheld_reason.strip():
        errors["withheld_reason"] = "Say why the agency will not share what it holds."
    if item.kind != AgendaKind.CASE:
        errors["item"] = "Research is filed for a case."
    if errors:
        raise ValidationError(errors)
    assert actor.agency is not None  # noqa: S101 (research.file requires an agency)
    contribution, created = ResearchContribution.objects.update_or_create(
        agenda_item=item,
        agency=actor.agency,
        defaults={
            "author": actor,
            "facts": facts.strip(),
            "opinion": opinion.strip(),
            "withheld": withheld.strip(),
            "withheld_reason": withheld_reason.strip(),
            "visibility": visibility,
            "filed_at": timezone.now(),
        },
    )
    contribution.visible_agencies.set(agencies)
    audit_record(
        actor=actor,
        verb="research.filed" if created else "research.revised",
        subject=contribution,
        scope=_conference_scope(item.conference_id),
        changes={
            "item_id": item.pk,
            "visibility": visibility,
            "agency_ids": sorted(a.pk for a in agencies),
        },
    )
    return contribution


def _visibility_errors(visibility: str, agencies: Sequence[Agency]) -> dict[str, str]:
    if visibility not in Visibility.values:
        return {"visibility": "Choose who may see it: panel, agencies or chair."}
    if visibility == Visibility.AGENCIES and not agencies:
        return {"visible_agencies": "Name the agencies that may see it."}
    return {}


@transaction.atomic
def attendance_record(
    *, actor: Member, conference_id: int, member: Member, status: str
) -> Attendance:
    conference = _locked_conference(conference_id)
    if conference.chair_id != actor.pk:
        require(actor, "conference.manage", conference)
    if status not in Attendance.Status.values:
        raise ValidationError({"status": "Choose present, apologies or absent."})
    if member.agency is None:
        raise ValidationError({"member": "Only members of an agency attend."})
    attendance, _ = Attendance.objects.update_or_create(
        conference=conference,
        member=member,
        defaults={"status": status, "agency": member.agency, "recorded_at": timezone.now()},
    )
    audit_record(
        actor=actor,
        verb="conference.attendance",
        subject=conference,
        scope=_conference_scope(conference.pk),
        changes={"member_id": member.pk, "status": status},
    )
    _room_push(conference, {"type": "room.attendance"})
    return attendance


# --- The live room -------------------------------------------------------------------------------
def entry_payload(entry: RoomEntry, agency_ids: list[int]) -> dict[str, Any]:
    return {
        "type": "entry",
        "id": entry.pk,
        "kind": entry.kind,
        "kind_label": entry.get_kind_display(),
        "item_id": entry.agenda_item_id,
        "author": str(entry.author),
        "author_id": entry.author_id,
        "text": entry.text,
        "visibility": entry.visibility,
        "agency_ids": agency_ids,
        "action_id": entry.action_id,
        "created_at": entry.created_at.isoformat(),
    }


def _room_push(conference: Conference, event: dict[str, Any]) -> None:
    group_send_on_commit(room_group(conference.pk), {"type": "room.event", "event": event})


def _entry_add(
    conference: Conference,
    *,
    author: Member,
    kind: str,
    text: str,
    item: AgendaItem | None,
    visibility: str = Visibility.PANEL,
    agencies: Sequence[Agency] = (),
    action: Action | None = None,
) -> RoomEntry:
    """Persist first, broadcast second: each consumer shows the entry only to those who may see
    it, and a client that missed the push gets it on resume."""
    entry = RoomEntry.objects.create(
        conference=conference,
        agenda_item=item,
        kind=kind,
        author=author,
        text=text,
        visibility=visibility,
        action=action,
        created_at=timezone.now(),
    )
    entry.visible_agencies.set(agencies)
    audit_record(
        actor=author,
        verb=f"room.{kind}",
        subject=entry,
        scope=_conference_scope(conference.pk),
        changes={
            "item_id": item.pk if item else None,
            "visibility": visibility,
            "agency_ids": sorted(a.pk for a in agencies),
        },
    )
    _room_push(conference, entry_payload(entry, sorted(a.pk for a in agencies)))
    return entry


@transaction.atomic
def conference_open(*, actor: Member, conference_id: int) -> Conference:
    conference = _locked_conference(conference_id)
    require(actor, "conference.chair", conference)
    if not can_proceed(conference.open):
        raise ConflictError(f"This conference is {conference.get_state_display().lower()}.")
    conference.open(at=timezone.now())
    first = conference.agenda.order_by("order").first()
    conference.current_item = first
    conference.save()
    audit_record(
        actor=actor,
        verb="conference.opened",
        subject=conference,
        scope=_conference_scope(conference.pk),
    )
    if first is not None:
        _entry_add(
            conference,
            author=actor,
            kind=EntryKind.ITEM_OPENED,
            text=_item_title(first),
            item=first,
        )
    return conference


def _item_title(item: AgendaItem) -> str:
    if item.kind == AgendaKind.ACTION_REVIEW:
        return f"Item {item.order}: review of open actions from the last conference"
    assert item.referral is not None  # noqa: S101 (case items always have a referral)
    return (
        f"Item {item.order}: case {item.referral.person.reference} "
        f"(referral {item.referral_id}, {item.referral.level} risk)"
    )


def _in_session(conference: Conference) -> None:
    if conference.state != ConferenceState.IN_SESSION:
        raise ConflictError(
            f"The conference is {conference.get_state_display().lower()}, not in session."
        )


@transaction.atomic
def room_move(*, actor: Member, conference_id: int, item_id: int) -> Conference:
    """The chair moves the room to an agenda item."""
    conference = _locked_conference(conference_id)
    require(actor, "conference.chair", conference)
    _in_session(conference)
    item = conference.agenda.filter(pk=item_id).select_related("referral__person").first()
    if item is None:
        raise ValidationError({"item_id": "That item is not on this conference's agenda."})
    if conference.current_item_id is not None and conference.current_item_id != item.pk:
        AgendaItem.objects.filter(pk=conference.current_item_id, discussed_at__isnull=True).update(
            discussed_at=timezone.now()
        )
    conference.current_item = item
    conference.save()
    _entry_add(
        conference, author=actor, kind=EntryKind.ITEM_OPENED, text=_item_title(item), item=item
    )
    return conference


@transaction.atomic
def room_share(
    *,
    actor: Member,
    conference_id: int,
    text: str,
    visibility: str = Visibility.PANEL,
    visible_agencies: Sequence[Agency] = (),
) -> RoomEntry:
    """Information shared in the room, on the current item, with who may see it."""
    conference = _locked_conference(conference_id)
    require(actor, "room.share", conference)
    errors = _visibility_errors(visibility, visible_agencies)
    if not text.strip():
        errors["text"] = "Write what is being shared."
    if errors:
        raise ValidationError(errors)
    kind = (
        EntryKind.NOTE
        if actor.pk == conference.chair_id and visibility == Visibility.CHAIR
        else EntryKind.INFORMATION
    )
    return _entry_add(
        conference,
        author=actor,
        kind=kind,
        text=text.strip(),
        item=conference.current_item,
        visibility=visibility,
        agencies=visible_agencies,
    )


@transaction.atomic
def room_agree_risk(*, actor: Member, conference_id: int, item_id: int, level: str) -> AgendaItem:
    conference = _locked_conference(conference_id)
    require(actor, "conference.chair", conference)
    _in_session(conference)
    item = conference.agenda.filter(pk=item_id, kind=AgendaKind.CASE).first()
    if item is None:
        raise ValidationError({"item_id": "That case is not on this conference's agenda."})
    if level not in RiskLevel.values:
        raise ValidationError({"level": "Choose standard, medium or high."})
    item.agreed_risk = level
    item.save(update_fields=["agreed_risk"])
    _entry_add(
        conference,
        author=actor,
        kind=EntryKind.RISK_AGREED,
        text=f"Risk agreed: {RiskLevel(level).label}",
        item=item,
    )
    return item


@transaction.atomic
def action_agree(
    *,
    actor: Member,
    conference_id: int,
    item_id: int | None,
    description: str,
    owner: Member,
    due_at: datetime,
) -> Action:
    """An action the panel agrees: the owning agency, the person and the date."""
    conference = _locked_conference(conference_id)
    require(actor, "conference.chair", conference)
    _in_session(conference)
    item = (
        conference.agenda.filter(pk=item_id).first()
        if item_id is not None
        else conference.current_item
    )
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Say what is to be done."
    if owner.agency is None or not owner.is_active:
        errors["owner"] = "The owner must be an active member of an agency."
    if due_at <= timezone.now():
        errors["due_at"] = "The due date must be in the future."
    if errors:
        raise ValidationError(errors)
    assert owner.agency is not None  # noqa: S101 (checked above)
    action = Action.objects.create(
        conference=conference,
        agenda_item=item,
        referral=item.referral if item else None,
        description=description.strip(),
        owner_agency=owner.agency,
        owner=owner,
        due_at=due_at,
        ladder=ACTION_LADDER,
        created_at=timezone.now(),
    )
    _entry_add(
        conference,
        author=actor,
        kind=EntryKind.ACTION,
        text=(
            f"Action: {action.description} — {owner} ({owner.agency}), "
            f"by {timezone.localtime(due_at):%a %d %b %Y}"
        ),
        item=item,
        action=action,
    )
    notify(
        audiences=[f"member:{owner.pk}"],
        title=f"Action for you from “{conference.title}”"[:200],
        body=f"{action.description}\nDue: {timezone.localtime(due_at):%A %d %B %Y %H:%M}.",
        purposes=[Purpose.COORDINATION],
        cause=f"action:{action.pk}:assigned",
        subject=action,
        scope=_conference_scope(conference.pk),
        sender=actor,
    )
    return action


@transaction.atomic
def conference_conclude(*, actor: Member, conference_id: int) -> Conference:
    conference = _locked_conference(conference_id)
    require(actor, "conference.chair", conference)
    if not can_proceed(conference.conclude):
        raise ConflictError(f"This conference is {conference.get_state_display().lower()}.")
    now = timezone.now()
    conference.agenda.filter(discussed_at__isnull=True, pk=conference.current_item_id or 0).update(
        discussed_at=now
    )
    conference.conclude(at=now)
    conference.save()
    for item in conference.agenda.filter(kind=AgendaKind.CASE).select_related("referral"):
        assert item.referral is not None  # noqa: S101
        referral = Referral.objects.select_for_update().get(pk=item.referral.pk)
        if can_proceed(referral.hear) and item.discussed_at is not None:
            referral.hear()
            referral.save()
        elif referral.state == ReferralState.ON_AGENDA:
            # Not reached: back to the open list for the next conference.
            referral.take_off_agenda()
            referral.save()
    audit_record(
        actor=actor,
        verb="conference.concluded",
        subject=conference,
        scope=_conference_scope(conference.pk),
    )
    _room_push(conference, {"type": "room.concluded"})
    return conference


# --- Actions after the meeting -------------------------------------------------------------------
def _locked_action(action_id: int) -> Action:
    action: Action = (
        Action.objects.select_for_update(of=("self",))
        .select_related("owner", "conference")
        .get(pk=action_id)
    )
    return action


@transaction.atomic
def action_complete(*, actor: Member, action_id: int, outcome: str) -> Action:
    action = _locked_action(action_id)
    require(actor, "action.complete", action)
    if not outcome.strip():
        raise ValidationError({"outcome": "Say what was done."})
    if not can_proceed(action.complete):
        raise ConflictError(f"This action is already {action.get_state_display().lower()}.")
    action.complete(at=timezone.now(), by=actor, outcome=outcome.strip())
    action.save()
    audit_record(
        actor=actor,
        verb="action.completed",
        subject=action,
        scope=_conference_scope(action.conference_id),
        changes={"late": action.completed_at is not None and action.completed_at > action.due_at},
    )
    return action


def _action_rung_time(action: Action, index: int) -> datetime | None:
    if index >= len(action.ladder):
        return None
    return action.due_at + timedelta(seconds=int(action.ladder[index]["after_seconds"]))


@transaction.atomic
def action_mark_overdue(*, action_id: int, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    action = _locked_action(action_id)
    if action.state != ActionState.OPEN or action.due_at > now:
        return False
    action.mark_overdue(at=now)
    action.next_rung = 0
    action.next_rung_at = _action_rung_time(action, 0)
    action.save()
    audit_record(
        actor=None,
        verb="action.overdue",
        subject=action,
        scope=_conference_scope(action.conference_id),
    )
    _action_fire_rungs(action, now)
    return True


@transaction.atomic
def action_escalate(*, action_id: int, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return _action_fire_rungs(_locked_action(action_id), now)


def _action_fire_rungs(action: Action, now: datetime) -> int:
    """Caller holds the action's row lock. Each rung fires once (unique row per rung)."""
    fired = 0
    while (
        action.state in (ActionState.OVERDUE, ActionState.ESCALATED)
        and action.next_rung_at is not None
        and action.next_rung_at <= now
    ):
        index = action.next_rung
        to = action.ladder[index]["to"]
        audience = f"member:{action.owner_id}" if to == "owner" else to
        ActionRung.objects.create(action=action, index=index, audience=audience, fired_at=now)
        notify(
            audiences=[audience],
            title=f"OVERDUE action from “{action.conference.title}”"[:200],
            body=(
                f"{action.description}\nOwner: {action.owner} ({action.owner_agency}). "
                f"Was due {timezone.localtime(action.due_at):%a %d %b %Y %H:%M}."
            ),
            purposes=[Purpose.COORDINATION],
            cause=f"action:{action.pk}:rung:{index}",
            subject=action,
            scope=_conference_scope(action.conference_id),
            urgency=Urgency.URGENT,
            ack_ladder=[],
        )
        action.climb(next_rung_at=_action_rung_time(action, index + 1), escalates=to != "owner")
        action.save()
        audit_record(
            actor=None,
            verb="action.escalated",
            subject=action,
            scope=_conference_scope(action.conference_id),
            changes={"rung": index, "audience": audience},
        )
        fired += 1
    return fired
