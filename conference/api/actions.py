"""Actions agreed at a conference, and completing them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conference import selectors, services
from conference.api.common import _active_member, _conference_for
from conference.models import (
    Action,
)
from partnership.pages import member_of, valid_body


class ActionSerializer(serializers.ModelSerializer[Action]):
    owner = serializers.CharField(source="owner.username", read_only=True)
    owner_agency = serializers.CharField(source="owner_agency.name", read_only=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "conference_id",
            "agenda_item_id",
            "description",
            "owner",
            "owner_agency",
            "due_at",
            "state",
            "outcome",
            "completed_at",
        ]


class ActionCreateSerializer(serializers.Serializer[Any]):
    item_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    description = serializers.CharField(max_length=5000)
    owner_id = serializers.IntegerField()
    due_at = serializers.DateTimeField()


class ActionsView(APIView):
    @extend_schema(responses=ActionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk)
        return Response(
            ActionSerializer(
                conference.actions.select_related("owner", "owner_agency"), many=True
            ).data
        )

    @extend_schema(request=ActionCreateSerializer, responses={201: ActionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        data = valid_body(ActionCreateSerializer, request)
        action = services.action_agree(
            actor=member_of(request),
            conference_id=conference.pk,
            item_id=data["item_id"],
            description=data["description"],
            owner=_active_member(data["owner_id"], "owner_id", member_of(request).partnership),
            due_at=data["due_at"],
        )
        return Response(ActionSerializer(action).data, status=201)


class OutcomeSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField(max_length=5000)


class ActionCompleteView(APIView):
    @extend_schema(request=OutcomeSerializer, responses=ActionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        action = selectors.action_for(member, pk)
        data = valid_body(OutcomeSerializer, request)
        return Response(
            ActionSerializer(
                services.action_complete(actor=member, action_id=action.pk, outcome=data["outcome"])
            ).data
        )
