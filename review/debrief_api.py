"""REST API of the debrief's record and the actions agreed at it: the same selectors, rules and
services as the debrief's page."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partnership.pages import member_of, valid_body
from partnership.permissions import require
from review import selectors, services
from review.models import Debrief, PlanAction
from review.services.actions import ActionPlan


class PlanActionSerializer(serializers.ModelSerializer[PlanAction]):
    owner = serializers.CharField(source="owner.get_username")
    owner_agency = serializers.CharField(source="owner_agency.name")

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "description",
            "owner_id",
            "owner",
            "owner_agency",
            "due_at",
            "state",
            "overdue_at",
            "completed_at",
            "outcome",
            "created_at",
        ]


class DebriefSerializer(serializers.ModelSerializer[Debrief]):
    meeting_starts_at = serializers.DateTimeField(source="meeting.starts_at")
    meeting_location = serializers.CharField(source="meeting.location")
    organiser = serializers.CharField(source="meeting.organiser.get_username")
    attendee_ids = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    recorded_late = serializers.BooleanField()

    class Meta:
        model = Debrief
        fields = [
            "id",
            "incident_id",
            "meeting_starts_at",
            "meeting_location",
            "organiser",
            "due_at",
            "state",
            "overdue_at",
            "attendee_ids",
            "other_attendees",
            "what_happened",
            "what_worked",
            "what_did_not_work",
            "lessons",
            "recorded_at",
            "recorded_late",
            "actions",
        ]

    def get_attendee_ids(self, debrief: Debrief) -> list[int]:
        return sorted(debrief.attendees.values_list("pk", flat=True))

    def get_actions(self, debrief: Debrief) -> list[dict[str, Any]]:
        return list(PlanActionSerializer(selectors.plan_actions_of(debrief), many=True).data)


class ActionPlanSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(max_length=5000)
    owner_id = serializers.IntegerField(min_value=1)
    due_on = serializers.DateField()

    def plan(self, data: dict[str, Any]) -> ActionPlan:
        return ActionPlan(
            description=data["description"], owner_id=data["owner_id"], due_on=data["due_on"]
        )


class DebriefRecordSerializer(serializers.Serializer[Any]):
    attendee_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=500, default=list
    )
    other_attendees = serializers.CharField(
        max_length=5000, required=False, default="", allow_blank=True
    )
    what_happened = serializers.CharField(max_length=20000)
    what_worked = serializers.CharField(max_length=20000)
    what_did_not_work = serializers.CharField(max_length=20000)
    lessons = serializers.CharField(max_length=20000)
    actions = serializers.ListField(
        child=ActionPlanSerializer(), required=False, default=list, max_length=100
    )


class DebriefView(APIView):
    """An incident's debrief: the meeting, its record and the actions agreed (GET); the record,
    written once by the organiser, the Police Partnership Co-ordinator or the CSP Co-ordinator
    once the meeting has met (POST)."""

    @extend_schema(responses=DebriefSerializer)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        return Response(DebriefSerializer(selectors.debrief_for(member, pk)).data)

    @extend_schema(request=DebriefRecordSerializer, responses=DebriefSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        debrief = selectors.debrief_for(member, pk)
        require(member, "debrief.record", debrief)
        data = valid_body(DebriefRecordSerializer, request)
        recorded = services.debrief_record(
            actor=member,
            debrief_id=debrief.pk,
            attendee_ids=data["attendee_ids"],
            other_attendees=data["other_attendees"],
            what_happened=data["what_happened"],
            what_worked=data["what_worked"],
            what_did_not_work=data["what_did_not_work"],
            lessons=data["lessons"],
            actions=[ActionPlanSerializer().plan(plan) for plan in data["actions"]],
        )
        return Response(DebriefSerializer(recorded).data)


class DebriefActionView(APIView):
    """One more action agreed at the debrief; its owner is told."""

    @extend_schema(request=ActionPlanSerializer, responses={201: PlanActionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        debrief = selectors.debrief_for(member, pk)
        require(member, "debrief.record", debrief)
        data = valid_body(ActionPlanSerializer, request)
        action = services.plan_action_add(
            actor=member, debrief_id=debrief.pk, plan=ActionPlanSerializer().plan(data)
        )
        return Response(PlanActionSerializer(action).data, status=201)


class PlanActionOutcomeSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField(max_length=10000)


class PlanActionCompleteView(APIView):
    """The action's owner (or the CSP Co-ordinator) records what was done."""

    @extend_schema(request=PlanActionOutcomeSerializer, responses=PlanActionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        action = selectors.plan_action_for(member, pk)
        require(member, "plan_action.complete", action)
        data = valid_body(PlanActionOutcomeSerializer, request)
        done = services.plan_action_complete(
            actor=member, action_id=action.pk, outcome=data["outcome"]
        )
        return Response(PlanActionSerializer(done).data)


# --- The strategy action plan --------------------------------------------------------------------
class PlanActionNoteSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    text = serializers.CharField()
    author = serializers.CharField(source="author.get_username")
    written_at = serializers.DateTimeField()
    meeting_id = serializers.IntegerField(allow_null=True)


class StrategyActionSerializer(PlanActionSerializer):
    notes = PlanActionNoteSerializer(many=True, source="notes.all")

    class Meta(PlanActionSerializer.Meta):
        fields = [*PlanActionSerializer.Meta.fields, "notes"]


class StrategyActionsView(APIView):
    """The partnership's strategy action plan (GET, every member); an action put on it by the
    CSP Co-ordinator (POST), its owner told."""

    @extend_schema(responses=StrategyActionSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        actions = selectors.strategy_actions(member)
        return Response(StrategyActionSerializer(actions, many=True).data)

    @extend_schema(request=ActionPlanSerializer, responses={201: StrategyActionSerializer})
    def post(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "strategy.manage")
        data = valid_body(ActionPlanSerializer, request)
        action = services.strategy_action_add(actor=member, plan=ActionPlanSerializer().plan(data))
        return Response(StrategyActionSerializer(action).data, status=201)


class PlanActionNoteBodySerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=10000)
    meeting_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class PlanActionNoteView(APIView):
    """Progress noted on an action by its owner or the CSP Co-ordinator, at one of the
    partnership's strategy group meetings (``meeting_id``) or between them."""

    @extend_schema(request=PlanActionNoteBodySerializer, responses={201: PlanActionNoteSerializer})
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        action = selectors.plan_action_for(member, pk)
        require(member, "plan_action.note", action)
        data = valid_body(PlanActionNoteBodySerializer, request)
        note = services.plan_action_note(
            actor=member, action_id=action.pk, text=data["text"], meeting_id=data.get("meeting_id")
        )
        return Response(PlanActionNoteSerializer(note).data, status=201)
