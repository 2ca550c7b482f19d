"""The casework pages: the list of cases (and the incidents waiting for casework), a case with
its deadlines and what may be done to it, and the partnership's casework rules. They call the
same selectors and services as the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from casework import selectors, services
from casework.compliance import contact_compliance
from casework.forms import (
    ActionAddForm,
    CaseOpenForm,
    CaseRuleForm,
    CloseForm,
    LeadForm,
    OfficerForm,
    ReferForm,
    ReopenForm,
    RiskForm,
    StandardForm,
    TaskCompleteForm,
)
from casework.models import Case, CaseState
from casework.services.cases import OPENABLE
from casework.standards import standards_for, step_words
from conference.models import IncidentPerson
from escalation.models import Incident
from partnership.models import Member
from partnership.page_forms import posted_or_blank, service_errors_add
from partnership.pages import CONFLICTS, conflict_text, member_of, posted_next, submit_once
from partnership.permissions import can, require


def _waiting(member: Member) -> list[Incident]:
    """Incidents never put to the senior officer (or found not major) that are not cases yet."""
    return list(
        Incident.objects.filter(
            partnership=member.partnership, state__in=OPENABLE, case__isnull=True
        )
        .select_related("area")
        .order_by("reported_at")[:50]
    )


def _list_page(request: HttpRequest, member: Member, *, status: int = 200) -> HttpResponse:
    cases = selectors.cases_of(member)
    manages = can(member, "case.manage")
    context = {
        "mine": selectors.tasks_due_for(member),
        "open_cases": cases.filter(state=CaseState.OPEN),
        "closed_cases": cases.filter(state=CaseState.CLOSED)[:50],
        "manages": manages,
        "waiting": _waiting(member) if manages else [],
        "open_form": CaseOpenForm(),
        "compliance": contact_compliance(cases),
    }
    return render(request, "casework/case_list.html", context, status=status)


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "case.list")
    return _list_page(request, member)


@require_POST
@submit_once
def case_open(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "case.manage")
    form = CaseOpenForm(request.POST)
    incident = None
    if form.is_valid():
        incident = Incident.objects.filter(
            pk=form.cleaned_data["incident"], partnership=member.partnership
        ).first()
    if incident is None:
        messages.error(request, "Choose an incident of this partnership and a risk level.")
        return _list_page(request, member, status=400)
    try:
        case = services.case_open(
            actor=member, incident_id=incident.pk, risk_level=form.cleaned_data["risk_level"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _list_page(request, member, status=400)
    except CONFLICTS as error:
        messages.error(request, conflict_text(error))
        return _list_page(request, member, status=409)
    messages.success(request, f"{incident.reference} is now case {case.reference}.")
    return redirect("case-detail", pk=case.pk)


def _victims(case: Case) -> list[tuple[int, str]]:
    links = IncidentPerson.objects.filter(
        incident_id=case.incident_id, involvement=IncidentPerson.Involvement.VICTIM
    ).select_related("person")
    return [(link.person_id, link.person.reference) for link in links]


def _detail(
    request: HttpRequest,
    member: Member,
    case: Case,
    *,
    bound: forms.Form | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    works = can(member, "case.work", case)
    manages = can(member, "case.manage", case)
    tasks = list(case.tasks.select_related("owner", "owner_agency", "done_by").order_by("due_at"))
    rows = []
    for task in tasks:
        form = None
        if task.is_open and can(member, "case_task.complete", task):
            form = posted_or_blank(bound, TaskCompleteForm(task_id=task.pk, kind=task.kind))
        rows.append((task, form))

    def offered(make: Callable[[], forms.Form], allowed: bool) -> forms.Form | None:
        return posted_or_blank(bound, make()) if allowed else None

    partnership = member.partnership
    context: dict[str, Any] = {
        "case": case,
        "incident": case.incident,
        "sees_incident": can(member, "incident.view", case.incident),
        "rows": rows,
        "action_form": offered(lambda: ActionAddForm(partnership=partnership), works),
        "risk_form": offered(lambda: RiskForm(initial={"level": case.risk_level}), works),
        "lead_form": offered(lambda: LeadForm(partnership=partnership), manages and case.is_open),
        "close_form": offered(CloseForm, works),
        "officer_form": offered(OfficerForm, works and case.incident.state in OPENABLE),
        "refer_form": offered(
            lambda: ReferForm(victims=_victims(case)), works and case.referral_id is None
        ),
        "reopen_form": offered(ReopenForm, manages and not case.is_open),
        "reviews": case.reviews.select_related("conference").order_by("listed_at", "pk"),
        "follows": case.follows.select_related("earlier"),
        "followed_by": case.followed_by.select_related("case"),
        "conflict": conflict,
        "errors_form": bound,
    }
    return render(request, "casework/case_detail.html", context, status=status)


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    return _detail(request, member, selectors.case_for(member, pk))


def _post(
    request: HttpRequest,
    member: Member,
    case: Case,
    form: forms.Form,
    do: Callable[[dict[str, Any]], object],
    done: str,
    renamed: dict[str, str] | None = None,
) -> HttpResponse:
    if form.is_valid():
        try:
            do(form.cleaned_data)
        except ValidationError as error:
            service_errors_add(form, error, renamed=renamed)
        except CONFLICTS as error:
            return _detail(request, member, case, status=409, conflict=conflict_text(error))
        else:
            messages.success(request, done)
            # Back to the work list when the form was posted from it.
            return redirect(posted_next(request) or reverse("case-detail", args=[case.pk]))
    return _detail(request, member, case, bound=form, status=400)


# One door for every form posted to a case: the case looked up (404), the rule asked (403), the
# form bound and the service called, so the case's pages cannot differ in how they do it.
CaseForm = Callable[[HttpRequest, Member, Case], forms.Form]
CaseDo = Callable[[Member, Case, Any, dict[str, Any]], object]


def _case_post(
    request: HttpRequest,
    pk: int,
    *,
    rule: str,
    form: CaseForm,
    do: CaseDo,
    done: str,
    renamed: dict[str, str] | None = None,
) -> HttpResponse:
    member = member_of(request)
    case = selectors.case_for(member, pk)
    require(member, rule, case)
    bound = form(request, member, case)
    return _post(
        request, member, case, bound, lambda data: do(member, case, bound, data), done, renamed
    )


@require_POST
@submit_once
def case_task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    task = selectors.case_task_for(member, pk)
    require(member, "case_task.complete", task)
    form = TaskCompleteForm(request.POST, task_id=task.pk, kind=task.kind)
    return _post(
        request,
        member,
        selectors.case_for(member, task.case_id),
        form,
        lambda data: services.case_task_complete(
            actor=member, task_id=task.pk, note=data["note"], done_at=data["done_at"]
        ),
        f"{task.get_kind_display()}: recorded.",
    )


@require_POST
@submit_once
def case_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        rule="case.work",
        form=lambda request, member, case: ActionAddForm(
            request.POST, partnership=member.partnership
        ),
        do=lambda member, case, form, data: services.case_action_add(
            actor=member,
            case_id=case.pk,
            description=data["description"],
            owner=data["owner"],
            due_on=data["due_on"],
        ),
        done="Action added; its owner has been told.",
    )


@require_POST
def case_risk(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        rule="case.work",
        form=lambda request, member, case: RiskForm(request.POST),
        do=lambda member, case, form, data: services.case_risk_set(
            actor=member, case_id=case.pk, level=data["level"], reason=data["reason"]
        ),
        done="Risk level changed; pending contact is due by its standard.",
    )


@require_POST
def case_lead(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        rule="case.manage",
        form=lambda request, member, case: LeadForm(request.POST, partnership=member.partnership),
        do=lambda member, case, form, data: services.case_lead_set(
            actor=member,
            case_id=case.pk,
            agency=data["agency"],
            officer=data["officer"],
            reason=data["reason"],
        ),
        done="Lead changed; the new lead officer has been told.",
    )


@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        rule="case.work",
        form=lambda request, member, case: CloseForm(request.POST),
        do=lambda member, case, form, data: services.case_close(
            actor=member,
            case_id=case.pk,
            outcome=data["outcome"],
            notes=data["notes"],
            victim_view=data["victim_view"],
        ),
        done="Case closed.",
    )


@require_POST
def case_put_to_officer(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        rule="case.work",
        form=lambda request, member, case: OfficerForm(request.POST),
        do=lambda member, case, form, data: services.case_put_to_officer(
            actor=member, case_id=case.pk, reason=data["reason"]
        ),
        done="The senior police officer has been asked for a determination.",
    )


@require_POST
def case_refer(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        rule="case.work",
        form=lambda request, member, case: ReferForm(request.POST, victims=_victims(case)),
        do=lambda member, case, form, data: services.case_refer(
            actor=member,
            case_id=case.pk,
            person_id=int(data["person"]),
            summary=data["summary"],
            answers=form.answers(),
            lawful_basis=data["lawful_basis"],
            consent_notes=data["consent_notes"],
            raised_level=data["raised_level"],
            raised_reason=data["raised_reason"],
        ),
        done="Referred to a risk conference.",
        renamed={"person_id": "person"},
    )


@require_POST
def case_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        rule="case.manage",
        form=lambda request, member, case: ReopenForm(request.POST),
        do=lambda member, case, form, data: services.case_reopen(
            actor=member, case_id=case.pk, reason=data["reason"]
        ),
        done="Case reopened; the casework group reviews it at its next meeting.",
    )


# --- The partnership's casework rules -------------------------------------------------------------
def _rules_page(
    request: HttpRequest, member: Member, *, bound: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    partnership = member.partnership
    context = {
        "rules": selectors.case_rules_of(partnership) if partnership else [],
        "standards": [
            (s, step_words(s.contact), step_words(s.visit))
            for s in (standards_for(partnership) if partnership else [])
        ],
        "rule_form": posted_or_blank(bound, CaseRuleForm(partnership=partnership)),
        "standard_form": posted_or_blank(bound, StandardForm()),
    }
    return render(request, "casework/rules.html", context, status=status)


@require_GET
def case_rules(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "case.manage")
    return _rules_page(request, member)


def _rules_post(
    request: HttpRequest, member: Member, form: forms.Form, do: Callable[[dict[str, Any]], object]
) -> HttpResponse:
    if form.is_valid():
        try:
            do(form.cleaned_data)
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            messages.success(request, "Casework rules changed.")
            return redirect("case-rules")
    return _rules_page(request, member, bound=form, status=400)


@require_POST
@submit_once
def case_rule_add(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "case.manage")
    return _rules_post(
        request,
        member,
        CaseRuleForm(request.POST, partnership=member.partnership),
        lambda data: services.case_rule_add(
            actor=member,
            lead_agency=data["lead_agency"],
            lead_officer=data["lead_officer"],
            area=data["area"],
            strand=data["strand"],
        ),
    )


@require_POST
def case_rule_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    rule = selectors.case_rule_for(member, pk)
    try:
        services.case_rule_remove(actor=member, rule_id=rule.pk)
    except CONFLICTS as error:
        messages.error(request, conflict_text(error))
        return _rules_page(request, member, status=409)
    messages.success(request, "Rule removed.")
    return redirect("case-rules")


@require_POST
def contact_standard_set(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "case.manage")
    return _rules_post(
        request,
        member,
        StandardForm(request.POST),
        lambda data: services.contact_standard_set(actor=member, **data),
    )
