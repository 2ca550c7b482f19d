"""Possible duplicate people, offered to the CSP Co-ordinator: merge two records (with the
reason), and undo a merge. The list shows names, so each person listed counts as viewed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from conference import selectors, services
from conference.duplicates import duplicates_find
from conference.models import PersonMerge
from partnership.models import Member
from partnership.page_forms import required_error
from partnership.pages import CONFLICTS, conflict_text, member_of
from partnership.permissions import require


class MergeForm(forms.Form):
    kept = forms.IntegerField(widget=forms.HiddenInput)
    merged = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why they are the same person",
        max_length=1000,
        error_messages=required_error("Say why these records are the same person."),
    )


class UndoForm(forms.Form):
    reason = forms.CharField(
        label="Why the merge is undone",
        max_length=1000,
        error_messages=required_error("Say why the merge is undone."),
    )


def _page(
    request: HttpRequest, member: Member, *, status: int = 200, error: str = ""
) -> HttpResponse:
    assert member.partnership is not None  # noqa: S101 (person.merge needs one)
    candidates = duplicates_find(member.partnership)
    shown = {p.pk: p for c in candidates for p in (c.first, c.second)}
    services.person_access_record(member=member, people=shown.values(), what="duplicates")
    merges = PersonMerge.objects.filter(kept__partnership=member.partnership).select_related(
        "kept", "merged", "merged_by", "undone_by"
    )[:50]
    context = {
        "candidates": candidates,
        "merges": merges,
        "merge_form": MergeForm(),
        "undo_form": UndoForm(),
        "error": error,
    }
    return render(request, "conference/duplicates.html", context, status=status)


@require_GET
def person_duplicates(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "person.merge")
    return _page(request, member)


@require_POST
def person_merge(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "person.merge")
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _page(request, member, status=400, error="Say why these records are one person.")
    data = form.cleaned_data
    kept = selectors.person_for(member, data["kept"])
    merged = selectors.person_for(member, data["merged"])
    try:
        services.person_merge(
            actor=member, kept_id=kept.pk, merged_id=merged.pk, reason=data["reason"]
        )
    except ValidationError as error:
        return _page(request, member, status=400, error=" ".join(error.messages))
    except CONFLICTS as error:
        return _page(request, member, status=409, error=conflict_text(error))
    messages.success(request, f"{merged.reference} merged into {kept.reference}.")
    return redirect("person-duplicates")


@require_POST
def person_merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    merge = selectors.merge_for(member, pk)
    form = UndoForm(request.POST)
    if not form.is_valid():
        return _page(request, member, status=400, error="Say why the merge is undone.")
    try:
        services.person_merge_undo(
            actor=member, merge_id=merge.pk, reason=form.cleaned_data["reason"]
        )
    except CONFLICTS as error:
        return _page(request, member, status=409, error=conflict_text(error))
    messages.success(request, "Merge undone.")
    return redirect("person-duplicates")
