"""The strategy action plan's page: the partnership's actions with owner, target date, status and
progress notes; the CSP Co-ordinator adds actions; an action's owner (or the co-ordinator) notes
progress, at one of the strategy group meetings (conferences of that kind) or between them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from conference.models import Conference
from partnership.models import Member
from partnership.page_forms import service_errors_add
from partnership.pages import CONFLICTS, conflict_text, member_of, submit_once
from partnership.permissions import can, require
from partnership.selectors import members_active
from review import selectors, services
from review.debrief_forms import PlanActionCompleteForm, PlanActionForm


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Progress",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the progress to note."},
    )
    meeting: forms.ModelChoiceField[Conference] = forms.ModelChoiceField(
        queryset=Conference.objects.none(),
        required=False,
        label="At the strategy group meeting",
        empty_label="Between meetings",
    )

    def __init__(self, *args: Any, meetings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (declared so)
        field.queryset = meetings


def _members(member: Member) -> Any:
    return (
        members_active(member.partnership)
        .filter(agency__isnull=False)
        .order_by("last_name", "first_name", "username")
    )


def strategy_page(
    request: HttpRequest,
    member: Member,
    *,
    posted: forms.Form | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    meetings = selectors.strategy_meetings(member)
    rows = []
    for action in selectors.strategy_actions(member):
        note_form = complete_form = None
        if action.is_open and can(member, "plan_action.note", action):
            prefix = f"note-{action.pk}"
            note_form = (
                posted
                if isinstance(posted, NoteForm) and posted.prefix == prefix
                else NoteForm(prefix=prefix, meetings=meetings)
            )
        if action.is_open and can(member, "plan_action.complete", action):
            prefix = f"complete-{action.pk}"
            complete_form = (
                posted
                if isinstance(posted, PlanActionCompleteForm) and posted.prefix == prefix
                else PlanActionCompleteForm(prefix=prefix)
            )
        rows.append((action, note_form, complete_form))
    add_form = None
    if can(member, "strategy.manage"):
        add_form = (
            posted
            if isinstance(posted, PlanActionForm)
            else PlanActionForm(members=_members(member))
        )
    context = {
        "rows": rows,
        "meetings": meetings,
        "add_form": add_form,
        "form": posted,
        "conflict": conflict,
    }
    return render(request, "review/strategy.html", context, status=status)


@require_http_methods(["GET", "POST"])
@submit_once
def strategy_plan(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "strategy.view")
    if request.method == "GET":
        return strategy_page(request, member)
    require(member, "strategy.manage")
    form = PlanActionForm(request.POST, members=_members(member))
    if form.is_valid():
        try:
            services.strategy_action_add(actor=member, plan=form.plan())
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            messages.success(request, "The action is on the plan and its owner told.")
            return redirect("strategy-plan")
    return strategy_page(request, member, posted=form, status=400)


@require_POST
@submit_once
def plan_action_note(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    action = selectors.plan_action_for(member, pk)
    require(member, "plan_action.note", action)
    form = NoteForm(
        request.POST, prefix=f"note-{action.pk}", meetings=selectors.strategy_meetings(member)
    )
    back = "strategy-plan" if action.debrief is None else None
    if form.is_valid():
        meeting = form.cleaned_data["meeting"]
        try:
            services.plan_action_note(
                actor=member,
                action_id=action.pk,
                text=form.cleaned_data["text"],
                meeting_id=meeting.pk if meeting else None,
            )
        except ValidationError as error:
            service_errors_add(form, error, renamed={"meeting_id": "meeting"})
        except CONFLICTS as error:
            return strategy_page(request, member, status=409, conflict=conflict_text(error))
        else:
            messages.success(request, "Progress noted.")
            if back is None:
                assert action.debrief is not None  # noqa: S101 (back is None only then)
                return redirect("debrief", pk=action.debrief.incident_id)
            return redirect(back)
    return strategy_page(request, member, posted=form, status=400)
