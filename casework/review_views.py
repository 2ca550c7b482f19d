"""The pages of case review at the casework group's meetings: the cases due for review and the
group's meetings, and one meeting's cases with the outcomes recorded there. The meeting's room,
attendance and minutes are the conference's own pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casework import selectors, services
from casework.forms import ReviewOutcomeForm
from casework.review_models import ReviewState
from casework.rules import cases_visible
from casework.services.reviews import meeting_day
from conference.models import Conference, ConferenceState
from partnership.models import Member
from partnership.page_forms import posted_or_blank, service_errors_add
from partnership.pages import CONFLICTS, conflict_text, member_of
from partnership.permissions import can, require


@require_GET
def case_reviews(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "case.list")
    due = (
        selectors.cases_due_for_review(member.partnership.pk, on=timezone.localdate())
        .filter(pk__in=cases_visible(member).values("pk"))
        .select_related("incident", "incident__area", "lead_agency", "lead_officer")
        if member.partnership
        else []
    )
    context = {
        "due": due,
        "meetings": selectors.casework_meetings_of(member),
        "arranges": can(member, "conference.manage"),
    }
    return render(request, "casework/reviews.html", context)


def _meeting_page(
    request: HttpRequest,
    member: Member,
    meeting: Conference,
    *,
    bound: ReviewOutcomeForm | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    records = meeting.state == ConferenceState.IN_SESSION and can(
        member, "conference.chair", meeting
    )
    rows = []
    for review in selectors.reviews_at(meeting):
        form = None
        if records and review.state == ReviewState.ON_AGENDA:
            form = posted_or_blank(bound, ReviewOutcomeForm(review_id=review.pk))
        rows.append((review, can(member, "case.view", review.case), form))
    day = meeting_day(meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "rows": rows,
        "day": day,
        "builds": meeting.state != ConferenceState.CONCLUDED
        and can(member, "conference.manage", meeting),
        "due_count": selectors.cases_due_for_review(meeting.partnership_id, on=day).count(),
        "conflict": conflict,
        "errors_form": bound,
    }
    return render(request, "casework/review_meeting.html", context, status=status)


@require_GET
def case_review_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    return _meeting_page(request, member, selectors.casework_meeting_for(member, pk))


@require_POST
def case_review_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    meeting = selectors.casework_meeting_for(member, pk)
    require(member, "conference.manage", meeting)
    try:
        reviews = services.case_reviews_agenda(actor=member, conference_id=meeting.pk)
    except CONFLICTS as error:
        return _meeting_page(request, member, meeting, status=409, conflict=conflict_text(error))
    messages.success(
        request,
        f"{len(reviews)} case{'' if len(reviews) == 1 else 's'} put on the agenda; their lead "
        "officers are invited.",
    )
    return redirect("case-review-meeting", pk=meeting.pk)


@require_POST
def case_review_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    review = selectors.case_review_for(member, pk)
    meeting = review.conference
    require(member, "conference.chair", meeting)
    form = ReviewOutcomeForm(request.POST, review_id=review.pk)
    if form.is_valid():
        try:
            services.case_review_record(actor=member, review_id=review.pk, **form.cleaned_data)
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _meeting_page(
                request, member, meeting, status=409, conflict=conflict_text(error)
            )
        else:
            messages.success(request, f"Outcome recorded for {review.case.reference}.")
            return redirect("case-review-meeting", pk=meeting.pk)
    return _meeting_page(request, member, meeting, bound=form, status=400)
