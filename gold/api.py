"""The API of incidents connected across partnerships: the same selectors and services as the
pages, and the same view of the other side (``selectors.LinkView``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from escalation.selectors import incident_for
from gold import selectors, services
from gold.consumers import room_state
from gold.models import CommsChannel, GoldGroup, IncidentLink, ShareKind
from gold.services.decisions import decision_payload
from partnership.models import Member, Partnership
from partnership.pages import member_of, valid_body
from partnership.permissions import require


class LinkSerializer(serializers.Serializer[selectors.LinkView]):
    id = serializers.IntegerField(source="link.pk")
    state = serializers.CharField(source="link.state")
    side = serializers.ChoiceField(
        choices=["asking", "asked"], help_text="Whether the caller's partnership asked."
    )
    incident_id = serializers.IntegerField(source="own.pk", help_text="The caller's incident.")
    incident_reference = serializers.CharField(source="own.reference")
    other_reference = serializers.CharField()
    other_partnership = serializers.CharField(help_text="The other partnership's name.")
    other_state = serializers.CharField(
        help_text="The other incident's state, once the link is live (blank before)."
    )
    reason = serializers.CharField(source="link.reason")
    requested_at = serializers.DateTimeField(source="link.requested_at")
    answered_at = serializers.DateTimeField(source="link.answered_at", allow_null=True)
    decline_reason = serializers.CharField(source="link.decline_reason")
    unlinked_at = serializers.DateTimeField(source="link.unlinked_at", allow_null=True)
    unlink_reason = serializers.CharField(source="link.unlink_reason")


def _shown(member: Member, link: IncidentLink) -> dict[str, Any]:
    return dict(LinkSerializer(selectors.link_view(member, link)).data)


class CrossLinkRequestSerializer(serializers.Serializer[Any]):
    partnership = serializers.SlugField(help_text="The other partnership's slug.")
    reference = serializers.CharField(max_length=20, help_text="Their incident, e.g. HC-00042.")
    reason = serializers.CharField(max_length=services.REASON_MAX)


class LinkReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=services.REASON_MAX)


class LinksView(APIView):
    """The links of the caller's partnership with other partnerships' incidents."""

    @extend_schema(responses=LinkSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "incident.list")
        return Response([_shown(member, link) for link in selectors.links_of_partnership(member)])


class IncidentLinksView(APIView):
    """GET: an incident's links with other partnerships. POST: its CSP Co-ordinator asks another
    partnership to link one of its incidents (live once that partnership agrees)."""

    @extend_schema(responses=LinkSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        incident = incident_for(member, pk)
        return Response(
            [_shown(member, link) for link in selectors.links_of_incident(member, incident)]
        )

    @extend_schema(request=CrossLinkRequestSerializer, responses={201: LinkSerializer})
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        incident = incident_for(member, pk)
        require(member, "incident_link.request", incident)
        data = valid_body(CrossLinkRequestSerializer, request)
        other = Partnership.objects.filter(slug=data["partnership"]).first()
        if other is None:
            raise serializers.ValidationError(
                {"partnership": f"No partnership is called {data['partnership']!r}."}
            )
        link = services.incident_link_request(
            actor=member,
            incident=incident,
            other_partnership=other,
            other_reference=data["reference"],
            reason=data["reason"],
        )
        return Response(_shown(member, link), status=201)


class LinkView(APIView):
    @extend_schema(responses=LinkSerializer)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        return Response(_shown(member, selectors.link_for(member, pk)))


class LinkAgreeView(APIView):
    """The partnership asked agrees (its CSP Co-ordinator)."""

    @extend_schema(request=None, responses=LinkSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        link = selectors.link_for(member, pk)
        require(member, "incident_link.answer", link)
        return Response(_shown(member, services.incident_link_agree(actor=member, link_id=link.pk)))


class LinkDeclineView(APIView):
    """The partnership asked declines, with its reason."""

    @extend_schema(request=LinkReasonSerializer, responses=LinkSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        link = selectors.link_for(member, pk)
        require(member, "incident_link.answer", link)
        reason = valid_body(LinkReasonSerializer, request)["reason"]
        declined = services.incident_link_decline(actor=member, link_id=link.pk, reason=reason)
        return Response(_shown(member, declined))


class LinkUnlinkView(APIView):
    """Either partnership's CSP Co-ordinator ends a live link, with a reason."""

    @extend_schema(request=LinkReasonSerializer, responses=LinkSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        link = selectors.link_for(member, pk)
        require(member, "incident_link.unlink", link)
        reason = valid_body(LinkReasonSerializer, request)["reason"]
        ended = services.incident_link_unlink(actor=member, link_id=link.pk, reason=reason)
        return Response(_shown(member, ended))


# --- Gold groups ---------------------------------------------------------------------------------
class ConveneSerializer(serializers.Serializer[Any]):
    incident_id = serializers.IntegerField(help_text="The caller's partnership's incident.")
    title = serializers.CharField(max_length=200)
    member_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )


class GroupsView(APIView):
    """GET: the gold groups the caller may open. POST: convene one for an incident (and the
    incidents of other partnerships linked to it), seating the chosen members."""

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="gold_groups_list")
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "incident.list")
        return Response(
            [
                {"id": g.pk, "title": g.title, "state": g.state, "convened_at": g.convened_at}
                for g in selectors.groups_of(member)
            ]
        )

    @extend_schema(request=ConveneSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        member = member_of(request)
        data = valid_body(ConveneSerializer, request)
        incident = incident_for(member, data["incident_id"])
        require(member, "gold_group.convene", incident)
        group = services.gold_group_convene(
            actor=member, incident=incident, title=data["title"], member_ids=data["member_ids"]
        )
        return Response(room_state(member, group), status=201)


def _group_shown(member: Member, group: GoldGroup) -> dict[str, Any]:
    """The room's state, plus each incident as the member may see it (``IncidentPanel``)."""
    state = room_state(member, group)
    state["incidents"] = [
        {
            "reference": panel.reference,
            "partnership": panel.partnership,
            "own": panel.own,
            "summary": panel.summary,
            "timeline": panel.timeline,
            "situation_reports": panel.situation_reports,
        }
        for panel in selectors.incident_panels(member, group)
    ]
    return state


class GroupView(APIView):
    """A gold group as the caller may see it: members, what each party shares, its incidents
    (in full only for the caller's own partnership's; otherwise what is shared), every decision."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        return Response(_group_shown(member, selectors.group_for(member, pk)))


class GroupShareSerializer(serializers.Serializer[Any]):
    shares = serializers.ListField(
        child=serializers.ChoiceField(choices=ShareKind.choices), allow_empty=True
    )


class GroupShareView(APIView):
    """What the caller's partnership shares with the group, from now on."""

    @extend_schema(request=GroupShareSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        group = selectors.group_for(member, pk)
        require(member, "gold_group.share", group)
        shares = valid_body(GroupShareSerializer, request)["shares"]
        services.gold_group_share(actor=member, group_id=group.pk, shares=shares)
        return Response(_group_shown(member, selectors.group_for(member, pk)))


class GroupSeatSerializer(serializers.Serializer[Any]):
    member_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class GroupSeatsView(APIView):
    """Seat more members in a sitting group (each for a party they belong to); each is told at
    once, and the room shows them."""

    @extend_schema(
        request=GroupSeatSerializer, responses=OpenApiTypes.OBJECT, operation_id="gold_group_seat"
    )
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        group = selectors.group_for(member, pk)
        require(member, "gold_group.seat", group)
        member_ids = valid_body(GroupSeatSerializer, request)["member_ids"]
        services.gold_group_seat(actor=member, group_id=group.pk, member_ids=member_ids)
        return Response(_group_shown(member, selectors.group_for(member, pk)))


class GroupStandDownSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=5000)


class GroupStandDownView(APIView):
    """Stand the group down, with the reason: its room becomes read-only, the reviews of its
    decisions in force stop, and every member is told."""

    @extend_schema(
        request=GroupStandDownSerializer,
        responses=OpenApiTypes.OBJECT,
        operation_id="gold_group_stand_down",
    )
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        group = selectors.group_for(member, pk)
        require(member, "gold_group.stand_down", group)
        reason = valid_body(GroupStandDownSerializer, request)["reason"]
        services.gold_group_stand_down(actor=member, group_id=group.pk, reason=reason)
        return Response(_group_shown(member, selectors.group_for(member, pk)))


class OptionSerializer(serializers.Serializer[Any]):
    option = serializers.CharField(max_length=500)
    chosen = serializers.BooleanField(default=False)
    why = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


class DecisionSerializer(serializers.Serializer[Any]):
    information = serializers.CharField(max_length=10000)
    threat_and_risk = serializers.CharField(max_length=10000)
    powers_and_policies = serializers.CharField(max_length=10000)
    options = OptionSerializer(many=True)
    decision = serializers.CharField(max_length=10000)
    rationale = serializers.CharField(max_length=10000)
    review_at = serializers.DateTimeField()
    supersedes_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    change_reason = serializers.CharField(
        max_length=5000, required=False, default="", allow_blank=True
    )


class GroupDecisionsView(APIView):
    """GET: the decision log (every version). POST: record a decision, or with
    ``supersedes_id`` and ``change_reason`` a new version of one in force."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        group = selectors.group_for(member, pk)
        return Response([decision_payload(d) for d in selectors.decisions_of(group)])

    @extend_schema(request=DecisionSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        group = selectors.group_for(member, pk)
        require(member, "decision.record", group)
        data = valid_body(DecisionSerializer, request)
        made = services.decision_record(actor=member, group_id=group.pk, **data)
        return Response(decision_payload(made), status=201)


# --- The communications plan ---------------------------------------------------------------------
class CommsSerializer(serializers.Serializer[Any]):
    audiences = serializers.CharField(max_length=2000)
    message = serializers.CharField(max_length=10000)
    channel = serializers.ChoiceField(choices=CommsChannel.choices)
    approver_id = serializers.IntegerField(help_text="A member of the group.")
    send_at = serializers.DateTimeField()


class GroupCommsView(APIView):
    """GET: the group's communications plan. POST: propose a message (for approval)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        group = selectors.group_for(member, pk)
        return Response([selectors.comms_payload(item) for item in group.comms.all()])

    @extend_schema(request=CommsSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        group = selectors.group_for(member, pk)
        require(member, "comms.plan", group)
        data = valid_body(CommsSerializer, request)
        item = services.comms_propose(actor=member, group_id=group.pk, **data)
        return Response(selectors.comms_payload(item), status=201)


class CommsApproveView(APIView):
    """The approver named for the message approves it."""

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        item = selectors.comms_for(member, pk)
        require(member, "comms.approve", item)
        return Response(selectors.comms_payload(services.comms_approve(actor=member, item_id=pk)))


class CommsSentView(APIView):
    """Record that an approved message went out."""

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        item = selectors.comms_for(member, pk)
        require(member, "comms.send", item)
        return Response(selectors.comms_payload(services.comms_send(actor=member, item_id=pk)))


class CommsAnswerSerializer(serializers.Serializer[Any]):
    response = serializers.CharField(max_length=10000)


class CommsAnswerView(APIView):
    """Record what came back from a message that went out."""

    @extend_schema(request=CommsAnswerSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        item = selectors.comms_for(member, pk)
        require(member, "comms.send", item)
        response = valid_body(CommsAnswerSerializer, request)["response"]
        answered = services.comms_answer(actor=member, item_id=pk, response=response)
        return Response(selectors.comms_payload(answered))
