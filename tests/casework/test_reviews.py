"""Case review at the casework group's meetings: a conference of the casework kind whose agenda
is the open cases due for review, run in the conference's own room, each case's outcome recorded
in the room (so in the minutes) and on the case, which then falls due again on its next date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casework import selectors, services
from casework.models import Case, CaseReview
from conference import services as conference_services
from conference.minutes import minutes_for
from conference.models import AgendaKind, Conference, EntryKind
from escalation import services as escalation_services
from notifications.models import Notification
from partnership.errors import ConflictError
from partnership.models import AuditEvent, Member
from tests import factories

pytestmark = pytest.mark.django_db


def _cases(demo: dict[str, Member], count: int) -> list[Case]:
    lead = demo["member"]
    assert lead.agency is not None
    services.case_rule_add(actor=demo["coordinator"], lead_agency=lead.agency, lead_officer=lead)
    cases = []
    for _ in range(count):
        incident = factories.incident()
        escalation_services.incident_determine(
            officer=demo["officer"], incident_id=incident.pk, is_major=False, rationale="Not major."
        )
        cases.append(Case.objects.get(incident=incident))
    return cases


def _meeting(**kwargs: Any) -> Conference:
    return factories.conference(kind="casework", title="Casework group", **kwargs)


def test_the_casework_groups_agenda_is_the_open_cases_due_for_review_each_once(
    demo: dict[str, Member],
) -> None:
    first, second, later, closed = _cases(demo, 4)
    services.case_close(
        actor=demo["member"], case_id=closed.pk, outcome="resolved", victim_view="Safe now."
    )
    Case.objects.filter(pk=later.pk).update(
        next_review_on=timezone.localdate() + timedelta(days=30)
    )
    meeting = _meeting()
    with pytest.raises(PermissionDenied):  # the co-ordinator arranges the agenda
        services.case_reviews_agenda(actor=demo["chair"], conference_id=meeting.pk)
    reviews = services.case_reviews_agenda(actor=demo["coordinator"], conference_id=meeting.pk)
    assert [r.case for r in reviews] == [first, second]
    items = list(meeting.agenda.order_by("order"))
    assert [(i.kind, i.subject) for i in items] == [
        (AgendaKind.CASE_REVIEW, f"case {first.reference}"),
        (AgendaKind.CASE_REVIEW, f"case {second.reference}"),
    ]
    # The lead officer presents the cases: invited by the conference's own invitation.
    assert meeting.invitees.filter(pk=demo["member"].pk).exists()
    # Listed once: building again finds nothing new, and no other meeting takes them meanwhile.
    with pytest.raises(ConflictError):
        services.case_reviews_agenda(actor=demo["coordinator"], conference_id=meeting.pk)
    assert not selectors.cases_due_for_review(meeting.partnership_id, on=timezone.localdate())
    panel = factories.conference(kind="scheduled", title="Panel")
    with pytest.raises(ConflictError):  # a risk conference does not review cases
        services.case_reviews_agenda(actor=demo["coordinator"], conference_id=panel.pk)
    assert AuditEvent.objects.filter(
        verb="case.review_listed", scope=f"incident:{first.incident_id}"
    ).exists()


def test_the_chair_records_each_outcome_in_the_room_the_minutes_and_on_the_case(
    demo: dict[str, Member],
) -> None:
    kept, to_close = _cases(demo, 2)
    meeting = _meeting()
    kept_review, close_review = services.case_reviews_agenda(
        actor=demo["coordinator"], conference_id=meeting.pk
    )
    next_month = timezone.localdate() + timedelta(days=28)
    with pytest.raises(ConflictError):  # not in session yet
        services.case_review_record(
            actor=demo["chair"],
            review_id=kept_review.pk,
            outcome="continue",
            next_review_on=next_month,
        )
    conference_services.conference_open(actor=demo["chair"], conference_id=meeting.pk)
    with pytest.raises(PermissionDenied):  # the chair records the group's decision
        services.case_review_record(
            actor=demo["coordinator"],
            review_id=kept_review.pk,
            outcome="continue",
            next_review_on=next_month,
        )
    with pytest.raises(ValidationError) as refused:
        services.case_review_record(
            actor=demo["chair"],
            review_id=kept_review.pk,
            outcome="continue",
            next_review_on=timezone.localdate(),
        )
    assert "next_review_on" in refused.value.message_dict
    services.case_review_record(
        actor=demo["chair"],
        review_id=kept_review.pk,
        outcome="continue",
        next_review_on=next_month,
        notes="Housing to fit new locks first.",
    )
    services.case_review_record(
        actor=demo["chair"],
        review_id=close_review.pk,
        outcome="close",
        next_review_on=next_month,
    )
    with pytest.raises(ConflictError):
        services.case_review_record(
            actor=demo["chair"],
            review_id=kept_review.pk,
            outcome="close",
            next_review_on=next_month,
        )
    kept.refresh_from_db()
    assert kept.next_review_on == next_month
    assert CaseReview.objects.get(pk=kept_review.pk).notes == "Housing to fit new locks first."
    # In the room's record, and so in the minutes when the meeting concludes: the outcome and
    # the next date, not the notes (the case's personal data).
    entries = list(meeting.entries.filter(kind=EntryKind.REVIEW_OUTCOME).order_by("pk"))
    assert [e.agenda_item_id for e in entries] == [
        kept_review.agenda_item_id,
        close_review.agenda_item_id,
    ]
    conference_services.conference_conclude(actor=demo["chair"], conference_id=meeting.pk)
    text = minutes_for(meeting, reader=demo["coordinator"]).text
    assert f"REVIEW OF CASE {kept.reference}" in text
    assert f"Outcome: {kept.reference}: Continue: keep working the case. Next review" in text
    assert "new locks" not in text
    # The lead officer is asked to act on anything but "continue".
    asked = Notification.objects.filter(recipient=demo["member"], title__contains="close the case")
    assert list(asked.values_list("title", flat=True)) == [
        f"{to_close.reference}: the casework group asks you to close the case"
    ]
    assert AuditEvent.objects.filter(
        verb="case.reviewed", scope=f"incident:{kept.incident_id}"
    ).exists()
    # Reviewed: not due again until its date; then it is.
    partnership = meeting.partnership_id
    assert kept not in selectors.cases_due_for_review(partnership, on=timezone.localdate())
    assert kept in selectors.cases_due_for_review(partnership, on=next_month)


def test_a_case_the_meeting_did_not_reach_goes_on_the_next_meetings_agenda(
    demo: dict[str, Member],
) -> None:
    (case,) = _cases(demo, 1)
    first = _meeting()
    services.case_reviews_agenda(actor=demo["coordinator"], conference_id=first.pk)
    conference_services.conference_open(actor=demo["chair"], conference_id=first.pk)
    conference_services.conference_conclude(actor=demo["chair"], conference_id=first.pk)
    second = _meeting()
    (review,) = services.case_reviews_agenda(actor=demo["coordinator"], conference_id=second.pk)
    assert review.case == case


def test_retention_removes_the_groups_notes_with_the_closed_cases_words(
    demo: dict[str, Member],
) -> None:
    from casework.services.retention import REMOVED
    from conference.services.retention import retention_apply

    (case,) = _cases(demo, 1)
    meeting = _meeting()
    (review,) = services.case_reviews_agenda(actor=demo["coordinator"], conference_id=meeting.pk)
    conference_services.conference_open(actor=demo["chair"], conference_id=meeting.pk)
    services.case_review_record(
        actor=demo["chair"],
        review_id=review.pk,
        outcome="close",
        next_review_on=timezone.localdate() + timedelta(days=28),
        notes="Victim moving to her sister's.",
    )
    services.case_close(
        actor=demo["member"], case_id=case.pk, outcome="resolved", victim_view="Safe now."
    )
    later = timezone.now() + timedelta(days=case.partnership.retention_days + 1)
    retention_apply(now=later)
    review.refresh_from_db()
    assert review.notes == REMOVED
    assert review.outcome == "close"
