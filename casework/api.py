"""The casework API: cases with their deadlines, opening one, recording contact and actions,
risk, lead, closure, escalation, and the partnership's casework rules. Same selectors and
services as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import selectors, services
from casework.compliance import contact_compliance
from casework.models import Case, CaseOutcome, CaseRule, CaseTask
from casework.standards import DEADLINE_UNITS, standards_for
from conference.models import LawfulBasis, RiskLevel
from escalation.models import Incident, Strand
from partnership.models import Agency, Area, Member
from partnership.pages import member_of, valid_body
from partnership.permissions import require


class CaseTaskSerializer(serializers.ModelSerializer[CaseTask]):
    owner = serializers.CharField(source="owner.username", default=None, read_only=True)
    owner_agency = serializers.CharField(source="owner_agency.name", default=None, read_only=True)
    done_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = CaseTask
        fields = [
            "id",
            "kind",
            "description",
            "owner",
            "owner_agency",
            "due_at",
            "due_explanation",
            "state",
            "overdue_at",
            "done_at",
            "done_late",
            "note",
        ]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer[Case]):
    reference = serializers.CharField(read_only=True)
    incident = serializers.IntegerField(source="incident_id", read_only=True)
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    lead_agency = serializers.CharField(source="lead_agency.name", default=None, read_only=True)
    lead_officer = serializers.CharField(
        source="lead_officer.username", default=None, read_only=True
    )
    tasks = CaseTaskSerializer(many=True, read_only=True)
    follows = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "incident",
            "incident_reference",
            "how_opened",
            "lead_agency",
            "lead_officer",
            "risk_level",
            "state",
            "opened_at",
            "referral",
            "put_to_officer_at",
            "outcome",
            "outcome_notes",
            "victim_view",
            "closed_at",
            "next_review_on",
            "follows",
            "reviews",
            "tasks",
        ]
        read_only_fields = fields

    def get_follows(self, case: Case) -> list[int]:
        """The closed cases of the same victim this case follows (``CaseLink``)."""
        return [link.earlier_id for link in case.follows.all()]

    def get_reviews(self, case: Case) -> list[dict[str, Any]]:
        """Its reviews at the casework group's meetings."""
        return [
            {
                "conference": review.conference_id,
                "state": review.state,
                "outcome": review.outcome,
                "next_review_on": review.next_review_on,
                "notes": review.notes,
            }
            for review in case.reviews.all()
        ]


class CaseOpenSerializer(serializers.Serializer[Any]):
    incident_id = serializers.IntegerField()
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.STANDARD)


class CaseListView(APIView):
    """GET: the cases the caller may see, with the contact standards' compliance over them.
    POST: the co-ordinator takes an incident into casework."""

    @extend_schema(responses=CaseSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "case.list")
        cases = selectors.cases_of(member).prefetch_related("tasks__owner", "tasks__owner_agency")
        return Response(
            {
                "cases": CaseSerializer(cases, many=True).data,
                "contact_compliance": [row.as_json() for row in contact_compliance(cases)],
            }
        )

    @extend_schema(request=CaseOpenSerializer, responses={201: CaseSerializer})
    def post(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "case.manage")
        data = valid_body(CaseOpenSerializer, request)
        incident = Incident.objects.filter(
            pk=data["incident_id"], partnership=member.partnership
        ).first()
        if incident is None:
            raise serializers.ValidationError({"incident_id": "No such incident here."})
        case = services.case_open(
            actor=member, incident_id=incident.pk, risk_level=data["risk_level"]
        )
        return Response(CaseSerializer(case).data, status=201)


class CaseDetailView(APIView):
    @extend_schema(responses=CaseSerializer)
    def get(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        return Response(CaseSerializer(selectors.case_for(member, pk)).data)


class ReopenSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class CaseReopenView(APIView):
    """POST: the co-ordinator reopens a closed case (its lead officer is told)."""

    @extend_schema(request=ReopenSerializer, responses=CaseSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        case = selectors.case_for(member, pk)
        require(member, "case.manage", case)
        data = valid_body(ReopenSerializer, request)
        return Response(
            CaseSerializer(
                services.case_reopen(actor=member, case_id=case.pk, reason=data["reason"])
            ).data
        )


class TaskCompleteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=10000)
    done_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CaseTaskCompleteView(APIView):
    """Record a step of victim contact or an action as done (when, and what was done; at a
    follow-up, what the victim says of the service)."""

    @extend_schema(request=TaskCompleteSerializer, responses=CaseTaskSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        task = selectors.case_task_for(member, pk)
        require(member, "case_task.complete", task)
        data = valid_body(TaskCompleteSerializer, request)
        done = services.case_task_complete(
            actor=member, task_id=task.pk, note=data["note"], done_at=data["done_at"]
        )
        return Response(CaseTaskSerializer(done).data)


class ActionAddSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(max_length=5000)
    owner_id = serializers.IntegerField()
    due_on = serializers.DateField()


class CaseActionsView(APIView):
    @extend_schema(request=ActionAddSerializer, responses={201: CaseTaskSerializer})
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        case = selectors.case_for(member, pk)
        require(member, "case.work", case)
        data = valid_body(ActionAddSerializer, request)
        owner = Member.objects.filter(
            pk=data["owner_id"], partnerships=case.partnership_id, is_active=True
        ).first()
        if owner is None:
            raise serializers.ValidationError({"owner_id": "No such member in this partnership."})
        task = services.case_action_add(
            actor=member,
            case_id=case.pk,
            description=data["description"],
            owner=owner,
            due_on=data["due_on"],
        )
        return Response(CaseTaskSerializer(task).data, status=201)


class CaseRiskSerializer(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=RiskLevel.choices)
    reason = serializers.CharField(max_length=500)


class CaseRiskView(APIView):
    @extend_schema(request=CaseRiskSerializer, responses=CaseSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        case = selectors.case_for(member, pk)
        require(member, "case.work", case)
        data = valid_body(CaseRiskSerializer, request)
        services.case_risk_set(
            actor=member, case_id=case.pk, level=data["level"], reason=data["reason"]
        )
        return Response(CaseSerializer(selectors.case_for(member, pk)).data)


class LeadSerializer(serializers.Serializer[Any]):
    agency_id = serializers.IntegerField()
    officer_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=500)


class CaseLeadView(APIView):
    @extend_schema(request=LeadSerializer, responses=CaseSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        case = selectors.case_for(member, pk)
        require(member, "case.manage", case)
        data = valid_body(LeadSerializer, request)
        agency = Agency.objects.filter(
            pk=data["agency_id"], partnerships=case.partnership_id
        ).first()
        if agency is None:
            raise serializers.ValidationError({"agency_id": "No such agency in this partnership."})
        officer = None
        if data["officer_id"] is not None:
            officer = Member.objects.filter(
                pk=data["officer_id"], partnerships=case.partnership_id
            ).first()
            if officer is None:
                raise serializers.ValidationError(
                    {"officer_id": "No such member in this partnership."}
                )
        services.case_lead_set(
            actor=member, case_id=case.pk, agency=agency, officer=officer, reason=data["reason"]
        )
        return Response(CaseSerializer(selectors.case_for(member, pk)).data)


class CloseSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=CaseOutcome.choices)
    notes = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)
    victim_view = serializers.CharField(max_length=5000)


class CaseCloseView(APIView):
    @extend_schema(request=CloseSerializer, responses=CaseSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        case = selectors.case_for(member, pk)
        require(member, "case.work", case)
        data = valid_body(CloseSerializer, request)
        services.case_close(actor=member, case_id=case.pk, **data)
        return Response(CaseSerializer(selectors.case_for(member, pk)).data)


class OfficerSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=5000)


class CasePutToOfficerView(APIView):
    """Ask the senior police officer for a determination: the case has grown."""

    @extend_schema(request=OfficerSerializer, responses=CaseSerializer)
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        case = selectors.case_for(member, pk)
        require(member, "case.work", case)
        data = valid_body(OfficerSerializer, request)
        services.case_put_to_officer(actor=member, case_id=case.pk, reason=data["reason"])
        return Response(CaseSerializer(selectors.case_for(member, pk)).data)


class ReferSerializer(serializers.Serializer[Any]):
    person_id = serializers.IntegerField()
    summary = serializers.CharField(max_length=10000)
    answers = serializers.DictField(child=serializers.BooleanField(), required=False, default=dict)
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


class CaseReferView(APIView):
    """Escalate the case to a risk conference: a referral of its victim with the risk
    assessment."""

    @extend_schema(request=ReferSerializer, responses={201: CaseSerializer})
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        case = selectors.case_for(member, pk)
        require(member, "case.work", case)
        data = valid_body(ReferSerializer, request)
        services.case_refer(actor=member, case_id=case.pk, **data)
        return Response(CaseSerializer(selectors.case_for(member, pk)).data, status=201)


# --- Rules ---------------------------------------------------------------------------------------
class CaseRuleSerializer(serializers.ModelSerializer[CaseRule]):
    area = serializers.CharField(source="area.name", default=None, read_only=True)
    lead_agency = serializers.CharField(source="lead_agency.name", read_only=True)
    lead_officer = serializers.CharField(
        source="lead_officer.username", default=None, read_only=True
    )

    class Meta:
        model = CaseRule
        fields = ["id", "order", "area", "strand", "lead_agency", "lead_officer"]
        read_only_fields = fields


class CaseRuleAddSerializer(serializers.Serializer[Any]):
    area_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    strand = serializers.ChoiceField(
        choices=Strand.choices, required=False, default="", allow_blank=True
    )
    lead_agency_id = serializers.IntegerField()
    lead_officer_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class CaseRulesView(APIView):
    """The partnership's casework rules (who leads new cases) and its standards of victim
    contact per risk level. POST adds a rule (the CSP Co-ordinator)."""

    @extend_schema(responses=CaseRuleSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "case.manage")
        partnership = member.partnership
        assert partnership is not None  # noqa: S101 (case.manage needs one)
        return Response(
            {
                "rules": CaseRuleSerializer(selectors.case_rules_of(partnership), many=True).data,
                "standards": [
                    {
                        "risk_level": s.risk_level,
                        "contact": {"kind": s.contact.kind, "amount": s.contact.amount},
                        "visit": {"kind": s.visit.kind, "amount": s.visit.amount},
                        "follow_up_days": s.follow_up_days,
                    }
                    for s in standards_for(partnership)
                ],
            }
        )

    @extend_schema(request=CaseRuleAddSerializer, responses={201: CaseRuleSerializer})
    def post(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "case.manage")
        data = valid_body(CaseRuleAddSerializer, request)
        partnership = member.partnership
        errors: dict[str, str] = {}
        agency = Agency.objects.filter(pk=data["lead_agency_id"], partnerships=partnership).first()
        if agency is None:
            errors["lead_agency_id"] = "No such agency in this partnership."
        area = None
        if data["area_id"] is not None:
            area = Area.objects.filter(pk=data["area_id"], partnership=partnership).first()
            if area is None:
                errors["area_id"] = "No such area in this partnership."
        officer = None
        if data["lead_officer_id"] is not None:
            officer = Member.objects.filter(
                pk=data["lead_officer_id"], partnerships=partnership
            ).first()
            if officer is None:
                errors["lead_officer_id"] = "No such member in this partnership."
        if errors or agency is None:
            raise serializers.ValidationError(errors)
        rule = services.case_rule_add(
            actor=member, lead_agency=agency, lead_officer=officer, area=area, strand=data["strand"]
        )
        return Response(CaseRuleSerializer(rule).data, status=201)


class CaseRuleRemoveView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, pk: int) -> Response:
        member = member_of(request)
        rule = selectors.case_rule_for(member, pk)
        services.case_rule_remove(actor=member, rule_id=rule.pk)
        return Response(status=204)


class StandardSerializer(serializers.Serializer[Any]):
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    contact_kind = serializers.ChoiceField(choices=DEADLINE_UNITS)
    contact_amount = serializers.IntegerField(min_value=1)
    visit_kind = serializers.ChoiceField(choices=DEADLINE_UNITS)
    visit_amount = serializers.IntegerField(min_value=1)
    follow_up_days = serializers.IntegerField(min_value=1, default=14)


class ContactStandardView(APIView):
    """Set the standard of victim contact at one risk level."""

    @extend_schema(request=StandardSerializer, responses={200: StandardSerializer})
    def post(self, request: Request) -> Response:
        member = member_of(request)
        require(member, "case.manage")
        data = valid_body(StandardSerializer, request)
        services.contact_standard_set(actor=member, **data)
        return Response(data)
