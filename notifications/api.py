"""My notifications: list, acknowledge, reply."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications.models import Delivery, Notification, ReplyKind
from partnership.pages import member_of, valid_body


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    """How the notification went out on one channel. ``state`` is ``recorded`` (label "Recorded,
    not sent") when the channel's backend only kept the message: never ``delivered``."""

    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Delivery
        fields = ["channel", "state", "state_label", "attempts", "delivered_at"]


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    needs_reply = serializers.BooleanField(read_only=True)
    sender = serializers.CharField(source="sender.username", read_only=True, default=None)
    deliveries = DeliverySerializer(many=True, read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "title",
            "body",
            "purposes",
            "urgency",
            "scope",
            "audience",
            "sender",
            "state",
            "needs_reply",
            "created_at",
            "acknowledged_at",
            "acknowledged_via",
            "answered_at",
            "reply_kind",
            "reply",
            "deliveries",
        ]


class NotificationFilterSerializer(serializers.Serializer[Any]):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)
    needs_reply = serializers.BooleanField(required=False, allow_null=True, default=None)


class ReplySerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ReplyKind.choices)
    reply = serializers.CharField(max_length=20000)


class NotificationListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("unread", OpenApiTypes.BOOL),
            OpenApiParameter("needs_reply", OpenApiTypes.BOOL),
        ],
        responses=NotificationSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = NotificationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        found = selectors.notifications_of(
            member_of(request),
            unread=filters.validated_data["unread"],
            needs_reply=filters.validated_data["needs_reply"],
        )
        return Response(NotificationSerializer(found[:200], many=True).data)


class AcknowledgeView(APIView):
    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        notification = services.notification_acknowledge(
            member=member_of(request), notification_id=pk, via="api"
        )
        return Response(NotificationSerializer(notification).data)


class ReplyView(APIView):
    @extend_schema(request=ReplySerializer, responses=NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        body = valid_body(ReplySerializer, request)
        notification = services.notification_reply(
            member=member_of(request),
            notification_id=pk,
            kind=body["kind"],
            text=body["reply"],
            via="api",
        )
        return Response(NotificationSerializer(notification).data)
