"""REST API of the 14-day report: the same selectors, rules and services as its page."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from escalation.selectors import incident_for
from partnership.errors import ConflictError
from partnership.pages import member_of, valid_body
from partnership.permissions import require
from review import selectors, services
from review.fourteen_day_views import fourteen_day_file
from review.models import FourteenDayReport


class FourteenDayDeliverySerializer(serializers.Serializer[Any]):
    recipient_id = serializers.IntegerField()
    recipient = serializers.CharField(source="recipient.get_username")
    agency = serializers.CharField(source="recipient.agency.name", default="")
    state = serializers.CharField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)


class FourteenDayReportSerializer(serializers.ModelSerializer[FourteenDayReport]):
    composed_by = serializers.CharField(source="composed_by.get_username")
    approved_by = serializers.CharField(source="approved_by.get_username", default=None)
    deliveries = serializers.SerializerMethodField()

    class Meta:
        model = FourteenDayReport
        fields = [
            "id",
            "incident_id",
            "state",
            "what_happened",
            "immediate_outcome",
            "actions_taken",
            "current_tension",
            "what_members_should_do",
            "composed_by",
            "composed_at",
            "edited_at",
            "approved_by",
            "sent_at",
            "recipients",
            "pdf_sha256",
            "deliveries",
        ]

    @extend_schema(responses=FourteenDayDeliverySerializer(many=True))
    def get_deliveries(self, report: FourteenDayReport) -> list[dict[str, Any]]:
        """Whom the sent report reached, and whether and when each acknowledged it."""
        return list(
            FourteenDayDeliverySerializer(selectors.fourteen_day_deliveries(report), many=True).data
        )


class FourteenDayEditSerializer(serializers.Serializer[Any]):
    what_happened = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    immediate_outcome = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    actions_taken = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    current_tension = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    what_members_should_do = serializers.CharField(
        max_length=20000, required=False, allow_blank=True
    )


class FourteenDayView(APIView):
    """An incident's 14-day report with whom it reached and who acknowledged it (GET); composed
    from the incident (POST) and its draft edited (PATCH) by the CSP Co-ordinator."""

    @extend_schema(responses=FourteenDayReportSerializer)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        return Response(FourteenDayReportSerializer(selectors.fourteen_day_for(member, pk)).data)

    @extend_schema(request=None, responses={201: FourteenDayReportSerializer})
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        incident = incident_for(member, pk)
        request.data  # noqa: B018 (it takes no body, but one sent must be well-formed: a 400)
        report = services.fourteen_day_compose(actor=member, incident=incident)
        return Response(FourteenDayReportSerializer(report).data, status=201)

    @extend_schema(request=FourteenDayEditSerializer, responses=FourteenDayReportSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        report = selectors.fourteen_day_for(member, pk)
        require(member, "fourteen_day.write", report)
        data = valid_body(FourteenDayEditSerializer, request)
        edited = services.fourteen_day_edit(actor=member, report_id=report.pk, **data)
        return Response(FourteenDayReportSerializer(edited).data)


class FourteenDayApproveView(APIView):
    """The CSP Co-ordinator approves the draft; it goes to every member of the partnership."""

    @extend_schema(request=None, responses=FourteenDayReportSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        report = selectors.fourteen_day_for(member, pk)
        request.data  # noqa: B018 (it takes no body, but one sent must be well-formed: a 400)
        sent = services.fourteen_day_approve(actor=member, report_id=report.pk)
        return Response(FourteenDayReportSerializer(sent).data)


class FourteenDayPdfView(APIView):
    """The report as sent: a PDF marked OFFICIAL-SENSITIVE on every page, with page numbers (409
    while it is a draft). The download is recorded on the timeline."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        member = member_of(request)
        report = selectors.fourteen_day_for(member, pk)
        if report.is_draft:
            raise ConflictError("The PDF is made when the report is approved and sent.")
        if not report.pdf:
            raise ConflictError(
                "The report's PDF was removed with the incident's details (retention)."
            )
        return fourteen_day_file(member, report)
