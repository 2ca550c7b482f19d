"""Actions after the meeting: the list of them and completing one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from conference import selectors, services
from conference.forms import ActionCompleteForm
from conference.models import (
    OPEN_ACTION_STATES,
    Action,
)
from partnership.models import Member
from partnership.page_forms import posted_or_blank, service_errors_add
from partnership.pages import CONFLICTS, posted_next, submit_once
from partnership.pages import conflict_text as _conflict_text
from partnership.pages import member_of as _member
from partnership.permissions import can, require


# --- Actions -------------------------------------------------------------------------------------
@dataclass
class ActionRow:
    action: Action
    complete_form: forms.Form | None


def _actions_page(
    request: HttpRequest,
    member: Member,
    *,
    status: int = 200,
    bound: forms.Form | None = None,
    conflict: str = "",
) -> HttpResponse:
    actions = (
        Action.objects.filter(conference__partnership=member.partnership)
        .select_related("conference", "owner", "owner_agency", "referral__person")
        .order_by("due_at", "pk")
    )

    def row(action: Action) -> ActionRow:
        form = None
        if action.is_open and can(member, "action.complete", action):
            form = posted_or_blank(bound, ActionCompleteForm(action=action))
        return ActionRow(action=action, complete_form=form)

    sees_all = can(member, "conference.manage")
    context: dict[str, Any] = {
        "mine": [row(a) for a in actions.filter(owner=member, state__in=OPEN_ACTION_STATES)],
        "mine_done": list(
            actions.filter(owner=member)
            .exclude(state__in=OPEN_ACTION_STATES)
            .order_by("-completed_at", "-pk")[:20]
        ),
        "others": [
            row(a) for a in actions.filter(state__in=OPEN_ACTION_STATES).exclude(owner=member)
        ]
        if sees_all
        else None,
        "now": timezone.now(),
        "failed_form": bound,
        "conflict": conflict,
    }
    return render(request, "conference/action_list.html", context, status=status)


@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    return _actions_page(request, _member(request))


@require_POST
@submit_once
def action_complete(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    action = selectors.action_for(member, pk)
    require(member, "action.complete", action)
    form = ActionCompleteForm(request.POST, action=action)
    if form.is_valid():
        try:
            services.action_complete(
                actor=member, action_id=action.pk, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _actions_page(request, member, status=409, conflict=_conflict_text(error))
        else:
            messages.success(request, f"Done: {action.description}")
            return redirect(posted_next(request) or "action-list")
    return _actions_page(request, member, status=400, bound=form)
