"""The debrief's page: the meeting, the record (written once it has met), the actions agreed
with their owners and dates, and each action recorded as done. Records are looked up through
``review.selectors`` (an incident the member may not see is a 404); what they may do is asked
of the rules (403)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from partnership.models import Member
from partnership.page_forms import service_errors_add
from partnership.pages import CONFLICTS, conflict_text, member_of, posted_next, submit_once
from partnership.permissions import can, require
from partnership.selectors import members_active
from review import selectors, services
from review.debrief_forms import DebriefRecordForm, PlanActionCompleteForm, PlanActionForm
from review.models import Debrief
from review.strategy_views import strategy_page


def _members(debrief: Debrief) -> QuerySet[Member]:
    return (
        members_active(debrief.partnership)
        .filter(agency__isnull=False)
        .order_by("last_name", "first_name", "username")
    )


def _page(
    request: HttpRequest,
    member: Member,
    debrief: Debrief,
    *,
    posted: forms.Form | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    may_record = can(member, "debrief.record", debrief)
    record_form = action_form = None
    if may_record and debrief.awaiting_record:
        record_form = (
            posted
            if isinstance(posted, DebriefRecordForm)
            else DebriefRecordForm(members=_members(debrief))
        )
    elif may_record:
        action_form = (
            posted
            if isinstance(posted, PlanActionForm)
            else PlanActionForm(members=_members(debrief))
        )
    actions = []
    for action in selectors.plan_actions_of(debrief):
        complete = None
        if action.is_open and can(member, "plan_action.complete", action):
            prefix = f"complete-{action.pk}"
            complete = (
                posted
                if isinstance(posted, PlanActionCompleteForm) and posted.prefix == prefix
                else PlanActionCompleteForm(prefix=prefix)
            )
        actions.append((action, complete))
    context: dict[str, Any] = {
        "debrief": debrief,
        "incident": debrief.incident,
        "meeting": debrief.meeting,
        "attendees": debrief.attendees.select_related("agency").order_by("last_name"),
        "record_form": record_form,
        "action_form": action_form,
        "sees_incident": can(member, "incident.view", debrief.incident),
        "actions": actions,
        "conflict": conflict,
        "form": posted,  # the error summary reads ``form``
    }
    return render(request, "review/debrief.html", context, status=status)


@require_http_methods(["GET", "POST"])
@submit_once
def debrief(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    found = selectors.debrief_for(member, pk)
    if request.method == "GET":
        return _page(request, member, found)
    require(member, "debrief.record", found)
    form = DebriefRecordForm(request.POST, members=_members(found))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.debrief_record(
                actor=member,
                debrief_id=found.pk,
                attendee_ids=[m.pk for m in data["attendees"]],
                other_attendees=data["other_attendees"],
                what_happened=data["what_happened"],
                what_worked=data["what_worked"],
                what_did_not_work=data["what_did_not_work"],
                lessons=data["lessons"],
                actions=form.plans(),
            )
        except ValidationError as error:
            service_errors_add(form, error, renamed={"attendee_ids": "attendees"})
        except CONFLICTS as error:
            return _page(request, member, found, status=409, conflict=conflict_text(error))
        else:
            messages.success(request, "The debrief is recorded.")
            return redirect("debrief", pk=pk)
    return _page(request, member, found, posted=form, status=400)


@require_POST
@submit_once
def debrief_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    found = selectors.debrief_for(member, pk)
    require(member, "debrief.record", found)
    form = PlanActionForm(request.POST, members=_members(found))
    if form.is_valid():
        try:
            services.plan_action_add(actor=member, debrief_id=found.pk, plan=form.plan())
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            messages.success(request, "The action is agreed and its owner told.")
            return redirect("debrief", pk=pk)
    return _page(request, member, found, posted=form, status=400)


@require_POST
@submit_once
def plan_action_complete(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    action = selectors.plan_action_for(member, pk)
    require(member, "plan_action.complete", action)
    form = PlanActionCompleteForm(request.POST, prefix=f"complete-{action.pk}")
    if action.debrief is None:
        # On the strategy action plan: its page.
        def again(**kwargs: Any) -> HttpResponse:
            return strategy_page(request, member, **kwargs)

        done_at = "strategy-plan"
        done_kwargs: dict[str, Any] = {}
    else:
        found = selectors.debrief_for(member, action.debrief.incident_id)

        def again(**kwargs: Any) -> HttpResponse:
            return _page(request, member, found, **kwargs)

        done_at, done_kwargs = "debrief", {"pk": found.incident_id}
    if form.is_valid():
        try:
            services.plan_action_complete(
                actor=member, action_id=action.pk, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return again(status=409, conflict=conflict_text(error))
        else:
            messages.success(request, "The action is recorded as done.")
            # From the home page's work list, back to it.
            back = posted_next(request)
            done: HttpResponse = redirect(back) if back else redirect(done_at, **done_kwargs)
            return done
    return again(posted=form, status=400)
