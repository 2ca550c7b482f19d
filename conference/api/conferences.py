"""Planning a conference: conferences, their agenda, invitations and attendance, and each
agency's research on a case."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conference import selectors, services
from conference.api.common import _active_member, _agencies, _conference_for
from conference.models import (
    Conference,
    ConferenceKind,
    Referral,
    ResearchContribution,
    Visibility,
)
from partnership.pages import member_of, valid_body
from partnership.permissions import can
from partnership.tenancy import partnership_working


# --- Conferences ---------------------------------------------------------------------------------
class ConferenceSerializer(serializers.ModelSerializer[Conference]):
    chair = serializers.CharField(source="chair.username", read_only=True)
    coordinator = serializers.CharField(source="coordinator.username", read_only=True)
    invitees = serializers.SerializerMethodField()
    agenda = serializers.SerializerMethodField()

    class Meta:
        model = Conference
        fields = [
            "id",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "location",
            "chair",
            "coordinator",
            "state",
            "current_item_id",
            "invitees",
            "agenda",
        ]

    def get_invitees(self, conference: Conference) -> list[str]:
        return sorted(m.username for m in conference.invitees.all())

    def get_agenda(self, conference: Conference) -> list[dict[str, Any]]:
        return selectors.agenda_state(conference)


class ConferenceCreateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ConferenceKind.choices)
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=300)
    chair_id = serializers.IntegerField()


class ConferenceListView(APIView):
    @extend_schema(responses=ConferenceSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        visible = [
            c
            for c in Conference.objects.filter(partnership=member.partnership).select_related(
                "chair", "coordinator"
            )[:200]
            if can(member, "conference.view", c)
        ]
        return Response(ConferenceSerializer(visible, many=True).data)

    @extend_schema(request=ConferenceCreateSerializer, responses={201: ConferenceSerializer})
    def post(self, request: Request) -> Response:
        # Someone in no partnership (an oversight body's member) is refused before their
        # choice of chair is judged against a partnership they do not have.
        partnership_working(member_of(request))
        data = valid_body(ConferenceCreateSerializer, request)
        conference = services.conference_create(
            actor=member_of(request),
            kind=data["kind"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data["location"],
            chair=_active_member(data["chair_id"], "chair_id", member_of(request).partnership),
        )
        return Response(ConferenceSerializer(conference).data, status=201)


class ConferenceDetailView(APIView):
    @extend_schema(responses=ConferenceSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class AgendaAddSerializer(serializers.Serializer[Any]):
    referral_id = serializers.IntegerField()
    needed_agency_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, max_length=50
    )


class AgendaView(APIView):
    @extend_schema(request=AgendaAddSerializer, responses={201: ConferenceSerializer})
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.manage")
        data = valid_body(AgendaAddSerializer, request)
        referral = Referral.objects.filter(
            partnership=conference.partnership, pk=data["referral_id"]
        ).first()
        if referral is None:
            raise serializers.ValidationError({"referral_id": "No such referral."})
        services.agenda_add(
            actor=member_of(request),
            conference_id=conference.pk,
            referral=referral,
            needed_agencies=_agencies(data["needed_agency_ids"], conference.partnership),
        )
        return Response(ConferenceSerializer(_conference_for(request, pk)).data, status=201)


class InviteSerializer(serializers.Serializer[Any]):
    member_ids = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, max_length=200
    )


class InvitationsView(APIView):
    @extend_schema(request=InviteSerializer, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.manage")
        data = valid_body(InviteSerializer, request)
        members = [
            _active_member(i, "member_ids", member_of(request).partnership)
            for i in data["member_ids"]
        ]
        services.conference_invite(
            actor=member_of(request), conference_id=conference.pk, members=members
        )
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class AttendanceSerializer(serializers.Serializer[Any]):
    member_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["present", "apologies", "absent"])


class AttendanceView(APIView):
    @extend_schema(request=AttendanceSerializer, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        data = valid_body(AttendanceSerializer, request)
        services.attendance_record(
            actor=member_of(request),
            conference_id=conference.pk,
            member=_active_member(data["member_id"], "member_id", member_of(request).partnership),
            status=data["status"],
        )
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class ResearchSerializer(serializers.ModelSerializer[ResearchContribution]):
    agency = serializers.CharField(source="agency.name", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = ResearchContribution
        fields = [
            "id",
            "agency",
            "author",
            "facts",
            "opinion",
            "withheld",
            "withheld_reason",
            "visibility",
            "filed_at",
        ]


class ResearchFileSerializer(serializers.Serializer[Any]):
    facts = serializers.CharField(max_length=20000, required=False, default="", allow_blank=True)
    opinion = serializers.CharField(max_length=20000, required=False, default="", allow_blank=True)
    withheld = serializers.CharField(max_length=20000, required=False, default="", allow_blank=True)
    withheld_reason = serializers.CharField(
        max_length=5000, required=False, default="", allow_blank=True
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PANEL)
    visible_agency_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, max_length=50
    )


class ResearchView(APIView):
    @extend_schema(responses=ResearchSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        item = selectors.agenda_item_for(member, pk)
        research = selectors.research_visible(member, item)
        services.research_access_record(member=member, item=item, shown=research)
        return Response(ResearchSerializer(research, many=True).data)

    @extend_schema(request=ResearchFileSerializer, responses={201: ResearchSerializer})
    def post(self, request: Request, pk: int) -> Response:
        item = selectors.agenda_item_for(member_of(request), pk)
        data = valid_body(ResearchFileSerializer, request)
        contribution = services.research_file(
            actor=member_of(request),
            item_id=item.pk,
            facts=data["facts"],
            opinion=data["opinion"],
            withheld=data["withheld"],
            withheld_reason=data["withheld_reason"],
            visibility=data["visibility"],
            visible_agencies=_agencies(data["visible_agency_ids"], member_of(request).partnership),
        )
        return Response(ResearchSerializer(contribution).data, status=201)
