"""A person's record shared with other partnerships: list, share, withdraw."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conference import services
from conference.models import LawfulBasis, PersonShare
from partnership.models import Partnership
from partnership.pages import member_of, valid_body
from partnership.permissions import require


class ShareSerializer(serializers.ModelSerializer[PersonShare]):
    partnership = serializers.CharField(source="partnership.slug", read_only=True)
    partnership_name = serializers.CharField(source="partnership.name", read_only=True)

    class Meta:
        model = PersonShare
        fields = [
            "id",
            "partnership",
            "partnership_name",
            "basis",
            "reason",
            "shared_at",
            "state",
            "withdrawn_at",
            "withdrawn_reason",
        ]


class ShareCreateSerializer(serializers.Serializer[Any]):
    partnership = serializers.SlugField(help_text="The slug of the partnership to share with.")
    basis = serializers.ChoiceField(choices=LawfulBasis.choices)
    reason = serializers.CharField(max_length=5000)


class ShareWithdrawSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=5000)


class PersonSharesView(APIView):
    """Only the CSP Co-ordinator of the partnership that holds the record (``person.share``)."""

    @extend_schema(responses=ShareSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        person = services.person_open(member=member, pk=pk, what="shares")
        require(member, "person.share", person)
        return Response(ShareSerializer(person.shares.order_by("-shared_at"), many=True).data)

    @extend_schema(request=ShareCreateSerializer, responses={201: ShareSerializer})
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        person = services.person_open(member=member, pk=pk, what="share")
        require(member, "person.share", person)
        data = valid_body(ShareCreateSerializer, request)
        partnership = Partnership.objects.filter(slug=data["partnership"]).first()
        if partnership is None:
            raise serializers.ValidationError({"partnership": "No partnership with that slug."})
        share = services.person_share(
            actor=member,
            person=person,
            partnership=partnership,
            basis=data["basis"],
            reason=data["reason"],
        )
        return Response(ShareSerializer(share).data, status=201)


class ShareWithdrawView(APIView):
    @extend_schema(request=ShareWithdrawSerializer, responses=ShareSerializer)
    def post(self, request: Request, pk: int, share_pk: int) -> Response:
        member = member_of(request)
        person = services.person_open(member=member, pk=pk, what="withdraw a share")
        require(member, "person.share", person)
        if not person.shares.filter(pk=share_pk).exists():
            raise Http404("No such share of this record.")
        data = valid_body(ShareWithdrawSerializer, request)
        share = services.person_share_withdraw(
            actor=member, share_id=share_pk, reason=data["reason"]
        )
        return Response(ShareSerializer(share).data)
