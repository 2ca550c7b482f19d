"""The API of case review at the casework group's meetings: the cases due for review and the
group's meetings, one meeting's cases, building its agenda, recording an outcome. Same selectors
and services as the pages."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import selectors, services
from casework.review_models import CaseReview, ReviewOutcome
from casework.rules import cases_visible
from conference.models import Conference
from partnership.pages import member_of, valid_body
from partnership.permissions import can, require


class DueCaseSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    risk_level = serializers.CharField()
    next_review_on = serializers.DateField(allow_null=True)


class CaseworkMeetingSerializer(serializers.ModelSerializer[Conference]):
    class Meta:
        model = Conference
        fields = ["id", "title", "starts_at", "ends_at", "location", "state"]
        read_only_fields = fields


class CaseReviewsSerializer(serializers.Serializer[Any]):
    due = DueCaseSerializer(many=True)
    meetings = CaseworkMeetingSerializer(many=True)


class CaseReviewSerializer(serializers.ModelSerializer[CaseReview]):
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    item_order = serializers.IntegerField(source="agenda_item.order", read_only=True)

    class Meta:
        model = CaseReview
        fields = [
            "id",
            "case",
            "case_reference",
            "conference",
            "agenda_item",
            "item_order",
            "state",
            "outcome",
            "next_review_on",
            "recorded_at",
        ]
        read_only_fields = fields


class CaseReviewsView(APIView):
    """GET: the open cases due for review today that the caller may see, and the casework
    group's meetings shared with them."""

    @extend_schema(responses=CaseReviewsSerializer)
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "case.list")
        due = selectors.cases_due_for_review(
            member.partnership.pk if member.partnership else 0, on=timezone.localdate()
        ).filter(pk__in=cases_visible(member).values("pk"))
        return Response(
            CaseReviewsSerializer(
                {"due": due, "meetings": selectors.casework_meetings_of(member)}
            ).data
        )


def _reviews(member: Any, meeting: Conference) -> list[dict[str, Any]]:
    """The meeting's reviews; the notes only to whom may see the case."""
    rows = []
    for review in selectors.reviews_at(meeting):
        row = dict(CaseReviewSerializer(review).data)
        row["notes"] = review.notes if can(member, "case.view", review.case) else None
        rows.append(row)
    return rows


class ReviewMeetingView(APIView):
    """GET: a casework group meeting's cases under review and their outcomes."""

    @extend_schema(responses=CaseReviewSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        meeting = selectors.casework_meeting_for(member, pk)
        return Response({"meeting": meeting.pk, "reviews": _reviews(member, meeting)})


class ReviewAgendaView(APIView):
    """POST: the co-ordinator puts the open cases due for review by the meeting's day on its
    agenda (409 when none is due)."""

    @extend_schema(request=None, responses={201: CaseReviewSerializer(many=True)})
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        meeting = selectors.casework_meeting_for(member, pk)
        require(member, "conference.manage", meeting)
        reviews = services.case_reviews_agenda(actor=member, conference_id=meeting.pk)
        return Response(CaseReviewSerializer(reviews, many=True).data, status=201)


class ReviewOutcomeSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    next_review_on = serializers.DateField()
    notes = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class ReviewOutcomeView(APIView):
    """POST: the chair records the group's decision on a case, while the meeting is in session."""

    @extend_schema(request=ReviewOutcomeSerializer, responses=CaseReviewSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        review = selectors.case_review_for(member, pk)
        require(member, "conference.chair", review.conference)
        data = valid_body(ReviewOutcomeSerializer, request)
        review = services.case_review_record(actor=member, review_id=review.pk, **data)
        return Response(CaseReviewSerializer(review).data)
