"""The six-monthly reports' pages: the stored reports of the member's partnership (produced by
themselves when each half-year ends, or on demand by the CSP Co-ordinator for a chosen period),
each with every figure beside the period before, its charts, and its PDF and CSV."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from partnership.models import Member
from partnership.page_forms import service_errors_add
from partnership.pages import member_of, submit_once
from partnership.permissions import can, require
from review import selectors, services
from review.forms import ReportPeriodForm
from review.models import SixMonthlyReport
from review.reports import bar_chart_svg
from review.six_monthly import SECTIONS

FILES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


def _list_page(
    request: HttpRequest, member: Member, *, form: ReportPeriodForm | None = None, status: int = 200
) -> HttpResponse:
    may_produce = can(member, "six_monthly.produce")
    context: dict[str, Any] = {
        "reports": selectors.six_monthly_reports(member),
        "form": (form or ReportPeriodForm()) if may_produce else None,
    }
    return render(request, "review/six_monthly_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@submit_once
def six_monthly_list(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "six_monthly.view")
    if request.method == "GET":
        return _list_page(request, member)
    require(member, "six_monthly.produce")
    form = ReportPeriodForm(request.POST)
    if form.is_valid() and form.cleaned_data.get("start") and form.cleaned_data.get("end"):
        try:
            report = services.six_monthly_produce(
                actor=member, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            messages.success(request, f"Produced and sent to {report.recipients} members.")
            return redirect("six-monthly-report", pk=report.pk)
    elif form.is_valid():
        form.add_error(None, "Give the start and the end dates of the period.")
    return _list_page(request, member, form=form, status=400)


def _charts(report: SixMonthlyReport) -> list[dict[str, Any]]:
    charts = []
    for section in ("by_strand", "by_area", "high_tension_by_month", "conferences", "actions"):
        rows = [row for row in report.figures["rows"] if row["section"] == section]
        charts.append(
            {
                "title": SECTIONS[section],
                "svg": bar_chart_svg(
                    f"{SECTIONS[section]}: this period",
                    {row["item"]: row["value"] or 0 for row in rows},
                ),
            }
        )
    return charts


@require_GET
def six_monthly_report(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    report = selectors.six_monthly_for(member, pk)
    sections = [
        (heading, [row for row in report.figures["rows"] if row["section"] == section])
        for section, heading in SECTIONS.items()
    ]
    context = {"report": report, "sections": sections, "charts": _charts(report)}
    return render(request, "review/six_monthly.html", context)


def six_monthly_file(member: Member, report: SixMonthlyReport, file: str) -> HttpResponse:
    """The stored PDF or CSV (pages and API alike); the download is recorded."""
    services.six_monthly_download_record(actor=member, report=report, file=file)
    body: bytes | str = bytes(report.pdf) if file == "pdf" else report.csv
    response = HttpResponse(body, content_type=FILES[file])
    response["Content-Disposition"] = (
        f'attachment; filename="six-monthly-report-{report.period_start}-{report.period_end}'
        f'.{file}"'
    )
    return response


@require_GET
def six_monthly_download(request: HttpRequest, pk: int, file: str) -> HttpResponse:
    member = member_of(request)
    return six_monthly_file(member, selectors.six_monthly_for(member, pk), file)
