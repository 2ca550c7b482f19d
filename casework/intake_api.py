"""The API of reports from anyone: the public report and adding to it (no sign-in, the same
limits as the pages), a reporting centre's report, and the intake queue."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import selectors, services
from casework.intake_models import ContactBy, PublicReport, ReporterKind
from casework.intake_views import public_limit_reached, report_status
from casework.services.intake import LONGEST_ACCOUNT, LONGEST_ADDITION
from conference.models import RiskLevel
from escalation.models import Strand, TensionLevel
from partnership.models import Area, Partnership
from partnership.pages import member_of, valid_body
from partnership.permissions import require

TOO_MANY = "Too many reports from this address in the last hour: wait and try again."


class ReportBodySerializer(serializers.Serializer[Any]):
    what_happened = serializers.CharField(max_length=LONGEST_ACCOUNT)
    # Only a reporting centre's own members file as a centre (the service refuses it here).
    reporter_kind = serializers.ChoiceField(
        choices=ReporterKind.choices, default=ReporterKind.VICTIM
    )
    where = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    area_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    happened_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    strands = serializers.ListField(
        child=serializers.ChoiceField(choices=Strand.choices),
        required=False,
        default=list,
        max_length=len(Strand.choices),
    )
    anonymous = serializers.BooleanField(required=False, default=False)
    name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    contact_by = serializers.ChoiceField(choices=ContactBy.choices, default=ContactBy.NONE)
    contact = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    wants_outcome = serializers.BooleanField(required=False, default=False)
    may_pass_to_police = serializers.BooleanField(required=False, default=False)


class PublicReportSerializer(ReportBodySerializer):
    partnership = serializers.SlugField(help_text="The partnership of the area (its slug).")
    website = serializers.CharField(
        required=False, default="", allow_blank=True, help_text="Leave empty."
    )


def _details(data: dict[str, Any], partnership: Partnership) -> services.ReportDetails:
    area = None
    if data["area_id"] is not None:
        area = Area.objects.filter(pk=data["area_id"], partnership=partnership).first()
        if area is None:
            raise serializers.ValidationError({"area_id": "No such area in this partnership."})
    return services.ReportDetails(
        reporter_kind=data.get("reporter_kind", ReporterKind.CENTRE),
        what_happened=data["what_happened"],
        where=data["where"],
        area=area,
        happened_at=data["happened_at"],
        strands=tuple(data["strands"]),
        anonymous=data["anonymous"],
        name=data["name"],
        contact_by=data["contact_by"],
        contact=data["contact"],
        wants_outcome=data["wants_outcome"],
        may_pass_to_police=data["may_pass_to_police"],
    )


class ReferenceSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(max_length=20, allow_null=True)


class PublicReportView(APIView):
    """A report from anyone, without signing in (anonymous allowed). Answers only the report's
    reference; posts per address are limited (``PUBLIC_REPORTS_PER_HOUR``)."""

    permission_classes = [AllowAny]

    @extend_schema(request=PublicReportSerializer, responses={201: ReferenceSerializer})
    def post(self, request: Request) -> Response:
        if public_limit_reached(request._request):
            raise Throttled(detail=TOO_MANY)
        data = valid_body(PublicReportSerializer, request)
        if data["website"]:
            return Response({"reference": None}, status=201)  # a robot: keep nothing
        partnership = Partnership.objects.filter(slug=data["partnership"]).first()
        if partnership is None:
            raise serializers.ValidationError({"partnership": "No partnership has that name."})
        report = services.report_receive(
            partnership=partnership, details=_details(data, partnership)
        )
        return Response({"reference": report.reference}, status=201)


class AddBodySerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(max_length=20)
    text = serializers.CharField(
        max_length=LONGEST_ADDITION, required=False, default="", allow_blank=True
    )


class StatusSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField()
    state = serializers.CharField()
    told = serializers.CharField()


class PublicReportMoreView(APIView):
    """Add to a report with its reference (or, with no text, read where it is and what its
    reporter is told). Nothing the reporter wrote is answered back."""

    permission_classes = [AllowAny]

    @extend_schema(request=AddBodySerializer, responses=StatusSerializer)
    def post(self, request: Request) -> Response:

        if public_limit_reached(request._request):
            raise Throttled(detail=TOO_MANY)
        data = valid_body(AddBodySerializer, request)
        report = services.report_by_reference(data["reference"])
        if report is None:
            raise serializers.ValidationError({"reference": "No report has that reference."})
        if data["text"].strip():
            services.report_add(reference=report.reference, text=data["text"])
        return Response(report_status(report))


class CentreReportSerializer(ReportBodySerializer):
    consent_notes = serializers.CharField(max_length=2000)


class IntakeReportSerializer(serializers.ModelSerializer[PublicReport]):
    centre = serializers.CharField(source="centre.name", default=None, read_only=True)
    area = serializers.CharField(source="area.name", default=None, read_only=True)
    additions = serializers.SerializerMethodField()

    class Meta:
        model = PublicReport
        fields = [
            "id",
            "reporter_kind",
            "what_happened",
            "where",
            "area",
            "happened_at",
            "strands",
            "anonymous",
            "name",
            "contact_by",
            "contact",
            "wants_outcome",
            "may_pass_to_police",
            "centre",
            "consent_notes",
            "received_at",
            "state",
            "incident",
            "triaged_at",
            "triage_reason",
            "outcome_message",
            "additions",
        ]
        read_only_fields = fields

    def get_additions(self, report: PublicReport) -> list[dict[str, str]]:
        return [
            {"added_at": a.added_at.isoformat(), "text": a.text} for a in report.additions.all()
        ]


class IntakeListView(APIView):
    """GET: the intake queue (the CSP Co-ordinator and the CRRO)."""

    @extend_schema(responses=IntakeReportSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "intake.view")
        reports = selectors.reports_of(member).prefetch_related("additions")[:500]
        return Response(IntakeReportSerializer(reports, many=True).data)


class CentreReportView(APIView):
    """A third-party reporting centre files a report for a person, with their consent."""

    @extend_schema(request=CentreReportSerializer, responses={201: ReferenceSerializer})
    def post(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "intake.file")
        data = valid_body(CentreReportSerializer, request)
        assert member.partnership is not None  # noqa: S101 (intake.file needs one)
        report = services.report_file_for(
            actor=member,
            details=_details(data, member.partnership),
            consent_notes=data["consent_notes"],
        )
        return Response({"reference": report.reference}, status=201)


class IntakeDetailView(APIView):
    @extend_schema(responses=IntakeReportSerializer)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        return Response(IntakeReportSerializer(selectors.report_for(member, pk)).data)


class TriageSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=services.Triage.CHOICES)
    reason = serializers.CharField(max_length=2000)
    outcome_message = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )
    title = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    area_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    tension_level = serializers.ChoiceField(
        choices=TensionLevel.choices, required=False, default="", allow_blank=True
    )
    strands = serializers.ListField(
        child=serializers.ChoiceField(choices=Strand.choices), required=False, default=list
    )
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.STANDARD)
    existing_incident_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class IntakeTriageView(APIView):
    """Triage a report: an incident (then a case, or the senior officer), added to an existing
    incident, or intelligence only; with a reason, and what the reporter is told."""

    @extend_schema(request=TriageSerializer, responses=IntakeReportSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        report = selectors.report_for(member, pk)
        require(member, "intake.triage", report)
        data = valid_body(TriageSerializer, request)
        incident = None
        if data["title"] and data["area_id"] is not None and data["tension_level"]:
            area = Area.objects.filter(
                pk=data["area_id"], partnership=report.partnership_id
            ).first()
            if area is None:
                raise serializers.ValidationError({"area_id": "No such area in this partnership."})
            incident = services.IncidentFromReport(
                title=data["title"],
                area=area,
                tension_level=data["tension_level"],
                strands=data["strands"],
                risk_level=data["risk_level"],
            )
        triaged = services.report_triage(
            actor=member,
            report_id=report.pk,
            decision=data["decision"],
            reason=data["reason"],
            outcome_message=data["outcome_message"],
            incident=incident,
            existing_incident_id=data["existing_incident_id"],
        )
        return Response(IntakeReportSerializer(triaged).data)
