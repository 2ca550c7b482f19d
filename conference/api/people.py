"""People, their incidents, repeat flags and referrals (with the risk checklist)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conference import selectors, services
from conference.duplicates import duplicates_find
from conference.models import (
    IncidentPerson,
    LawfulBasis,
    Person,
    PersonMerge,
    Referral,
    ReferralReason,
    RepeatFlag,
    RiskLevel,
)
from conference.risk import CHECKLIST
from conference.rules import people_visible
from escalation.api import ReasonSerializer
from escalation.rules import incidents_visible
from escalation.selectors import incident_for
from partnership.models import Area
from partnership.pages import member_of, valid_body
from partnership.permissions import require


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
            "address",
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
    address = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


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
        data = valid_body(PersonCreateSerializer, request)
        area = (
            Area.objects.filter(
                partnership=member_of(request).partnership, pk=data["area_id"]
            ).first()
            if data["area_id"]
            else None
        )
        if data["area_id"] and area is None:
            raise serializers.ValidationError({"area_id": "No area with that id."})
        person = services.person_create(
            actor=member_of(request),
            full_name=data["full_name"],
            known_as=data["known_as"],
            date_of_birth=data["date_of_birth"],
            area=area,
            safe_contact=data["safe_contact"],
            address=data["address"],
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
    involvement = serializers.ChoiceField(
        choices=IncidentPerson.Involvement.choices, default="victim"
    )


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
        data = valid_body(LinkPersonSerializer, request)
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
        member = member_of(request)
        require(member, "flag.manage")
        flags = (
            RepeatFlag.objects.filter(person__partnership=member.partnership, state="open")
            .select_related("person")
            .prefetch_related("incidents")
        )
        return Response(FlagSerializer(flags, many=True).data)


class FlagDismissView(APIView):
    @extend_schema(request=ReasonSerializer, responses=FlagSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        flag = selectors.flag_for(member, pk)
        data = valid_body(ReasonSerializer, request)
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
    # true, false, or null for "not known".
    answers = serializers.DictField(child=serializers.BooleanField(allow_null=True))
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
        referrals = list(selectors.referrals_visible(member)[:500])
        # Each referral carries its person's case (summary, consent notes): a view of them.
        services.person_access_record(
            member=member, people=[r.person for r in referrals], what="referral list"
        )
        return Response(ReferralSerializer(referrals, many=True).data)

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer})
    def post(self, request: Request) -> Response:
        data = valid_body(ReferralCreateSerializer, request)
        person = services.person_open(
            member=member_of(request), pk=data["person_id"], what="referral"
        )
        flag = (
            RepeatFlag.objects.filter(
                person__partnership=person.partnership_id, pk=data["flag_id"]
            ).first()
            if data["flag_id"]
            else None
        )
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


# --- Possible duplicates and merges --------------------------------------------------------------
class DuplicateSerializer(serializers.Serializer[Any]):
    first = PersonSerializer()
    second = PersonSerializer()
    reason = serializers.CharField()


class PersonDuplicatesView(APIView):
    """Pairs of records that may be one person (the CSP Co-ordinator); each listed person counts
    as viewed."""

    @extend_schema(responses=DuplicateSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "person.merge")
        assert member.partnership is not None  # noqa: S101 (person.merge needs one)
        candidates = duplicates_find(member.partnership)
        shown = {p.pk: p for c in candidates for p in (c.first, c.second)}
        services.person_access_record(member=member, people=shown.values(), what="duplicates")
        return Response(
            [
                {
                    "first": PersonSerializer(c.first).data,
                    "second": PersonSerializer(c.second).data,
                    "reason": c.reason,
                }
                for c in candidates
            ]
        )


class PersonMergeSerializer(serializers.ModelSerializer[PersonMerge]):
    class Meta:
        model = PersonMerge
        fields = [
            "id",
            "kept",
            "merged",
            "reason",
            "state",
            "merged_at",
            "undone_at",
            "undo_reason",
            "moved_links",
            "moved_referrals",
            "moved_flags",
        ]
        read_only_fields = fields


class MergeBodySerializer(serializers.Serializer[Any]):
    kept_id = serializers.IntegerField()
    merged_id = serializers.IntegerField()
    reason = serializers.CharField(max_length=1000)


class PersonMergesView(APIView):
    """Merge ``merged_id`` into ``kept_id`` (the CSP Co-ordinator; reversible)."""

    @extend_schema(request=MergeBodySerializer, responses={201: PersonMergeSerializer})
    def post(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "person.merge")
        data = valid_body(MergeBodySerializer, request)
        kept = selectors.person_for(member, data["kept_id"])
        merged = selectors.person_for(member, data["merged_id"])
        merge = services.person_merge(
            actor=member, kept_id=kept.pk, merged_id=merged.pk, reason=data["reason"]
        )
        return Response(PersonMergeSerializer(merge).data, status=201)


class PersonMergeUndoView(APIView):
    @extend_schema(request=ReasonSerializer, responses=PersonMergeSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        merge = selectors.merge_for(member, pk)
        data = valid_body(ReasonSerializer, request)
        undone = services.person_merge_undo(actor=member, merge_id=merge.pk, reason=data["reason"])
        return Response(PersonMergeSerializer(undone).data)
