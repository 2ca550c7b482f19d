"""Review endpoints shared by incidents and cases: a timeline page with its integrity, and
exports. Each app supplies the events query and the permission; this module does the rest."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from partnership import review
from partnership.models import AuditEvent, Member
from partnership.services import timeline_export_record

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


class TimelineQuerySerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(required=False, allow_blank=True, max_length=200)
    agency = serializers.IntegerField(required=False, allow_null=True, default=None)
    since = serializers.DateTimeField(required=False, allow_null=True, default=None)
    until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    after_seq = serializers.IntegerField(required=False, default=0, min_value=0)
    limit = serializers.IntegerField(
        required=False, default=review.PAGE_SIZE, min_value=1, max_value=1000
    )


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


class IntegritySerializer(serializers.Serializer[Any]):
    verifies = serializers.BooleanField()
    checked_events = serializers.IntegerField()
    broken_at_seq = serializers.IntegerField(allow_null=True)
    statement = serializers.CharField()
    last_hash = serializers.CharField()


class TimelinePageSerializer(serializers.Serializer[Any]):
    integrity = IntegritySerializer()
    events = TimelineEventSerializer(many=True)
    next_after_seq = serializers.IntegerField(allow_null=True)


def timeline_filter(params: Any) -> tuple[review.TimelineFilter, int, int]:
    query = TimelineQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    kinds = tuple(k for k in (data.get("kind") or "").split(",") if k)
    wanted = review.TimelineFilter(
        kinds=kinds, agency_id=data["agency"], since=data["since"], until=data["until"]
    )
    return wanted, data["after_seq"], data["limit"]


def timeline_response(events: QuerySet[AuditEvent], request: Request) -> Response:
    wanted, after_seq, limit = timeline_filter(request.query_params)
    page = review.timeline_page(events, wanted, after_seq=after_seq, limit=limit)
    return Response(
        {
            "integrity": review.integrity(),
            "events": page.rows,
            "next_after_seq": page.next_after_seq,
        }
    )


def timeline_file(
    *,
    events: QuerySet[AuditEvent],
    wanted: review.TimelineFilter,
    export_type: str,
    member: Member,
    scope: str,
    title: str,
) -> HttpResponse:
    """The whole filtered timeline as a file (for the API and the pages alike); the export is
    itself recorded on the timeline."""
    rows = [
        review.event_row(e)
        for e in review.events_filtered(events, wanted).iterator(chunk_size=2000)
    ]
    statement = review.integrity()
    if export_type == "csv":
        body: bytes | str = review.export_csv(rows, statement)
    elif export_type == "json":
        body = review.export_json(title, rows, statement)
    else:
        body = review.export_pdf(title, rows, statement, exported_by=str(member))
    timeline_export_record(
        actor=member,
        scope=scope,
        export_format=export_type,
        events=len(rows),
        last_seq=rows[-1]["seq"] if rows else None,
    )
    response = HttpResponse(body, content_type=EXPORT_TYPES[export_type])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="timeline-{scope.replace(":", "-")}-{stamp}.{export_type}"'
    )
    return response


def timeline_export(
    events: QuerySet[AuditEvent], request: Request, *, scope: str, title: str
) -> HttpResponse:
    """The whole (filtered) timeline as a file; the export is recorded on the timeline."""
    export_type = request.query_params.get("as", "pdf")
    if export_type not in EXPORT_TYPES:
        raise serializers.ValidationError({"as": "Choose pdf, csv or json."})
    wanted, _, _ = timeline_filter(request.query_params)
    return timeline_file(
        events=events,
        wanted=wanted,
        export_type=export_type,
        member=Member.objects.get(pk=request.user.pk or 0),
        scope=scope,
        title=title,
    )
