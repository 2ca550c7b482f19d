"""The 14-day report's page: composed from the incident, edited and approved by the CSP
Co-ordinator, then shown as sent with whom it reached and who acknowledged it, and its marked PDF
to download. The incident is looked up through ``escalation.selectors.incident_for`` (404 for
one the member may not see); what they may do is asked of the rules (403)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalation.models import Incident
from escalation.selectors import incident_for
from partnership.models import Member
from partnership.page_forms import service_errors_add
from partnership.pages import CONFLICTS, conflict_text, member_of, submit_once
from partnership.permissions import can, require
from review import selectors, services
from review.fourteen_day_forms import FourteenDayForm
from review.models import FourteenDayReport
from review.services.fourteen_day import SECTIONS


def _page(
    request: HttpRequest,
    member: Member,
    incident: Incident,
    *,
    form: FourteenDayForm | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    report = FourteenDayReport.objects.filter(incident=incident).first()
    may_write = can(member, "fourteen_day.write", incident)
    if report is not None and report.is_draft and may_write and form is None:
        form = FourteenDayForm(initial={name: getattr(report, name) for name in SECTIONS})
    context: dict[str, Any] = {
        "incident": incident,
        "report": report,
        "may_write": may_write,
        "form": form if report is not None and report.is_draft and may_write else None,
        "sections": [
            (heading, getattr(report, name) if report else "") for name, heading in SECTIONS.items()
        ],
        "deliveries": selectors.fourteen_day_deliveries(report) if report else [],
        "conflict": conflict,
    }
    return render(request, "review/fourteen_day.html", context, status=status)


@require_http_methods(["GET", "POST"])
def fourteen_day_report(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    incident = incident_for(member, pk)
    if request.method == "GET":
        return _page(request, member, incident)
    require(member, "fourteen_day.write", incident)
    report = selectors.fourteen_day_for(member, pk)
    form = FourteenDayForm(request.POST)
    if form.is_valid():
        try:
            services.fourteen_day_edit(actor=member, report_id=report.pk, **form.cleaned_data)
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _page(request, member, incident, status=409, conflict=conflict_text(error))
        else:
            messages.success(request, "The draft is saved.")
            return redirect("fourteen-day-report", pk=pk)
    return _page(request, member, incident, form=form, status=400)


@require_POST
@submit_once
def fourteen_day_compose(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    incident = incident_for(member, pk)
    require(member, "fourteen_day.write", incident)
    try:
        services.fourteen_day_compose(actor=member, incident=incident)
    except CONFLICTS as error:
        return _page(request, member, incident, status=409, conflict=conflict_text(error))
    messages.success(request, "The report is composed from the incident: check and edit it.")
    return redirect("fourteen-day-report", pk=pk)


@require_POST
def fourteen_day_approve(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    incident = incident_for(member, pk)
    require(member, "fourteen_day.write", incident)
    report = selectors.fourteen_day_for(member, pk)
    try:
        sent = services.fourteen_day_approve(actor=member, report_id=report.pk)
    except ValidationError as error:
        return _page(request, member, incident, status=400, conflict=" ".join(error.messages))
    except CONFLICTS as error:
        return _page(request, member, incident, status=409, conflict=conflict_text(error))
    messages.success(request, f"Approved and sent to {sent.recipients} members.")
    return redirect("fourteen-day-report", pk=pk)


def fourteen_day_file(member: Member, report: FourteenDayReport) -> HttpResponse:
    """The stored PDF, as sent (for the page and the API alike); the download is recorded."""
    services.fourteen_day_download_record(actor=member, report=report)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{report.incident.reference}-14-day-report.pdf"'
    )
    return response


@require_GET
def fourteen_day_download(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    report = selectors.fourteen_day_for(member, pk)
    if report.is_draft or not report.pdf:
        return _page(
            request,
            member,
            report.incident,
            status=409,
            conflict="The PDF is made when the report is approved and sent."
            if report.is_draft
            else "The report's PDF was removed with the incident's details (retention).",
        )
    return fourteen_day_file(member, report)
