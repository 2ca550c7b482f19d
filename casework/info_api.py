"""The API of shared information and community tension."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import services
from casework.info_models import InformationGrade, SharedInformation, SourceGrade, TensionRecord
from casework.info_views import area_for
from escalation.models import Incident, TensionLevel
from partnership.models import Area
from partnership.pages import member_of, valid_body
from partnership.permissions import can, require


class InformationSerializer(serializers.ModelSerializer[SharedInformation]):
    author = serializers.CharField(source="author.username", read_only=True)
    grading = serializers.CharField(read_only=True)

    class Meta:
        model = SharedInformation
        fields = [
            "id",
            "author",
            "incident",
            "area",
            "text",
            "source_grade",
            "information_grade",
            "grading",
            "shared_at",
        ]
        read_only_fields = fields


class InformationShareSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=5000)
    source_grade = serializers.ChoiceField(choices=SourceGrade.choices)
    information_grade = serializers.ChoiceField(choices=InformationGrade.choices)
    incident_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    area_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class InformationView(APIView):
    """GET: information shared in the partnership (the CRRO, the CSP Co-ordinator, the gold
    group). POST: any member shares, about an incident or an area; the CRRO and the co-ordinator
    are told at once."""

    @extend_schema(responses=InformationSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "information.view")
        shared = SharedInformation.objects.filter(partnership=member.partnership)[:500]
        return Response(InformationSerializer(shared, many=True).data)

    @extend_schema(request=InformationShareSerializer, responses={201: InformationSerializer})
    def post(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "information.share")
        data = valid_body(InformationShareSerializer, request)
        incident = area = None
        if data["incident_id"] is not None:
            incident = Incident.objects.filter(
                pk=data["incident_id"], partnership=member.partnership
            ).first()
            if incident is None or not can(member, "incident.view", incident):
                raise serializers.ValidationError(
                    {"incident_id": "No incident with that id is shared with you."}
                )
        if data["area_id"] is not None:
            area = Area.objects.filter(pk=data["area_id"], partnership=member.partnership).first()
            if area is None:
                raise serializers.ValidationError({"area_id": "No such area in this partnership."})
        shared = services.information_share(
            actor=member,
            text=data["text"],
            source_grade=data["source_grade"],
            information_grade=data["information_grade"],
            incident=incident,
            area=area,
        )
        return Response(InformationSerializer(shared).data, status=201)


class TensionSerializer(serializers.ModelSerializer[TensionRecord]):
    area_title = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = TensionRecord
        fields = ["id", "area", "area_title", "level", "reason", "source", "recorded_at"]
        read_only_fields = fields


class TensionBodySerializer(serializers.Serializer[Any]):
    area_id = serializers.IntegerField()
    level = serializers.ChoiceField(choices=TensionLevel.choices)
    reason = serializers.CharField(max_length=2000)
    # "source" is also a Field attribute; here it names where the tension report came from.
    source = serializers.CharField(max_length=300)  # type: ignore[assignment]


class TensionView(APIView):
    """GET: the tension in each area now (null where none is recorded). POST: the CRRO or the
    co-ordinator records it; a rise alerts them both."""

    @extend_schema(responses=TensionSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "tension.view")
        areas = Area.objects.filter(partnership=member.partnership).order_by("name")
        return Response(
            [
                {
                    "area": area.pk,
                    "area_name": area.name,
                    "now": TensionSerializer(record).data if record else None,
                }
                for area in areas
                for record in [services.tension_now(area)]
            ]
        )

    @extend_schema(request=TensionBodySerializer, responses={201: TensionSerializer})
    def post(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "tension.record")
        data = valid_body(TensionBodySerializer, request)
        area = Area.objects.filter(pk=data["area_id"], partnership=member.partnership).first()
        if area is None:
            raise serializers.ValidationError({"area_id": "No such area in this partnership."})
        record = services.tension_record(
            actor=member,
            area=area,
            level=data["level"],
            reason=data["reason"],
            source=data["source"],
        )
        return Response(TensionSerializer(record).data, status=201)


class TensionAreaView(APIView):
    """An area's tension over time, oldest first."""

    @extend_schema(responses=TensionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        require(member, "tension.view")
        area = area_for(member, pk)
        records = TensionRecord.objects.filter(area=area).order_by("recorded_at", "pk")
        return Response(TensionSerializer(records, many=True).data)
