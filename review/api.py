"""REST API of the gold group's review: timelines with their integrity, exports, replay,
compliance, the partnership report and the access log. The same selectors and functions as the
review pages, so the API and a page cannot answer differently."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conference.access_log import access_log_verify
from conference.services import person_access_record
from escalation.models import Strand
from escalation.selectors import incident_for
from partnership.models import AuditEvent
from partnership.pages import member_of
from partnership.permissions import require
from partnership.scopes import Scope
from review import selectors
from review.compliance import (
    ComplianceFilter,
    compliance_across,
    compliance_incidents,
    incident_compliance,
)
from review.exports import EXPORT_TYPES, report_file, timeline_file
from review.replay import incident_replay, replay_moment_refusal
from review.reports import partnership_report, report_period
from review.timeline import (
    PAGE_SIZE,
    TimelineFilter,
    incident_events,
    integrity,
    person_events,
    timeline_page,
)


# --- Timelines -----------------------------------------------------------------------------------
class TimelineQuerySerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(required=False, allow_blank=True, max_length=200)
    agency = serializers.IntegerField(required=False, allow_null=True, default=None)
    since = serializers.DateTimeField(required=False, allow_null=True, default=None)
    until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    after_seq = serializers.IntegerField(required=False, default=0, min_value=0)
    limit = serializers.IntegerField(required=False, default=PAGE_SIZE, min_value=1, max_value=1000)


class TimelineEventSerializer(serializers.Serializer[Any]):
    seq = serializers.IntegerField()
    occurred_at = serializers.CharField()
    actor = serializers.CharField()
    agency = serializers.CharField()
    kind = serializers.CharField()
    verb = serializers.CharField()
    description = serializers.CharField()
    subject = serializers.CharField()
    changes = serializers.DictField()
    hash = serializers.CharField()


class CheckpointSerializer(serializers.Serializer[Any]):
    """The signed checkpoint the check started from: the chain verified up to event ``seq``,
    whose hash was ``head_hash``, at ``made_at`` (HMAC-SHA256 ``signature``)."""

    number = serializers.IntegerField()
    seq = serializers.IntegerField()
    made_at = serializers.DateTimeField()
    head_hash = serializers.CharField()
    signature = serializers.CharField()


class WalkedSerializer(serializers.Serializer[Any]):
    """A walk since the checkpoint that an earlier check found whole, which this check went on
    from: events up to ``seq`` were walked at ``at``, and event ``seq`` still carries
    ``head_hash``."""

    seq = serializers.IntegerField()
    head_hash = serializers.CharField()
    at = serializers.DateTimeField()


class IntegritySerializer(serializers.Serializer[Any]):
    """The integrity of the chain the record's timeline is part of (its partnership's), checked
    from its last signed checkpoint (``checkpoint``; null before the first), plus each event
    returned checked against its own hash."""

    verifies = serializers.BooleanField()
    checked_events = serializers.IntegerField(
        help_text="Events after the checkpoint verified, by this check or the walk it went on from."
    )
    checked_now = serializers.IntegerField(help_text="Events this check walked.")
    broken_at_seq = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField()
    statement = serializers.CharField()
    last_hash = serializers.CharField()
    chain = serializers.CharField(help_text="Whose chain: the partnership's name.")
    checkpoint = CheckpointSerializer(allow_null=True)
    walked = WalkedSerializer(allow_null=True)


class TimelinePageSerializer(serializers.Serializer[Any]):
    integrity = IntegritySerializer()
    events = TimelineEventSerializer(many=True)
    next_after_seq = serializers.IntegerField(allow_null=True)


EXPORT_PARAMETERS: list[OpenApiParameter | type[serializers.Serializer[Any]]] = [
    TimelineQuerySerializer,
    OpenApiParameter("as", OpenApiTypes.STR, enum=["pdf", "csv", "json"]),
]
EXPORT_RESPONSES = {(200, "application/pdf"): OpenApiTypes.BINARY}


def _timeline_filter(params: Any) -> tuple[TimelineFilter, int, int]:
    query = TimelineQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    kinds = tuple(k for k in (data.get("kind") or "").split(",") if k)
    wanted = TimelineFilter(
        kinds=kinds, agency_id=data["agency"], since=data["since"], until=data["until"]
    )
    return wanted, data["after_seq"], data["limit"]


def _timeline_response(events: QuerySet[AuditEvent], request: Request, scope: Scope) -> Response:
    wanted, after_seq, limit = _timeline_filter(request.query_params)
    page = timeline_page(events, wanted, after_seq=after_seq, limit=limit)
    return Response(
        {
            "integrity": integrity(scope, edited=page.edited),
            "events": page.rows,
            "next_after_seq": page.next_after_seq,
        }
    )


def _timeline_export(
    events: QuerySet[AuditEvent], request: Request, *, scope: Scope, title: str
) -> HttpResponse:
    """The whole (filtered) timeline as a file; the export is recorded on the timeline."""
    export_type = request.query_params.get("as", "pdf")
    if export_type not in EXPORT_TYPES:
        raise serializers.ValidationError({"as": "Choose pdf, csv or json."})
    wanted, _, _ = _timeline_filter(request.query_params)
    return timeline_file(
        events=events,
        wanted=wanted,
        export_type=export_type,
        member=member_of(request),
        scope=scope,
        title=title,
    )


class IncidentTimelineView(APIView):
    """Everything that happened on an incident, in order, with the chain's integrity."""

    @extend_schema(parameters=[TimelineQuerySerializer], responses=TimelinePageSerializer)
    def get(self, request: Request, pk: int) -> Response:
        incident = selectors.incident_for_review(member_of(request), pk)
        return _timeline_response(
            incident_events(incident.pk), request, Scope.incident(incident.pk)
        )


class IncidentTimelineExportView(APIView):
    """The timeline as a PDF (``?as=pdf``, the default), CSV or JSON file."""

    @extend_schema(parameters=EXPORT_PARAMETERS, responses=EXPORT_RESPONSES)
    def get(self, request: Request, pk: int) -> HttpResponse:
        incident = selectors.incident_for_review(member_of(request), pk)
        return _timeline_export(
            incident_events(incident.pk),
            request,
            scope=Scope.incident(incident.pk),
            title=f"Timeline of incident {incident.reference}: {incident.title}",
        )


class PersonTimelineView(APIView):
    """Everything about one person's case, in order, with the chain's integrity."""

    @extend_schema(parameters=[TimelineQuerySerializer], responses=TimelinePageSerializer)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        person = selectors.person_for_review(member, pk)
        response = _timeline_response(person_events(person.pk), request, Scope.person(person.pk))
        person_access_record(member=member, people=[person], what="timeline")
        return response


class PersonTimelineExportView(APIView):
    @extend_schema(parameters=EXPORT_PARAMETERS, responses=EXPORT_RESPONSES)
    def get(self, request: Request, pk: int) -> HttpResponse:
        member = member_of(request)
        person = selectors.person_for_review(member, pk)
        response = _timeline_export(
            person_events(person.pk),
            request,
            scope=Scope.person(person.pk),
            title=f"Timeline of case {person.reference}",
        )
        person_access_record(member=member, people=[person], what="timeline export")
        return response


# --- Replay and compliance -----------------------------------------------------------------------
class ReplayQuerySerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()

    def validate_at(self, value: datetime) -> datetime:
        refusal = replay_moment_refusal(value)
        if refusal:
            raise serializers.ValidationError(refusal)
        return value


class IncidentReplayView(APIView):
    """The incident as it stood at a chosen moment."""

    @extend_schema(parameters=[ReplayQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        incident = selectors.incident_for_review(member_of(request), pk)
        query = ReplayQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(incident_replay(incident, query.validated_data["at"]))


class IncidentComplianceView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        incident = incident_for(member, pk)
        require(member, "compliance.view", incident)
        return Response({"incident_id": incident.pk, "steps": incident_compliance(incident)})


class ComplianceQuerySerializer(serializers.Serializer[Any]):
    since = serializers.DateTimeField(required=False, allow_null=True, default=None)
    until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    area = serializers.IntegerField(required=False, allow_null=True, default=None)
    strand = serializers.ChoiceField(
        choices=Strand.choices, required=False, allow_null=True, default=None
    )


class ComplianceView(APIView):
    """Across a period, area or strand: each step's share met on time, median and worst time to
    complete, and the incidents with missed steps."""

    @extend_schema(parameters=[ComplianceQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "compliance.view")
        query = ComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        wanted = ComplianceFilter(
            since=data["since"],
            until=data["until"],
            area_id=data["area"] or None,
            strand=data["strand"] or "",
        )
        return Response(compliance_across(compliance_incidents(member, wanted)))


# --- The partnership report and the access log ---------------------------------------------------
class ReportQuerySerializer(serializers.Serializer[Any]):
    start = serializers.DateField(required=False, allow_null=True, default=None)
    end = serializers.DateField(required=False, allow_null=True, default=None)
    download = serializers.BooleanField(required=False, default=False)


class PartnershipReportView(APIView):
    """The partnership's figures for a period (the current half-year by default);
    ``?download=1`` gives a CSV of every figure."""

    @extend_schema(parameters=[ReportQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response | HttpResponse:
        member = member_of(request)
        require(member, "report.view")
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        report = partnership_report(member.partnership, report_period(data["start"], data["end"]))
        if data["download"]:
            return report_file(report)
        return Response(report)


class AccessLogSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    member = serializers.CharField()
    agency = serializers.CharField()
    person = serializers.CharField()
    what = serializers.CharField()


class AccessLogView(APIView):
    """Who viewed whose record, and when (for the gold group and administrators)."""

    @extend_schema(responses=AccessLogSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "access_log.view")
        return Response(
            [
                {
                    "at": r.at,
                    "member": r.member.username,
                    "agency": r.member.agency.name if r.member.agency else "",
                    "person": r.person.reference,
                    "what": r.what,
                }
                for r in selectors.access_log(member.partnership)[:1000]
            ]
        )


class AccessLogIntegritySerializer(serializers.Serializer[Any]):
    verifies = serializers.BooleanField()
    checked_entries = serializers.IntegerField()
    broken_at_seq = serializers.IntegerField(allow_null=True)
    statement = serializers.CharField()
    last_hash = serializers.CharField()


class AccessLogIntegrityView(APIView):
    """Whether the access log's hash chain verifies, and where it breaks if not (as the
    access-log page and ``manage.py verify_access_log`` say)."""

    @extend_schema(responses=AccessLogIntegritySerializer)
    def get(self, request: Request) -> Response:
        require(member_of(request), "access_log.view")
        report = access_log_verify()
        return Response(
            {
                "verifies": report.ok,
                "checked_entries": report.checked,
                "broken_at_seq": report.broken_seq,
                "statement": report.describe(),
                "last_hash": report.last_hash,
            }
        )
