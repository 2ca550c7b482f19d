"""REST API of the escalation engine. Views check who is asking and call services; they never
write models themselves."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from escalation import services
from escalation.models import (
    Determination,
    Duty,
    Incident,
    IncidentState,
    SituationReport,
    Strand,
    TensionLevel,
)
from escalation.rules import incidents_visible
from escalation.selectors import duty_for, incident_for
from notifications.models import Notification, Purpose
from partnership.audiences import Audience
from partnership.models import Area, Member
from partnership.pages import member_of, valid_body
from partnership.permissions import require


# --- Serializers ---------------------------------------------------------------------------------
class DeterminationSerializer(serializers.ModelSerializer[Determination]):
    officer = serializers.CharField(source="officer.username", read_only=True)

    class Meta:
        model = Determination
        fields = ["id", "officer", "is_major", "rationale", "determined_at", "recorded_at"]


class IncidentSerializer(serializers.ModelSerializer[Incident]):
    area = serializers.CharField(source="area.name", read_only=True)
    area_id = serializers.IntegerField(read_only=True)
    strands = serializers.SerializerMethodField()
    reported_by = serializers.CharField(source="reported_by.username", read_only=True)
    connected = serializers.SerializerMethodField()
    protocol_version = serializers.IntegerField(
        source="protocol.number", read_only=True, default=None
    )
    determinations = DeterminationSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "occurred_at",
            "area",
            "area_id",
            "location",
            "strands",
            "safeguarding_steps",
            "tension_level",
            "state",
            "reported_by",
            "reported_at",
            "declared_at",
            "stood_down_at",
            "closed_at",
            "protocol_version",
            "connected",
            "determinations",
        ]

    def get_strands(self, incident: Incident) -> list[str]:
        return sorted(row.strand for row in incident.strand_rows.all())

    def get_connected(self, incident: Incident) -> list[int]:
        return sorted(other.pk for other in incident.connected.all())


class IncidentReportSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    occurred_at = serializers.DateTimeField()
    area_id = serializers.IntegerField()
    location = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    strands = serializers.ListField(
        child=serializers.ChoiceField(choices=Strand.choices), allow_empty=False, max_length=6
    )
    safeguarding_steps = serializers.CharField(
        max_length=20000, required=False, default="", allow_blank=True
    )
    tension_level = serializers.ChoiceField(choices=TensionLevel.choices)
    connected_to = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, max_length=100
    )


class DeterminationRequestSerializer(serializers.Serializer[Any]):
    is_major = serializers.BooleanField()
    rationale = serializers.CharField(max_length=20000)
    determined_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=5000)


class DutySerializer(serializers.ModelSerializer[Duty]):
    step = serializers.CharField(source="step_code", read_only=True)
    completed_by = serializers.CharField(
        source="completed_by.username", read_only=True, default=None
    )
    waiting_for = serializers.SerializerMethodField()

    class Meta:
        model = Duty
        fields = [
            "id",
            "incident",
            "step",
            "description",
            "owner_role",
            "state",
            "due_at",
            "due_explanation",
            "overdue_at",
            "completed_at",
            "completed_by",
            "message",
            "waived_reason",
            "waiting_for",
        ]

    def get_waiting_for(self, duty: Duty) -> list[str]:
        if not duty.is_open:
            return []
        siblings = self.context.get("siblings")  # the incident's duties, when a list has them
        return [d.step_code for d in services.duty_waiting_for(duty, siblings=siblings)]


class MeetingRequestSerializer(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=300)
    invitee_ids = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, max_length=200
    )


class DutyCompleteSerializer(serializers.Serializer[Any]):
    message = serializers.CharField(max_length=20000, required=False, default="", allow_blank=True)
    purposes = serializers.ListField(
        child=serializers.ChoiceField(choices=Purpose.choices),
        required=False,
        default=[Purpose.SITUATION, Purpose.COORDINATION],
        allow_empty=False,
        max_length=4,
    )
    meeting = MeetingRequestSerializer(required=False, allow_null=True, default=None)


# --- Views ---------------------------------------------------------------------------------------
def _incident_response(incident: Incident, status: int = 200) -> Response:
    fresh = (
        Incident.objects.select_related("area", "reported_by", "protocol")
        .prefetch_related("strand_rows", "connected", "determinations__officer")
        .get(pk=incident.pk)
    )
    return Response(IncidentSerializer(fresh).data, status=status)


class IncidentListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=IncidentState.values),
            OpenApiParameter("area", OpenApiTypes.INT, description="Area id"),
            OpenApiParameter("strand", OpenApiTypes.STR, enum=Strand.values),
        ],
        responses=IncidentSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "incident.list")
        query: QuerySet[Incident] = (
            incidents_visible(member)
            .select_related("area", "reported_by", "protocol")
            .prefetch_related("strand_rows", "connected", "determinations__officer")
        )
        filters = IncidentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        if wanted.get("state"):
            query = query.filter(state=wanted["state"])
        if wanted.get("area"):
            query = query.filter(area_id=wanted["area"])
        if wanted.get("strand"):
            query = query.filter(strand_rows__strand=wanted["strand"])
        return Response(IncidentSerializer(query.order_by("-reported_at")[:500], many=True).data)

    @extend_schema(request=IncidentReportSerializer, responses={201: IncidentSerializer})
    def post(self, request: Request) -> Response:
        require(member_of(request), "incident.report")
        data = valid_body(IncidentReportSerializer, request)
        area = Area.objects.filter(
            partnership=member_of(request).partnership, pk=data["area_id"]
        ).first()
        if area is None:
            raise serializers.ValidationError({"area_id": "No area with that id."})
        connected = [incident_for(member_of(request), pk) for pk in data["connected_to"]]
        incident = services.incident_report(
            reporter=member_of(request),
            title=data["title"],
            description=data["description"],
            occurred_at=data["occurred_at"],
            area=area,
            location=data["location"],
            strands=data["strands"],
            safeguarding_steps=data["safeguarding_steps"],
            tension_level=data["tension_level"],
            connected_to=connected,
        )
        return _incident_response(incident, status=201)


class IncidentFilterSerializer(serializers.Serializer[Any]):
    state = serializers.ChoiceField(choices=IncidentState.choices, required=False)
    area = serializers.IntegerField(required=False)
    strand = serializers.ChoiceField(choices=Strand.choices, required=False)


class IncidentDetailView(APIView):
    @extend_schema(responses=IncidentSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return _incident_response(incident_for(member_of(request), pk))


class DeterminationView(APIView):
    @extend_schema(request=DeterminationRequestSerializer, responses={201: IncidentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_for(member_of(request), pk)
        data = valid_body(DeterminationRequestSerializer, request)
        result = services.incident_determine(
            officer=member_of(request),
            incident_id=incident.pk,
            is_major=data["is_major"],
            rationale=data["rationale"],
            determined_at=data["determined_at"],
        )
        return _incident_response(result.incident, status=201)


class StandDownView(APIView):
    @extend_schema(request=ReasonSerializer, responses=IncidentSerializer)
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_for(member_of(request), pk)
        data = valid_body(ReasonSerializer, request)
        incident = services.incident_stand_down(
            actor=member_of(request),
            incident_id=incident.pk,
            reason=data["reason"],
        )
        return _incident_response(incident)


class CloseView(APIView):
    @extend_schema(request=None, responses=IncidentSerializer)
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_for(member_of(request), pk)
        incident = services.incident_close(actor=member_of(request), incident_id=incident.pk)
        return _incident_response(incident)


class IncidentDutiesView(APIView):
    @extend_schema(responses=DutySerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        incident = incident_for(member_of(request), pk)
        duties = list(incident.duties.select_related("completed_by").order_by("order"))
        return Response(DutySerializer(duties, many=True, context={"siblings": duties}).data)


class DutyCompleteView(APIView):
    @extend_schema(request=DutyCompleteSerializer, responses=DutySerializer)
    def post(self, request: Request, pk: int) -> Response:
        duty = duty_for(member_of(request), pk)
        data = valid_body(DutyCompleteSerializer, request)
        plan = None
        if data["meeting"]:
            meeting = data["meeting"]
            invitees = list(
                Member.objects.filter(
                    pk__in=meeting["invitee_ids"],
                    is_active=True,
                    partnerships=duty.incident.partnership_id,
                )
            )
            if len(invitees) != len(set(meeting["invitee_ids"])):
                raise serializers.ValidationError(
                    {"meeting": {"invitee_ids": "Unknown member id."}}
                )
            plan = services.MeetingPlan(
                starts_at=meeting["starts_at"],
                ends_at=meeting["ends_at"],
                location=meeting["location"],
                invitees=invitees,
            )
        duty = services.duty_complete(
            actor=member_of(request),
            duty_id=duty.pk,
            message=data["message"],
            purposes=data["purposes"],
            meeting=plan,
        )
        return Response(DutySerializer(duty).data)


class DutyWaiveView(APIView):
    @extend_schema(request=ReasonSerializer, responses=DutySerializer)
    def post(self, request: Request, pk: int) -> Response:
        duty = duty_for(member_of(request), pk)
        data = valid_body(ReasonSerializer, request)
        duty = services.duty_waive(actor=member_of(request), duty_id=duty.pk, reason=data["reason"])
        return Response(DutySerializer(duty).data)


class SituationReportRequestSerializer(serializers.Serializer[Any]):
    audiences = serializers.ListField(
        child=serializers.CharField(max_length=64), allow_empty=False, max_length=30
    )
    purposes = serializers.ListField(
        child=serializers.ChoiceField(choices=Purpose.choices), allow_empty=False, max_length=4
    )
    message = serializers.CharField(max_length=20000)

    def validate_audiences(self, value: list[str]) -> list[Audience]:
        try:
            return [Audience.parse_absolute(code) for code in value]
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class SituationReportReplySerializer(serializers.Serializer[Any]):
    recipient = serializers.CharField()
    state = serializers.CharField()
    reply_kind = serializers.CharField()
    reply = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class SituationReportSerializer(serializers.ModelSerializer[SituationReport]):
    author = serializers.CharField(source="author.username", read_only=True)
    replies = serializers.SerializerMethodField()
    not_yet_answered = serializers.SerializerMethodField()

    class Meta:
        model = SituationReport
        fields = [
            "id",
            "author",
            "audiences",
            "purposes",
            "body",
            "sent_at",
            "replies",
            "not_yet_answered",
        ]

    def _notifications(self, report: SituationReport) -> list[Notification]:
        return list(
            Notification.objects.filter(
                subject_type="escalation.situationreport", subject_id=str(report.pk)
            )
            .select_related("recipient")
            .order_by("pk")
        )

    @extend_schema_field(SituationReportReplySerializer(many=True))
    def get_replies(self, report: SituationReport) -> list[dict[str, Any]]:
        return [
            {
                "recipient": n.recipient.username,
                "state": n.state,
                "reply_kind": n.reply_kind,
                "reply": n.reply,
                "answered_at": n.answered_at,
            }
            for n in self._notifications(report)
            if n.answered_at is not None
        ]

    def get_not_yet_answered(self, report: SituationReport) -> list[str]:
        return [
            n.recipient.username
            for n in self._notifications(report)
            if n.needs_reply and n.answered_at is None
        ]


class SituationReportView(APIView):
    @extend_schema(responses=SituationReportSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        incident = incident_for(member_of(request), pk)
        reports = incident.situation_reports.select_related("author")
        return Response(SituationReportSerializer(reports, many=True).data)

    @extend_schema(
        request=SituationReportRequestSerializer, responses={201: SituationReportSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_for(member_of(request), pk)
        data = valid_body(SituationReportRequestSerializer, request)
        report = services.situation_report_send(
            actor=member_of(request),
            incident_id=incident.pk,
            audiences=data["audiences"],
            purposes=data["purposes"],
            message=data["message"],
        )
        return Response(SituationReportSerializer(report).data, status=201)


class LinkRequestSerializer(serializers.Serializer[Any]):
    other_id = serializers.IntegerField()


class IncidentLinkView(APIView):
    """Record that two incidents are part of one series of connected events."""

    @extend_schema(request=LinkRequestSerializer, responses={201: IncidentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_for(member_of(request), pk)
        data = valid_body(LinkRequestSerializer, request)
        other = incident_for(member_of(request), data["other_id"])
        services.incident_link(actor=member_of(request), incident=incident, other=other)
        return _incident_response(incident, status=201)
