"""Case review at the casework group's meetings: the agenda built from the open cases due for
review, and each case's outcome recorded by the chair in the meeting's room (so in its minutes)
and on the case. The meeting itself is a conference of the casework kind: arranged, attended,
run and minuted by ``conference``'s services, not copies of them."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from casework.models import Case
from casework.review_models import CaseReview, ReviewOutcome
from casework.selectors import cases_due_for_review
from casework.services.cases import _locked
from conference.models import AgendaKind, Conference, ConferenceKind, ConferenceState
from conference.services import agenda_subject_add, conference_invite, room_outcome_record
from notifications.models import Purpose
from notifications.services import notify
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Member
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record


def _meeting_locked(conference_id: int) -> Conference:
    conference: Conference = Conference.objects.select_for_update().get(pk=conference_id)
    if conference.kind != ConferenceKind.CASEWORK:
        raise ConflictError(
            "Cases are reviewed at a casework group meeting: arrange a meeting of that kind."
        )
    return conference


def meeting_day(conference: Conference) -> date:
    return timezone.localdate(conference.starts_at)


@transaction.atomic
def case_reviews_agenda(*, actor: Member, conference_id: int) -> list[CaseReview]:
    """Put every open case due for review on the day of the casework group's meeting on its
    agenda (each once), and invite the cases' lead officers. The co-ordinator who arranges
    meetings builds it; cases that fall due later are added by building it again."""
    conference = _meeting_locked(conference_id)
    require(actor, "conference.manage", conference)
    if conference.state == ConferenceState.CONCLUDED:
        raise ConflictError("This meeting has concluded; its agenda can no longer change.")
    day = meeting_day(conference)
    due = list(
        cases_due_for_review(conference.partnership_id, on=day)
        .select_related("incident")
        .select_for_update(of=("self",))
    )
    if not due:
        raise ConflictError(f"No open case is due for review by {day:%d %B %Y}.")
    now = timezone.now()
    reviews = []
    for case in due:
        item = agenda_subject_add(
            actor=actor,
            conference=conference,
            kind=AgendaKind.CASE_REVIEW,
            subject=f"case {case.reference}",
        )
        review = CaseReview.objects.create(
            case=case, conference=conference, agenda_item=item, listed_at=now
        )
        audit_record(
            actor=actor,
            verb="case.review_listed",
            subject=case,
            scope=Scope.incident(case.incident_id),
            changes={"conference_id": conference.pk, "item_id": item.pk, "review_id": review.pk},
        )
        reviews.append(review)
    leads = {c.lead_officer for c in due if c.lead_officer is not None}
    if leads:
        # The lead officers present their cases: invited (and told) by the conference's own
        # invitation, which leaves out anyone invited already.
        conference_invite(actor=actor, conference_id=conference.pk, members=sorted(leads, key=str))
    return reviews


def _outcome_errors(
    outcome: str, next_review_on: date | None, conference: Conference
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = "Choose what the group decided: continue, escalate or close."
    if next_review_on is None:
        errors["next_review_on"] = "Say when the group reviews the case again if it is still open."
    elif next_review_on <= meeting_day(conference):
        errors["next_review_on"] = "The next review is after this meeting's day."
    return errors


@transaction.atomic
def case_review_record(
    *,
    actor: Member,
    review_id: int,
    outcome: str,
    next_review_on: date | None,
    notes: str = "",
) -> CaseReview:
    """The chair records what the group decided on a case under review, while the meeting is in
    session: in the room's record (so in the minutes: the outcome and the next date, not the
    notes, which are the case's personal data) and on the case, which is next due for review on
    ``next_review_on``. An outcome other than continue is sent to the lead officer to act on."""
    conference_id = CaseReview.objects.values_list("conference_id", flat=True).get(pk=review_id)
    conference = _meeting_locked(conference_id)
    require(actor, "conference.chair", conference)
    review = CaseReview.objects.select_for_update().select_related("agenda_item").get(pk=review_id)
    errors = _outcome_errors(outcome, next_review_on, conference)
    if errors:
        raise ValidationError(errors)
    assert next_review_on is not None  # noqa: S101 (checked above)
    if not can_proceed(review.record):
        raise ConflictError("The outcome of this review is already recorded.")
    case: Case = _locked(review.case_id)
    if not case.is_open:
        raise ConflictError(f"{case.reference} was closed after it was put on the agenda.")
    label = ReviewOutcome(outcome).label
    room_outcome_record(
        actor=actor,
        conference=conference,
        item=review.agenda_item,
        text=f"{case.reference}: {label}. Next review on or after {next_review_on:%d %B %Y}.",
    )
    now = timezone.now()
    review.record(
        outcome=outcome, notes=notes.strip(), next_review_on=next_review_on, by=actor, at=now
    )
    review.save()
    case.next_review_on = next_review_on
    case.save(update_fields=["next_review_on"])
    audit_record(
        actor=actor,
        verb="case.reviewed",
        subject=case,
        scope=Scope.incident(case.incident_id),
        changes={
            "conference_id": conference.pk,
            "review_id": review.pk,
            "outcome": outcome,
            "next_review_on": f"{next_review_on:%d %b %Y}",
        },
    )
    if outcome != ReviewOutcome.CONTINUE and case.lead_officer_id is not None:
        notify(
            audiences=[Audience.member(case.lead_officer_id)],
            title=f"{case.reference}: the casework group asks you to "
            f"{'escalate' if outcome == ReviewOutcome.ESCALATE else 'close'} the case",
            body=f"At “{conference.title}” the casework group decided: {label}."
            + (f"\n{notes.strip()}" if notes.strip() else ""),
            purposes=[Purpose.COORDINATION],
            cause=f"case_review:{review.pk}",
            subject=case,
            scope=Scope.incident(case.incident_id),
            sender=actor,
        )
    return review
