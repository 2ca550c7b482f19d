"""The live room (opening, moving through the agenda, entries, agreeing a risk, concluding) and
the minutes."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conference import selectors, services
from conference.api.common import _agencies, _conference_for
from conference.api.conferences import ConferenceSerializer
from conference.minutes import minutes_for
from conference.models import (
    MinutesVersion,
    RiskLevel,
    Visibility,
)
from partnership.pages import member_of, valid_body


class OpenView(APIView):
    @extend_schema(request=None, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        services.conference_open(actor=member_of(request), conference_id=conference.pk)
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class MoveSerializer(serializers.Serializer[Any]):
    item_id = serializers.IntegerField()


class MoveView(APIView):
    @extend_schema(request=MoveSerializer, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        data = valid_body(MoveSerializer, request)
        services.room_move(
            actor=member_of(request), conference_id=conference.pk, item_id=data["item_id"]
        )
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class ConcludeView(APIView):
    @extend_schema(request=None, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        services.conference_conclude(actor=member_of(request), conference_id=conference.pk)
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class EntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    item_id = serializers.IntegerField(allow_null=True)
    author = serializers.CharField()
    text = serializers.CharField()
    visibility = serializers.CharField()
    agency_ids = serializers.ListField(child=serializers.IntegerField())
    created_at = serializers.CharField()


class ShareSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=20000)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PANEL)
    visible_agency_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, max_length=50
    )


class EntriesView(APIView):
    @extend_schema(responses=EntrySerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk)
        return Response(selectors.entries_visible(member_of(request), conference))

    @extend_schema(request=ShareSerializer, responses={201: EntrySerializer})
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        data = valid_body(ShareSerializer, request)
        agencies = _agencies(data["visible_agency_ids"], member_of(request).partnership)
        entry = services.room_share(
            actor=member_of(request),
            conference_id=conference.pk,
            text=data["text"],
            visibility=data["visibility"],
            visible_agencies=agencies,
        )
        return Response(selectors.entry_payload(entry, sorted(a.pk for a in agencies)), status=201)


class RiskSerializer(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=RiskLevel.choices)


class AgreeRiskView(APIView):
    @extend_schema(request=RiskSerializer, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        item = selectors.agenda_item_for(member_of(request), pk)
        conference = _conference_for(request, item.conference_id, "conference.attend")
        data = valid_body(RiskSerializer, request)
        services.room_agree_risk(
            actor=member_of(request),
            conference_id=conference.pk,
            item_id=item.pk,
            level=data["level"],
        )
        return Response(ConferenceSerializer(_conference_for(request, conference.pk)).data)


class MinutesVersionSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    made_at = serializers.DateTimeField()
    reason = serializers.CharField()
    made_by = serializers.CharField(allow_null=True)
    sha256 = serializers.CharField()
    previous_sha256 = serializers.CharField()


class MinutesSerializer(serializers.Serializer[Any]):
    text = serializers.CharField()
    final = serializers.BooleanField(help_text="False while the conference has not concluded.")
    version = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField(allow_null=True)
    verifies = serializers.BooleanField(allow_null=True)
    problem = serializers.CharField()
    versions = MinutesVersionSerializer(many=True)


def _version(version: MinutesVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "made_at": version.made_at,
        "reason": version.reason,
        "made_by": str(version.made_by) if version.made_by else None,
        "sha256": version.sha256,
        "previous_sha256": version.previous_sha256,
    }


class VersionQuery(serializers.Serializer[Any]):
    version = serializers.IntegerField(min_value=1, required=False)
    download = serializers.CharField(required=False)


class MinutesView(APIView):
    @extend_schema(parameters=[VersionQuery], responses=MinutesSerializer)
    def get(self, request: Request, pk: int) -> Response | HttpResponse:
        conference = _conference_for(request, pk)
        query = VersionQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        minutes = minutes_for(
            conference, reader=member_of(request), number=query.validated_data.get("version")
        )
        if query.validated_data.get("download"):
            response = HttpResponse(minutes.text, content_type="text/plain; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="minutes-conference-{conference.pk}.txt"'
            )
            return response
        version = minutes.version
        return Response(
            {
                "text": minutes.text,
                "final": version is not None,
                "version": version.number if version else None,
                "sha256": version.sha256 if version else None,
                "verifies": minutes.verifies,
                "problem": minutes.problem,
                "versions": [_version(v) for v in minutes.versions],
            }
        )


class CorrectionSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=5000, allow_blank=True)


class MinutesCorrectView(APIView):
    @extend_schema(request=CorrectionSerializer, responses={201: MinutesVersionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "minutes.correct")
        data = valid_body(CorrectionSerializer, request)
        version = services.minutes_correct(
            actor=member_of(request), conference_id=conference.pk, text=data["text"]
        )
        return Response(_version(version), status=201)
