"""The oversight pages: a body's figures side by side (and their CSV), and scrutiny requests,
sent by the body and answered by the partnership. They call the same selectors and services as
the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oversight import selectors, services
from oversight.figures import (
    CONTACT_STANDARDS_NOTE,
    MAJOR,
    REPEAT,
    PartnershipFigures,
    body_figures,
    figures_csv,
    figures_json,
)
from oversight.forms import ScrutinyAnswerForm, ScrutinySendForm
from oversight.models import OversightBody, ScrutinyRequest
from oversight.suppression import RULE
from partnership.models import AuditEvent, Member
from partnership.page_forms import service_errors_add
from partnership.pages import CONFLICTS, conflict_text, member_of, submit_once
from partnership.permissions import can, require
from review.forms import ReportPeriodForm
from review.reports import Period, half_year_containing
from review.timeline import event_describe


def _month_label(key: str) -> str:
    return datetime.strptime(key, "%Y-%m").strftime("%b %Y")  # noqa: DTZ007 (a month, no zone)


def _period(request: HttpRequest) -> tuple[ReportPeriodForm, Period, int]:
    form = ReportPeriodForm(request.GET)
    if form.is_valid():
        return form, form.period(), 200
    return form, half_year_containing(timezone.localdate()), 400


Row = tuple[str, list[str]]


def _step_cell(column: PartnershipFigures, step: str) -> str:
    for row in column.steps:
        if row.step == step:
            outcomes = ", ".join(f"{key} {figure.shown}" for key, figure in row.outcomes.items())
            return (
                f"{row.share_met.shown} met on time ({outcomes}); median to complete "
                f"{row.median_to_complete.shown}"
            )
    return "no such step"


def _contact_cell(column: PartnershipFigures, step: str) -> str:
    for row in column.contact:
        if row.step == step:
            outcomes = ", ".join(f"{key} {figure.shown}" for key, figure in row.outcomes.items())
            return f"{outcomes}; met on time {row.share_on_time.shown}"
    return "no such step"


def figures_tables(columns: list[PartnershipFigures], period: Period) -> list[dict[str, Any]]:
    """The side-by-side tables of the page: one row per figure, one cell per partnership, each
    cell as it may be published."""
    if not columns:
        return []
    first = columns[0]
    summary: list[Row] = [
        ("Incidents recorded", [c.incidents.shown for c in columns]),
        ("Declared major incidents", [c.declared[MAJOR].shown for c in columns]),
        ("Victims", [c.victims.shown for c in columns]),
        ("Repeat victims (two or more incidents)", [c.repeat[REPEAT].shown for c in columns]),
        ("Repeat rate (repeat victims of all victims)", [c.repeat_rate.shown for c in columns]),
        ("Conference actions overdue", [c.actions_overdue.shown for c in columns]),
        (
            "Major incidents with a step of the protocol missed",
            [c.incidents_with_missed_steps.shown for c in columns],
        ),
        ("Cases opened", [c.cases_opened.shown for c in columns]),
        ("Contact standards met", [c.contact_standards_met.shown for c in columns]),
    ]
    contact_steps: dict[str, str] = {}
    for column in columns:
        for row in column.contact:
            contact_steps.setdefault(row.step, row.description)
    steps: dict[str, str] = {}
    for column in columns:
        for step in column.steps:
            steps.setdefault(step.step, step.description)
    return [
        {"id": "summary", "title": "Summary", "heading": "Figure", "rows": summary},
        {
            "id": "compliance",
            "title": "Compliance with the protocol, step by step",
            "heading": "Step",
            "rows": [
                (description, [_step_cell(c, code) for c in columns])
                for code, description in steps.items()
            ],
            "note": "Major incidents declared in the period. Met on time: of the steps done, "
            "those done by their deadline.",
        },
        {
            "id": "contact",
            "title": "Victim contact to the standard, step by step",
            "heading": "Step",
            "rows": [
                (description, [_contact_cell(c, code) for c in columns])
                for code, description in contact_steps.items()
            ],
            "note": CONTACT_STANDARDS_NOTE,
        },
        {
            "id": "strand",
            "title": "Incidents by hate strand",
            "heading": "Strand",
            "rows": [(s, [c.by_strand[s].shown for c in columns]) for s in first.by_strand],
            "note": "An incident can be recorded under more than one strand.",
        },
        {
            "id": "month",
            "title": "Incidents by month",
            "heading": "Month",
            "rows": [
                (_month_label(m), [c.by_month[m].shown for c in columns]) for m in first.by_month
            ],
        },
        {
            "id": "tension",
            "title": "Tension over time: incidents at high or critical tension, by month",
            "heading": "Month",
            "rows": [
                (_month_label(m), [c.high_tension_by_month[m].shown for c in columns])
                for m in first.high_tension_by_month
            ],
        },
    ]


@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "oversight.view")
    body = selectors.body_for(member, request.GET.get("body", ""))
    form, period, status = _period(request)
    columns = body_figures(body, period)
    context = {
        "form": form,
        "body": body,
        "bodies": selectors.bodies_of(member),
        "period": period,
        "columns": columns,
        "tables": figures_tables(columns, period),
        "areas": [
            (c.partnership, [(area, figure.shown) for area, figure in c.by_area.items()])
            for c in columns
        ],
        "rule": RULE,
        "csv_query": (
            f"body={body.slug}&start={period.start.isoformat()}&end={period.end.isoformat()}"
        ),
    }
    return render(request, "oversight/figures.html", context, status=status)


def figures_file(body: OversightBody, period: Period) -> HttpResponse:
    response = HttpResponse(
        figures_csv(figures_json(body, period)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{body.slug}-figures-{period.start}-{period.end}.csv"'
    )
    return response


@require_GET
def figures_download(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "oversight.view")
    body = selectors.body_for(member, request.GET.get("body", ""))
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return figures(request)
    return figures_file(body, form.period())


# --- Scrutiny requests ---------------------------------------------------------------------------
def _list_page(
    request: HttpRequest, member: Member, *, form: ScrutinySendForm | None = None, status: int = 200
) -> HttpResponse:
    bodies = list(selectors.bodies_of(member))
    body = bodies[0] if bodies else None
    if body is not None and form is None:
        form = ScrutinySendForm(partnerships=body.partnerships.order_by("name"))
    context = {
        "body": body,
        "form": form,
        "requests": selectors.scrutiny_requests_for(member),
        "partnership": member.partnership,
    }
    return render(request, "oversight/scrutiny_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@submit_once
def scrutiny_list(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "scrutiny.list")
    if request.method == "GET":
        return _list_page(request, member)
    body = selectors.body_for(member, request.POST.get("body", ""))
    require(member, "scrutiny.send", body)
    form = ScrutinySendForm(request.POST, partnerships=body.partnerships.order_by("name"))
    if form.is_valid():
        try:
            sent = services.scrutiny_send(
                actor=member,
                body=body,
                partnership_id=form.cleaned_data["partnership"].pk,
                question=form.cleaned_data["question"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            messages.success(request, f"Sent to {sent.partnership.name}.")
            return redirect("scrutiny-detail", pk=sent.pk)
    return _list_page(request, member, form=form, status=400)


def _detail_page(
    request: HttpRequest,
    member: Member,
    scrutiny: ScrutinyRequest,
    *,
    form: ScrutinyAnswerForm | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    events = AuditEvent.objects.filter(
        subject_type=ScrutinyRequest._meta.label_lower, subject_id=str(scrutiny.pk)
    ).order_by("seq")
    may_answer = can(member, "scrutiny.answer", scrutiny) and scrutiny.awaiting_answer
    context: dict[str, Any] = {
        "scrutiny": scrutiny,
        "form": form or (ScrutinyAnswerForm() if may_answer else None),
        "may_answer": may_answer,
        "may_close": can(member, "scrutiny.close", scrutiny) and scrutiny.state == "answered",
        "events": [(event, event_describe(event)) for event in events],
        "conflict": conflict,
    }
    return render(request, "oversight/scrutiny_detail.html", context, status=status)


@require_GET
def scrutiny_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    return _detail_page(request, member, selectors.scrutiny_for(member, pk))


@require_POST
def scrutiny_answer(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    scrutiny = selectors.scrutiny_for(member, pk)
    require(member, "scrutiny.answer", scrutiny)
    form = ScrutinyAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.scrutiny_answer(
                actor=member, request_id=scrutiny.pk, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _detail_page(
                request, member, scrutiny, status=409, conflict=conflict_text(error)
            )
        else:
            messages.success(request, f"Answer sent to {scrutiny.body.name}.")
            return redirect("scrutiny-detail", pk=scrutiny.pk)
    return _detail_page(request, member, scrutiny, form=form, status=400)


@require_POST
def scrutiny_close(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    scrutiny = selectors.scrutiny_for(member, pk)
    require(member, "scrutiny.close", scrutiny)
    try:
        services.scrutiny_close(actor=member, request_id=scrutiny.pk)
    except CONFLICTS as error:
        return _detail_page(request, member, scrutiny, status=409, conflict=conflict_text(error))
    messages.success(request, "Request closed.")
    return redirect("scrutiny-detail", pk=scrutiny.pk)
