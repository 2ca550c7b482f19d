"""REST API of risk conferences: people, their incidents, repeat flags, referrals, conferences,
agenda, research, the room, actions and minutes. Views check who is asking and call services."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conference import selectors, services
from conference.models import (
    Action,
    Conference,
    ConferenceKind,
    LawfulBasis,
    Person,
    Referral,
    ReferralReason,
    RepeatFlag,
    ResearchContribution,
    RiskLevel,
    Visibility,
)
from conference.risk import CHECKLIST
from conference.rules import people_visible
from escalation.api import ReasonSerializer
from escalation.rules import incidents_visible
from escalation.selectors import incident_for
from partnership.models import Agency, Area, Member
from partnership.pages import member_of
from partnership.permissions import can, require


def _valid(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _agencies(ids: list[int]) -> list[Agency]:
    agencies = list(Agency.objects.filter(pk__in=ids, is_active=True))
    if len(agencies) != len(set(ids)):
        raise serializers.ValidationError({"visible_agencies": "Unknown agency id."})
    return agencies


def _active_member(pk: int, field: str) -> Member:
    """A member named in a request body (an owner, a chair, an invitee), or a 400 naming the
    field; not who is asking (that is ``member_of``)."""
    member = Member.objects.filter(pk=pk, is_active=True).select_related("agency").first()
    if member is None:
        raise serializers.ValidationError({field: "No active member with that id."})
    return member


# --- People --------------------------------------------------------------------------------------
class PersonSerializer(serializers.ModelSerializer[Person]):
    area = serializers.CharField(source="area.name", default=None, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "reference",
            "full_name",
            "known_as",
            "date_of_birth",
            "area",
            "safe_contact",
            "created_at",
        ]


class PersonCreateSerializer(serializers.Serializer[Any]):
    full_name = serializers.CharField(max_length=200)
    known_as = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    area_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    safe_contact = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )


class PersonListView(APIView):
    @extend_schema(responses=PersonSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "person.create")
        people = list(people_visible(member).select_related("area")[:500])
        # Listing shows references and names: each listed record counts as viewed.
        services.person_access_record(member=member, people=people, what="list")
        return Response(PersonSerializer(people, many=True).data)

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(PersonCreateSerializer, request)
        area = Area.objects.filter(pk=data["area_id"]).first() if data["area_id"] else None
        if data["area_id"] and area is None:
            raise serializers.ValidationError({"area_id": "No area with that id."})
        person = services.person_create(
            actor=member_of(request),
            full_name=data["full_name"],
            known_as=data["known_as"],
            date_of_birth=data["date_of_birth"],
            area=area,
            safe_contact=data["safe_contact"],
        )
        return Response(PersonSerializer(person).data, status=201)


class PersonDetailView(APIView):
    @extend_schema(responses=PersonSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            PersonSerializer(
                services.person_open(member=member_of(request), pk=pk, what="record")
            ).data
        )


class PersonIncidentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    state = serializers.CharField()


class PersonIncidentsView(APIView):
    @extend_schema(responses=PersonIncidentSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        person = services.person_open(member=member_of(request), pk=pk, what="incident history")
        # Seeing the person is not seeing their incidents: only those incident.view allows, as
        # on the person's page.
        incidents = person.incidents.filter(pk__in=incidents_visible(member_of(request))).order_by(
            "occurred_at"
        )
        return Response(
            [
                {
                    "id": i.pk,
                    "reference": i.reference,
                    "title": i.title,
                    "occurred_at": i.occurred_at,
                    "state": i.state,
                }
                for i in incidents
            ]
        )


class LinkPersonSerializer(serializers.Serializer[Any]):
    person_id = serializers.IntegerField()
    involvement = serializers.ChoiceField(choices=["victim", "witness"], default="victim")


class FlagSerializer(serializers.ModelSerializer[RepeatFlag]):
    person = serializers.CharField(source="person.reference", read_only=True)
    incident_ids = serializers.SerializerMethodField()

    class Meta:
        model = RepeatFlag
        fields = [
            "id",
            "person",
            "person_id",
            "kind",
            "rule",
            "incident_ids",
            "referral_id",
            "state",
            "raised_at",
        ]

    def get_incident_ids(self, flag: RepeatFlag) -> list[int]:
        return sorted(i.pk for i in flag.incidents.all())


class IncidentPeopleView(APIView):
    """Link a person to an incident of any kind; the repeat rules run at once."""

    @extend_schema(request=LinkPersonSerializer, responses={201: FlagSerializer(many=True)})
    def post(self, request: Request, pk: int) -> Response:
        incident = incident_for(member_of(request), pk)
        data = _valid(LinkPersonSerializer, request)
        person = services.person_open(
            member=member_of(request), pk=data["person_id"], what="link to incident"
        )
        flags = services.incident_person_link(
            actor=member_of(request),
            incident=incident,
            person=person,
            involvement=data["involvement"],
        )
        return Response(FlagSerializer(flags, many=True).data, status=201)


class FlagListView(APIView):
    @extend_schema(responses=FlagSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(member_of(request), "flag.manage")
        flags = (
            RepeatFlag.objects.filter(state="open")
            .select_related("person")
            .prefetch_related("incidents")
        )
        return Response(FlagSerializer(flags, many=True).data)


class FlagDismissView(APIView):
    @extend_schema(request=ReasonSerializer, responses=FlagSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        flag = selectors.flag_for(member, pk)
        data = _valid(ReasonSerializer, request)
        flag = services.flag_dismiss(actor=member, flag_id=flag.pk, reason=data["reason"])
        return Response(FlagSerializer(flag).data)


# --- Referrals -----------------------------------------------------------------------------------
class ChecklistQuestionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    text = serializers.CharField()
    weight = serializers.IntegerField()


class ChecklistView(APIView):
    """The hate crime risk assessment questions (answer each yes or no)."""

    @extend_schema(responses=ChecklistQuestionSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(member_of(request), "referral.create")
        return Response([{"code": q.code, "text": q.text, "weight": q.weight} for q in CHECKLIST])


class ReferralSerializer(serializers.ModelSerializer[Referral]):
    person = serializers.CharField(source="person.reference", read_only=True)
    referring_agency = serializers.CharField(source="referring_agency.name", read_only=True)
    referred_by = serializers.CharField(source="referred_by.username", read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "person",
            "person_id",
            "referring_agency",
            "referred_by",
            "reason",
            "summary",
            "answers",
            "score",
            "assessed_level",
            "level",
            "raised_reason",
            "lawful_basis",
            "consent_notes",
            "state",
            "created_at",
        ]


class ReferralCreateSerializer(serializers.Serializer[Any]):
    person_id = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=ReferralReason.choices)
    summary = serializers.CharField(max_length=20000)
    answers = serializers.DictField(child=serializers.BooleanField())
    lawful_basis = serializers.ChoiceField(choices=LawfulBasis.choices)
    consent_notes = serializers.CharField(
        max_length=5000, required=False, default="", allow_blank=True
    )
    raised_level = serializers.ChoiceField(
        choices=RiskLevel.choices, required=False, default="", allow_blank=True
    )
    raised_reason = serializers.CharField(
        max_length=5000, required=False, default="", allow_blank=True
    )
    flag_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class ReferralListView(APIView):
    @extend_schema(responses=ReferralSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "referral.create")
        return Response(
            ReferralSerializer(selectors.referrals_visible(member)[:500], many=True).data
        )

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(ReferralCreateSerializer, request)
        person = services.person_open(
            member=member_of(request), pk=data["person_id"], what="referral"
        )
        flag = RepeatFlag.objects.filter(pk=data["flag_id"]).first() if data["flag_id"] else None
        if data["flag_id"] and flag is None:
            raise serializers.ValidationError({"flag_id": "No such flag."})
        referral = services.referral_create(
            actor=member_of(request),
            person=person,
            reason=data["reason"],
            summary=data["summary"],
            answers=data["answers"],
            lawful_basis=data["lawful_basis"],
            consent_notes=data["consent_notes"],
            raised_level=data["raised_level"],
            raised_reason=data["raised_reason"],
            flag=flag,
        )
        return Response(ReferralSerializer(referral).data, status=201)


class ReferralDetailView(APIView):
    @extend_schema(responses=ReferralSerializer)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        referral = selectors.referral_for(member, pk)
        services.person_access_record(
            member=member, people=[referral.person], what=f"referral {referral.pk}"
        )
        return Response(ReferralSerializer(referral).data)


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


def _conference_for(request: Request, pk: int, action: str = "conference.view") -> Conference:
    """The conference (404 unless the caller may see it), then 403 unless they may ``action``."""
    member = member_of(request)
    conference = selectors.conference_for(member, pk)
    require(member, action, conference)
    return conference


class ConferenceListView(APIView):
    @extend_schema(responses=ConferenceSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        visible = [
            c
            for c in Conference.objects.select_related("chair", "coordinator")[:200]
            if can(member, "conference.view", c)
        ]
        return Response(ConferenceSerializer(visible, many=True).data)

    @extend_schema(request=ConferenceCreateSerializer, responses={201: ConferenceSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(ConferenceCreateSerializer, request)
        conference = services.conference_create(
            actor=member_of(request),
            kind=data["kind"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data["location"],
            chair=_active_member(data["chair_id"], "chair_id"),
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
        data = _valid(AgendaAddSerializer, request)
        referral = Referral.objects.filter(pk=data["referral_id"]).first()
        if referral is None:
            raise serializers.ValidationError({"referral_id": "No such referral."})
        services.agenda_add(
            actor=member_of(request),
            conference_id=conference.pk,
            referral=referral,
            needed_agencies=_agencies(data["needed_agency_ids"]),
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
        data = _valid(InviteSerializer, request)
        members = [_active_member(i, "member_ids") for i in data["member_ids"]]
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
        data = _valid(AttendanceSerializer, request)
        services.attendance_record(
            actor=member_of(request),
            conference_id=conference.pk,
            member=_active_member(data["member_id"], "member_id"),
            status=data["status"],
        )
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class OpenView(APIView):
    @extend_schema(request=None, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        services.conference_open(actor=member_of(request), conference_id=conference.pk)
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class MoveSerializer(serializers.Serializer[Any]):
    item_id = serializers.IntegerField()


class MoveView(APIView):
    @extend_schema(request=MoveSerializer, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        data = _valid(MoveSerializer, request)
        services.room_move(
            actor=member_of(request), conference_id=conference.pk, item_id=data["item_id"]
        )
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class ConcludeView(APIView):
    @extend_schema(request=None, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        services.conference_conclude(actor=member_of(request), conference_id=conference.pk)
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class EntrySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    item_id = serializers.IntegerField(allow_null=True)
    author = serializers.CharField()
    text = serializers.CharField()
    visibility = serializers.CharField()
    agency_ids = serializers.ListField(child=serializers.IntegerField())
    created_at = serializers.CharField()


class ShareSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=20000)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PANEL)
    visible_agency_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, max_length=50
    )


class EntriesView(APIView):
    @extend_schema(responses=EntrySerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk)
        return Response(selectors.entries_visible(member_of(request), conference))

    @extend_schema(request=ShareSerializer, responses={201: EntrySerializer})
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        data = _valid(ShareSerializer, request)
        agencies = _agencies(data["visible_agency_ids"])
        entry = services.room_share(
            actor=member_of(request),
            conference_id=conference.pk,
            text=data["text"],
            visibility=data["visibility"],
            visible_agencies=agencies,
        )
        return Response(selectors.entry_payload(entry, sorted(a.pk for a in agencies)), status=201)


class RiskSerializer(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=RiskLevel.choices)


class AgreeRiskView(APIView):
    @extend_schema(request=RiskSerializer, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        item = selectors.agenda_item_for(member_of(request), pk)
        conference = _conference_for(request, item.conference_id, "conference.attend")
        data = _valid(RiskSerializer, request)
        services.room_agree_risk(
            actor=member_of(request),
            conference_id=conference.pk,
            item_id=item.pk,
            level=data["level"],
        )
        return Response(ConferenceSerializer(_conference_for(request, conference.pk)).data)


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
        data = _valid(ResearchFileSerializer, request)
        contribution = services.research_file(
            actor=member_of(request),
            item_id=item.pk,
            facts=data["facts"],
            opinion=data["opinion"],
            withheld=data["withheld"],
            withheld_reason=data["withheld_reason"],
            visibility=data["visibility"],
            visible_agencies=_agencies(data["visible_agency_ids"]),
        )
        return Response(ResearchSerializer(contribution).data, status=201)


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
        data = _valid(ActionCreateSerializer, request)
        action = services.action_agree(
            actor=member_of(request),
            conference_id=conference.pk,
            item_id=data["item_id"],
            description=data["description"],
            owner=_active_member(data["owner_id"], "owner_id"),
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
        data = _valid(OutcomeSerializer, request)
        return Response(
            ActionSerializer(
                services.action_complete(actor=member, action_id=action.pk, outcome=data["outcome"])
            ).data
        )


class MinutesSerializer(serializers.Serializer[Any]):
    text = serializers.CharField()


class MinutesView(APIView):
    @extend_schema(responses=MinutesSerializer)
    def get(self, request: Request, pk: int) -> Response | HttpResponse:
        conference = _conference_for(request, pk)
        minutes = selectors.minutes_build(conference, reader=member_of(request))
        if request.query_params.get("download"):
            response = HttpResponse(minutes.text, content_type="text/plain; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="minutes-conference-{conference.pk}.txt"'
            )
            return response
        return Response({"text": minutes.text})
