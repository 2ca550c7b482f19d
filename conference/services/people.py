"""People and their incidents, repeat flags, and referrals with their risk assessment."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from conference import repeats
from conference.access_log import ACCESS_LOG
from conference.models import (
    AgendaItem,
    FlagKind,
    IncidentPerson,
    LawfulBasis,
    Person,
    PersonAccess,
    Referral,
    ReferralReason,
    RepeatFlag,
    ResearchContribution,
    RiskLevel,
    Visibility,
)
from conference.risk import risk_assess
from conference.selectors import person_for
from escalation.models import Incident
from notifications.models import Purpose, Urgency
from notifications.services import notify
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Area, Member, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.tenancy import partnership_working
from partnership.timeline import audit_record


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
    address: str = "",
) -> Person:
    require(actor, "person.create")
    if not full_name.strip():
        raise ValidationError({"full_name": "Give the person's name."})
    if date_of_birth is not None and date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": "A date of birth cannot be in the future."})
    partnership = partnership_working(actor)
    if area is not None and area.partnership_id != partnership.pk:
        raise ValidationError({"area": "Choose an area of the partnership you are working in."})
    person = Person.objects.create(
        partnership=partnership,
        full_name=full_name.strip(),
        known_as=known_as.strip(),
        date_of_birth=date_of_birth,
        area=area,
        safe_contact=safe_contact.strip(),
        address=address.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    audit_record(actor=actor, verb="person.created", subject=person, scope=Scope.person(person.pk))
    return person


# --- Views of personal data ----------------------------------------------------------------------
@transaction.atomic
def person_access_record(*, member: Member, people: Iterable[Person], what: str) -> None:
    """Record that ``member`` was shown the records of ``people`` (reviewed by the gold group and
    administrators in the access log). Doors call it after deciding to show the data, never the
    lookup (``selectors.person_for``), which stays a pure read."""
    at = timezone.now()
    once = {person.pk: person for person in people}
    ACCESS_LOG.append(
        [PersonAccess(person=person, member=member, at=at, what=what) for person in once.values()]
    )


def person_open(*, member: Member, pk: int, what: str) -> Person:
    """A person's record opened through a page or the API: the lookup (``selectors.person_for``,
    Http404 unless it is shared with the member) and the record of the view, together, so that a
    door cannot show the record without logging it. The lookup stays a pure read; doors that
    check more before showing (a case's timeline needs ``person.timeline``) use the two parts
    themselves, in that order, so a refusal logs nothing."""
    person = person_for(member, pk)
    person_access_record(member=member, people=[person], what=what)
    return person


@transaction.atomic
def research_access_record(
    *, member: Member, item: AgendaItem, shown: Iterable[ResearchContribution]
) -> None:
    """A restricted contribution shown is a view of the case's personal data, recorded like a
    view of the person's record; research shared with the whole panel is not."""
    if item.referral is None:
        return
    at = timezone.now()
    ACCESS_LOG.append(
        [
            PersonAccess(
                person_id=item.referral.person_id,
                member=member,
                at=at,
                what=f"restricted research {contribution.pk}",
            )
            for contribution in shown
            if contribution.visibility != Visibility.PANEL
        ]
    )


# What an app above does when a person is linked to an incident (casework: a new incident
# against the victim of a closed case links the cases), run in the link's transaction with the
# incident, the person, their part and who linked them.
PersonLinked = Callable[[Incident, Person, str, Member], None]
_PERSON_LINKED: list[PersonLinked] = []


def person_linked_register(handler: PersonLinked) -> None:
    if handler not in _PERSON_LINKED:
        _PERSON_LINKED.append(handler)


@transaction.atomic
def incident_person_link(
    *, actor: Member, incident: Incident, person: Person, involvement: str = "victim"
) -> list[RepeatFlag]:
    """Link a person to an incident (of any kind: the casework route too) and check their
    history against the repeat rules. Returns any flags raised."""
    require(actor, "incident.view", incident)
    require(actor, "person.link", person)
    if involvement not in IncidentPerson.Involvement.values:
        raise ValidationError(
            {"involvement": "Choose victim, witness, perpetrator or suspect, or reporter."}
        )
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
        scope=Scope.person(person.pk),
        changes={"incident_id": incident.pk, "involvement": involvement},
    )
    audit_record(
        actor=actor,
        verb="incident.person_linked",
        subject=incident,
        scope=Scope.incident(incident.pk),
        changes={"person_id": person.pk, "involvement": involvement},
    )
    for handler in _PERSON_LINKED:
        handler(incident, person, involvement, actor)
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
            scope=Scope.person(person.pk),
            changes={"kind": finding.kind, "incident_ids": [i.pk for i in finding.incidents]},
        )
        title = {
            FlagKind.SUGGESTED_REFERRAL: "A victim's history suggests a referral to a risk "
            f"conference ({person.reference}). Please decide on the flag.",
            FlagKind.REPEAT: "A victim already referred has been targeted again "
            f"({person.reference}). Please decide on the flag.",
            FlagKind.REPEAT_PERPETRATOR: "Someone has been the perpetrator or suspect in several "
            f"incidents ({person.reference}). Please decide on the flag.",
        }[FlagKind(finding.kind)]
        audiences = [Audience.role(Role.CSP_COORDINATOR)]
        if finding.kind == FlagKind.REPEAT_PERPETRATOR:
            # Community safety as well as casework: the CRRO hears of it too (004 §2.3).
            audiences.append(Audience.role(Role.CRRO))
        notify(
            audiences=audiences,
            title=title,
            body=f"Why: {finding.rule}\nPlease refer them to a risk conference, or dismiss the "
            "flag with a reason, on the flags page (it is on your home page too).",
            purposes=[Purpose.SITUATION, Purpose.COORDINATION],
            cause=f"flag:{flag.pk}",
            subject=flag,
            scope=Scope.person(person.pk),
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
        actor=actor, verb="repeat.dismissed", subject=flag, scope=Scope.person(flag.person_id)
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
    answers: Mapping[str, bool | None],
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
    # The referring partnership's case and thresholds: a record shared with it is referred there.
    working = partnership_working(actor)
    assessment = risk_assess(
        partnership=working,
        answers=answers,
        raised_level=raised_level,
        raised_reason=raised_reason,
    )
    if actor.agency is None:
        raise ValidationError("Only a member of an agency can refer.")
    referral = Referral.objects.create(
        partnership=working,
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
        scope=Scope.person(person.pk),
        partnership=working,
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
        audiences=[Audience.role(Role.CSP_COORDINATOR)],
        title=(
            f"{actor} ({actor.agency}) referred a victim to a risk conference "
            f"({person.reference}, {RiskLevel(assessment.level).label.lower()} risk). "
            "Please put it on an agenda."
        )[:200],
        body=(
            f"{actor} ({actor.agency}) referred {person.reference} to a risk conference: "
            f"{ReferralReason(reason).label.lower()}; assessed "
            f"{RiskLevel(assessment.level).label.lower()} risk.\n"
            "Please put the referral on a conference's agenda (it is on your home page)."
        ),
        purposes=[Purpose.COORDINATION],
        cause=f"referral:{referral.pk}",
        subject=referral,
        scope=Scope.person(person.pk),
        sender=actor,
        urgency=Urgency.URGENT if assessment.level == RiskLevel.HIGH else Urgency.NORMAL,
    )
    return referral
