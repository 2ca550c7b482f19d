"""REST API of risk conferences: people, their incidents, repeat flags, referrals, conferences,
agenda, research, the room, actions and minutes. Views check who is asking and call services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conference import selectors, services
from conference.models import (
    Action,
    AgendaItem,
    Conference,
    ConferenceKind,
    LawfulBasis,
    Person,
    PersonAccess,
    Referral,
    ReferralReason,
    RepeatFlag,
    ResearchContribution,
    RiskLevel,
    Visibility,
)
from conference.reports import (
    Period,
    half_year_containing,
    partnership_report,
    person_timeline_query,
    report_csv,
)
from conference.risk import CHECKLIST
from conference.rules import people_visible
from escalation.api import ReasonSerializer, _incident_for
from escalation.rules import incidents_visible
from partnership.models import Agency, Area, Member
from partnership.permissions import can, require
from partnership.review_api import (
    TimelinePageSerializer,
    TimelineQuerySerializer,
    timeline_export,
    timeline_response,
)


def _me(request: Request) -> Member:
    return Member.objects.select_related("agency").get(pk=request.user.pk or 0)


def _valid(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _agencies(ids: list[int]) -> list[Agency]:
    agencies = list(Agency.objects.filter(pk__in=ids, is_active=True))
    if len(agencies) != len(set(ids)):
        raise serializers.ValidationError({"visible_agencies": "Unknown agency id."})
    return agencies


def _member(pk: int, field: str) -> Member:
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


def _person_for(request: Request, pk: int, what: str = "record") -> Person:
    member = _me(request)
    if not people_visible(member).filter(pk=pk).exists():
        raise NotFound("No person with that id is shared with you.")
    return selectors.person_for(member, pk, what=what)


class PersonListView(APIView):
    @extend_schema(responses=PersonSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = _me(request)
        require(member, "person.create")
        people = people_visible(member).select_related("area")[:500]
        # Listing shows references and names: each listed record counts as viewed.
        for person in people:
            selectors.person_access_log(member=member, person=person, what="list")
        return Response(PersonSerializer(people, many=True).data)

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(PersonCreateSerializer, request)
        area = Area.objects.filter(pk=data["area_id"]).first() if data["area_id"] else None
        if data["area_id"] and area is None:
            raise serializers.ValidationError({"area_id": "No area with that id."})
        person = services.person_create(
            actor=_me(request),
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
        return Response(PersonSerializer(_person_for(request, pk)).data)


class PersonIncidentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    state = serializers.CharField()


class PersonIncidentsView(APIView):
    @extend_schema(responses=PersonIncidentSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        person = _person_for(request, pk, what="incident history")
        # Seeing the person is not seeing their incidents: only those incident.view allows, as
        # on the person's page.
        incidents = person.incidents.filter(pk__in=incidents_visible(_me(request))).order_by(
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
        incident = _incident_for(request, pk)
        data = _valid(LinkPersonSerializer, request)
        person = _person_for(request, data["person_id"], what="link to incident")
        flags = services.incident_person_link(
            actor=_me(request), incident=incident, person=person, involvement=data["involvement"]
        )
        return Response(FlagSerializer(flags, many=True).data, status=201)


class FlagListView(APIView):
    @extend_schema(responses=FlagSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(_me(request), "flag.manage")
        flags = (
            RepeatFlag.objects.filter(state="open")
            .select_related("person")
            .prefetch_related("incidents")
        )
        return Response(FlagSerializer(flags, many=True).data)


class FlagDismissView(APIView):
    @extend_schema(request=ReasonSerializer, responses=FlagSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = _valid(ReasonSerializer, request)
        try:
            flag = services.flag_dismiss(actor=_me(request), flag_id=pk, reason=data["reason"])
        except RepeatFlag.DoesNotExist:
            raise NotFound("No flag with that id.") from None
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
        require(_me(request), "referral.create")
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


def _referrals_visible(member: Member) -> QuerySet[Referral]:
    return Referral.objects.filter(person__in=people_visible(member)).select_related(
        "person", "referring_agency", "referred_by"
    )


class ReferralListView(APIView):
    @extend_schema(responses=ReferralSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = _me(request)
        require(member, "referral.create")
        return Response(ReferralSerializer(_referrals_visible(member)[:500], many=True).data)

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(ReferralCreateSerializer, request)
        person = _person_for(request, data["person_id"], what="referral")
        flag = RepeatFlag.objects.filter(pk=data["flag_id"]).first() if data["flag_id"] else None
        if data["flag_id"] and flag is None:
            raise serializers.ValidationError({"flag_id": "No such flag."})
        referral = services.referral_create(
            actor=_me(request),
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
        referral = _referrals_visible(_me(request)).filter(pk=pk).first()
        if referral is None:
            raise NotFound("No referral with that id is shared with you.")
        selectors.person_access_log(
            member=_me(request), person=referral.person, what=f"referral {referral.pk}"
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
    conference = Conference.objects.select_related("chair", "coordinator").filter(pk=pk).first()
    if conference is None or not can(request.user, "conference.view", conference):
        raise NotFound("No conference with that id is shared with you.")
    require(request.user, action, conference)
    return conference


class ConferenceListView(APIView):
    @extend_schema(responses=ConferenceSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = _me(request)
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
            actor=_me(request),
            kind=data["kind"],
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data["location"],
            chair=_member(data["chair_id"], "chair_id"),
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
            actor=_me(request),
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
        members = [_member(i, "member_ids") for i in data["member_ids"]]
        services.conference_invite(actor=_me(request), conference_id=conference.pk, members=members)
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
            actor=_me(request),
            conference_id=conference.pk,
            member=_member(data["member_id"], "member_id"),
            status=data["status"],
        )
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class OpenView(APIView):
    @extend_schema(request=None, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        services.conference_open(actor=_me(request), conference_id=conference.pk)
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class MoveSerializer(serializers.Serializer[Any]):
    item_id = serializers.IntegerField()


class MoveView(APIView):
    @extend_schema(request=MoveSerializer, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        data = _valid(MoveSerializer, request)
        services.room_move(actor=_me(request), conference_id=conference.pk, item_id=data["item_id"])
        return Response(ConferenceSerializer(_conference_for(request, pk)).data)


class ConcludeView(APIView):
    @extend_schema(request=None, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        services.conference_conclude(actor=_me(request), conference_id=conference.pk)
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
        return Response(selectors.entries_visible(_me(request), conference))

    @extend_schema(request=ShareSerializer, responses={201: EntrySerializer})
    def post(self, request: Request, pk: int) -> Response:
        conference = _conference_for(request, pk, "conference.attend")
        data = _valid(ShareSerializer, request)
        agencies = _agencies(data["visible_agency_ids"])
        entry = services.room_share(
            actor=_me(request),
            conference_id=conference.pk,
            text=data["text"],
            visibility=data["visibility"],
            visible_agencies=agencies,
        )
        return Response(services.entry_payload(entry, sorted(a.pk for a in agencies)), status=201)


class RiskSerializer(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=RiskLevel.choices)


class AgreeRiskView(APIView):
    @extend_schema(request=RiskSerializer, responses=ConferenceSerializer)
    def post(self, request: Request, pk: int) -> Response:
        item = AgendaItem.objects.filter(pk=pk).first()
        if item is None:
            raise NotFound("No such agenda item.")
        conference = _conference_for(request, item.conference_id, "conference.attend")
        data = _valid(RiskSerializer, request)
        services.room_agree_risk(
            actor=_me(request), conference_id=conference.pk, item_id=item.pk, level=data["level"]
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
    def _item(self, request: Request, pk: int) -> AgendaItem:
        item = (
            AgendaItem.objects.select_related("conference", "referral__person")
            .filter(pk=pk)
            .first()
        )
        if item is None:
            raise NotFound("No such agenda item.")
        _conference_for(request, item.conference_id)
        return item

    @extend_schema(responses=ResearchSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        item = self._item(request, pk)
        return Response(
            ResearchSerializer(selectors.research_visible(_me(request), item), many=True).data
        )

    @extend_schema(request=ResearchFileSerializer, responses={201: ResearchSerializer})
    def post(self, request: Request, pk: int) -> Response:
        item = self._item(request, pk)
        data = _valid(ResearchFileSerializer, request)
        contribution = services.research_file(
            actor=_me(request),
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
            actor=_me(request),
            conference_id=conference.pk,
            item_id=data["item_id"],
            description=data["description"],
            owner=_member(data["owner_id"], "owner_id"),
            due_at=data["due_at"],
        )
        return Response(ActionSerializer(action).data, status=201)


class OutcomeSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField(max_length=5000)


class ActionCompleteView(APIView):
    @extend_schema(request=OutcomeSerializer, responses=ActionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        action = Action.objects.filter(pk=pk).select_related("conference").first()
        if action is None or not (
            can(request.user, "conference.view", action.conference)
            or action.owner_id == request.user.pk
        ):
            raise NotFound("No action with that id is shared with you.")
        data = _valid(OutcomeSerializer, request)
        return Response(
            ActionSerializer(
                services.action_complete(actor=_me(request), action_id=pk, outcome=data["outcome"])
            ).data
        )


class MinutesSerializer(serializers.Serializer[Any]):
    text = serializers.CharField()


class MinutesView(APIView):
    @extend_schema(responses=MinutesSerializer)
    def get(self, request: Request, pk: int) -> Response | HttpResponse:
        conference = _conference_for(request, pk)
        minutes = selectors.minutes_build(conference, reader=_me(request))
        if request.query_params.get("download"):
            response = HttpResponse(minutes.text, content_type="text/plain; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="minutes-conference-{conference.pk}.txt"'
            )
            return response
        return Response({"text": minutes.text})


# --- Review: a case's timeline, partnership data, who viewed personal data -----------------------
def _case_for(request: Request, pk: int) -> Person:
    person = _person_for(request, pk, what="timeline")
    require(request.user, "person.timeline", person)
    return person


class PersonTimelineView(APIView):
    @extend_schema(parameters=[TimelineQuerySerializer], responses=TimelinePageSerializer)
    def get(self, request: Request, pk: int) -> Response:
        person = _case_for(request, pk)
        return timeline_response(person_timeline_query(person.pk), request)


class PersonTimelineExportView(APIView):
    @extend_schema(
        parameters=[
            TimelineQuerySerializer,
            OpenApiParameter("as", OpenApiTypes.STR, enum=["pdf", "csv", "json"]),
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        person = _case_for(request, pk)
        return timeline_export(
            person_timeline_query(person.pk),
            request,
            scope=f"person:{person.pk}",
            title=f"Timeline of case {person.reference}",
        )


class ReportQuerySerializer(serializers.Serializer[Any]):
    start = serializers.DateField(required=False, allow_null=True, default=None)
    end = serializers.DateField(required=False, allow_null=True, default=None)
    download = serializers.BooleanField(required=False, default=False)


def report_period(params: Any) -> Period:
    query = ReportQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    start, end = query.validated_data["start"], query.validated_data["end"]
    if start is None and end is None:
        return half_year_containing(timezone.localdate())
    if start is None or end is None:
        raise serializers.ValidationError({"start": "Give both start and end dates, or neither."})
    if end < start:
        raise serializers.ValidationError({"end": "The end date must not be before the start."})
    return Period(start, end)


class PartnershipReportView(APIView):
    """The partnership's figures for a period (the current half-year by default);
    ``?download=1`` gives a CSV of every figure."""

    @extend_schema(parameters=[ReportQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response | HttpResponse:
        require(request.user, "report.view")
        report = partnership_report(report_period(request.query_params))
        if request.query_params.get("download"):
            response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="partnership-report-{report["period"]["start"]}-'
                f'{report["period"]["end"]}.csv"'
            )
            return response
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
        require(request.user, "access_log.view")
        rows = PersonAccess.objects.select_related("member__agency", "person").order_by("-at")[
            :1000
        ]
        return Response(
            [
                {
                    "at": r.at,
                    "member": r.member.username,
                    "agency": r.member.agency.name if r.member.agency else "",
                    "person": r.person.reference,
                    "what": r.what,
                }
                for r in rows
            ]
        )
