"""REST API of the six-monthly reports: the same selectors, rules and services as their pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partnership.pages import member_of, valid_body
from partnership.permissions import require
from review import selectors, services
from review.models import SixMonthlyReport
from review.six_monthly_views import six_monthly_file


class SixMonthlyRowSerializer(serializers.Serializer[Any]):
    section = serializers.CharField()
    item = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    previous = serializers.FloatField(allow_null=True)


class SixMonthlySerializer(serializers.ModelSerializer[SixMonthlyReport]):
    produced_by = serializers.CharField(source="produced_by.get_username", default=None)

    class Meta:
        model = SixMonthlyReport
        fields = [
            "id",
            "period_start",
            "period_end",
            "trigger",
            "produced_at",
            "produced_by",
            "recipients",
            "pdf_sha256",
        ]


class SixMonthlyDetailSerializer(SixMonthlySerializer):
    previous_start = serializers.CharField(source="figures.previous.start")
    previous_end = serializers.CharField(source="figures.previous.end")
    rows = SixMonthlyRowSerializer(source="figures.rows", many=True)

    class Meta(SixMonthlySerializer.Meta):
        fields = [*SixMonthlySerializer.Meta.fields, "previous_start", "previous_end", "rows"]


class SixMonthlyProduceSerializer(serializers.Serializer[Any]):
    start = serializers.DateField()
    end = serializers.DateField()


class SixMonthlyListView(APIView):
    """The partnership's stored six-monthly reports (GET); one produced now for a chosen period
    and sent to every member, by the CSP Co-ordinator (POST)."""

    @extend_schema(responses=SixMonthlySerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        reports = selectors.six_monthly_reports(member)
        return Response(SixMonthlySerializer(reports, many=True).data)

    @extend_schema(request=SixMonthlyProduceSerializer, responses={201: SixMonthlyDetailSerializer})
    def post(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "six_monthly.produce")
        data = valid_body(SixMonthlyProduceSerializer, request)
        report = services.six_monthly_produce(actor=member, start=data["start"], end=data["end"])
        return Response(SixMonthlyDetailSerializer(report).data, status=201)


class SixMonthlyDetailView(APIView):
    """One report: every figure (section, item, this period, the period before)."""

    @extend_schema(responses=SixMonthlyDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        return Response(SixMonthlyDetailSerializer(selectors.six_monthly_for(member, pk)).data)


class SixMonthlyFileView(APIView):
    """The report's PDF (marked OFFICIAL-SENSITIVE, numbered, with its charts) or CSV, as
    stored; the download is recorded."""

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    def get(self, request: Request, pk: int, file: str) -> HttpResponse:
        member = member_of(request)
        return six_monthly_file(member, selectors.six_monthly_for(member, pk), file)
