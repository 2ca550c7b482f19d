"""Pages of shared information and community tension: the tension in each area now (and a form
to record it), an area's tension over time as a chart, and information shared by practitioners
(anyone shares; the CRRO, the co-ordinator and the gold group read)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from casework import selectors, services
from casework.info_models import InformationGrade, SharedInformation, SourceGrade, TensionRecord
from casework.tension_chart import tension_chart
from escalation.models import Incident, TensionLevel
from partnership.models import Area, Member, Partnership
from partnership.page_forms import required_error, service_errors_add
from partnership.pages import member_of, submit_once
from partnership.permissions import can, require


class TensionForm(forms.Form):
    area = forms.ModelChoiceField(
        queryset=Area.objects.none(),
        label="Area",
        error_messages=required_error("Choose the area."),
    )
    level = forms.ChoiceField(label="Tension", choices=TensionLevel.choices)
    reason = forms.CharField(
        label="Why",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=required_error("Say why the tension is at this level."),
    )
    source = forms.CharField(
        label="Source",
        max_length=300,
        help_text="Where this comes from: a patrol, a community leader, a report.",
        error_messages=required_error("Say where this comes from."),
    )

    def __init__(self, *args: Any, partnership: Partnership | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "tension-%s")
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(  # type: ignore[attr-defined]
            partnership=partnership
        )


class ShareForm(forms.Form):
    about_incident = forms.IntegerField(
        label="Incident number (optional)",
        required=False,
        min_value=1,
        help_text="The number in its reference: HC-00012 is 12.",
    )
    area = forms.ModelChoiceField(
        queryset=Area.objects.none(), label="Or the area it is about", required=False
    )
    text = forms.CharField(
        label="What you know",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=required_error("Say what you know."),
    )
    source_grade = forms.ChoiceField(label="The source", choices=SourceGrade.choices)
    information_grade = forms.ChoiceField(
        label="How the source knows it", choices=InformationGrade.choices
    )

    def __init__(self, *args: Any, partnership: Partnership | None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "share-%s")
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(  # type: ignore[attr-defined]
            partnership=partnership
        )


def _tension_page(
    request: HttpRequest, member: Member, *, form: TensionForm | None = None, status: int = 200
) -> HttpResponse:
    rows = selectors.tension_rows(member.partnership)
    may_record = can(member, "tension.record")
    context = {
        "rows": rows,
        "form": (form or TensionForm(partnership=member.partnership)) if may_record else None,
    }
    return render(request, "casework/tension.html", context, status=status)


@require_GET
def tension(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "tension.view")
    return _tension_page(request, member)


@require_POST
@submit_once
def tension_record(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "tension.record")
    form = TensionForm(request.POST, partnership=member.partnership)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.tension_record(
                actor=member,
                area=data["area"],
                level=data["level"],
                reason=data["reason"],
                source=data["source"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            messages.success(request, f"Tension in {data['area']} recorded.")
            return redirect("tension-area", pk=data["area"].pk)
    return _tension_page(request, member, form=form, status=400)


def area_for(member: Member, pk: int) -> Area:
    area = Area.objects.filter(pk=pk, partnership=member.partnership).first()
    if area is None:
        raise Http404("No such area.")
    return area


@require_GET
def tension_area(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    require(member, "tension.view")
    area = area_for(member, pk)
    records = list(
        TensionRecord.objects.filter(area=area)
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    )
    context = {
        "area": area,
        "records": list(reversed(records)),
        "chart": tension_chart(records, timezone.now()),
    }
    return render(request, "casework/tension_area.html", context)


def _information_page(
    request: HttpRequest, member: Member, *, form: ShareForm | None = None, status: int = 200
) -> HttpResponse:
    reads = can(member, "information.view")
    shared = (
        SharedInformation.objects.filter(partnership=member.partnership).select_related(
            "author", "author__agency", "incident", "area"
        )[:100]
        if reads
        else SharedInformation.objects.filter(partnership=member.partnership, author=member)[:50]
    )
    context = {
        "shared": shared,
        "reads": reads,
        "form": form or ShareForm(partnership=member.partnership),
    }
    return render(request, "casework/information.html", context, status=status)


@require_GET
def information(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "information.share")
    return _information_page(request, member)


@require_POST
@submit_once
def information_share(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "information.share")
    form = ShareForm(request.POST, partnership=member.partnership)
    if form.is_valid():
        data = form.cleaned_data
        incident = None
        if data["about_incident"]:
            incident = Incident.objects.filter(
                pk=data["about_incident"], partnership=member.partnership
            ).first()
            if incident is None or not can(member, "incident.view", incident):
                form.add_error("about_incident", "No incident with that number is shared with you.")
        if not form.errors:
            try:
                services.information_share(
                    actor=member,
                    text=data["text"],
                    source_grade=data["source_grade"],
                    information_grade=data["information_grade"],
                    incident=incident,
                    area=data["area"],
                )
            except ValidationError as error:
                service_errors_add(form, error, renamed={"incident": "about_incident"})
            else:
                messages.success(request, "Shared with the CRRO and the CSP Co-ordinator.")
                return redirect("information")
    return _information_page(request, member, form=form, status=400)


@never_cache
@require_GET
def tension_board(request: HttpRequest) -> HttpResponse:
    """The body of the board's tension panel, fetched by ``static/escalation/board.js`` whenever
    the tension changes."""
    member = member_of(request)
    require(member, "tension.view")
    rows = selectors.tension_rows(member.partnership)
    return render(request, "casework/_board_tension_body.html", {"rows": rows})
