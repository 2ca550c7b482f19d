"""The oversight API: a body's figures (JSON or CSV, suppressed as on the page) and scrutiny
requests. Same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oversight import selectors, services
from oversight.figures import figures_json
from oversight.models import ScrutinyRequest
from oversight.views import figures_file
from partnership.pages import member_of
from partnership.permissions import require
from review.reports import report_period


class FiguresQuerySerializer(serializers.Serializer[Any]):
    body = serializers.SlugField(required=False, default="", allow_blank=True)
    start = serializers.DateField(required=False, allow_null=True, default=None)
    end = serializers.DateField(required=False, allow_null=True, default=None)
    download = serializers.BooleanField(required=False, default=False)


class FiguresView(APIView):
    """An oversight body's figures for each of its partnerships over a period (the current
    half-year by default); small numbers suppressed (the rule is in ``suppression``);
    ``?download=1`` gives the same as CSV."""

    @extend_schema(parameters=[FiguresQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response | HttpResponse:
        member = member_of(request)
        require(member, "oversight.view")
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        body = selectors.body_for(member, data["body"])
        period = report_period(data["start"], data["end"])
        if data["download"]:
            return figures_file(body, period)
        return Response(figures_json(body, period))


class ScrutinySerializer(serializers.ModelSerializer[ScrutinyRequest]):
    body = serializers.CharField(source="body.name", read_only=True)
    partnership = serializers.CharField(source="partnership.slug", read_only=True)
    asked_by = serializers.CharField(source="asked_by.get_full_name", read_only=True)
    answered_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = ScrutinyRequest
        fields = [
            "id",
            "body",
            "partnership",
            "question",
            "asked_by",
            "sent_at",
            "due_at",
            "state",
            "overdue_at",
            "answer",
            "answered_at",
            "answered_late",
            "closed_at",
        ]
        read_only_fields = fields


class ScrutinySendSerializer(serializers.Serializer[Any]):
    body = serializers.SlugField(required=False, default="", allow_blank=True)
    partnership = serializers.SlugField()
    question = serializers.CharField(max_length=5000)
    due_on = serializers.DateField()


class ScrutinyListView(APIView):
    """GET: the requests the caller may see (their body's, or their partnership's). POST: a
    body's member sends one to a partnership the body oversees."""

    @extend_schema(responses=ScrutinySerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "scrutiny.list")
        return Response(ScrutinySerializer(selectors.scrutiny_requests_for(member), many=True).data)

    @extend_schema(request=ScrutinySendSerializer, responses={201: ScrutinySerializer})
    def post(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "scrutiny.send")
        body_data = ScrutinySendSerializer(data=request.data)
        body_data.is_valid(raise_exception=True)
        data = body_data.validated_data
        body = selectors.body_for(member, data["body"])
        partnership = body.partnerships.filter(slug=data["partnership"]).first()
        if partnership is None:
            raise serializers.ValidationError(
                {
                    "partnership": f"{body.name} oversees no partnership called "
                    f"{data['partnership']!r}."
                }
            )
        sent = services.scrutiny_send(
            actor=member,
            body=body,
            partnership_id=partnership.pk,
            question=data["question"],
            due_on=data["due_on"],
        )
        return Response(ScrutinySerializer(sent).data, status=201)


class ScrutinyDetailView(APIView):
    @extend_schema(responses=ScrutinySerializer)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        return Response(ScrutinySerializer(selectors.scrutiny_for(member, pk)).data)


class AnswerSerializer(serializers.Serializer[Any]):
    answer = serializers.CharField(max_length=10000)


class ScrutinyAnswerView(APIView):
    """The partnership's answer (its CSP Co-ordinator or their deputy)."""

    @extend_schema(request=AnswerSerializer, responses=ScrutinySerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        scrutiny = selectors.scrutiny_for(member, pk)
        require(member, "scrutiny.answer", scrutiny)
        body_data = AnswerSerializer(data=request.data)
        body_data.is_valid(raise_exception=True)
        answered = services.scrutiny_answer(
            actor=member, request_id=scrutiny.pk, answer=body_data.validated_data["answer"]
        )
        return Response(ScrutinySerializer(answered).data)


class ScrutinyCloseView(APIView):
    """The body closes an answered request."""

    @extend_schema(request=None, responses=ScrutinySerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        scrutiny = selectors.scrutiny_for(member, pk)
        return Response(
            ScrutinySerializer(services.scrutiny_close(actor=member, request_id=scrutiny.pk)).data
        )
