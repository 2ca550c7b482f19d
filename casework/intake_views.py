"""Reports from anyone: the public reporting page and the page to add to a report (no sign-in),
a reporting centre's page, and the co-ordinator's intake queue. The public pages resist abuse
without a third-party service: a limit per address (``PUBLIC_REPORTS_PER_HOUR``), a honeypot
field, size limits on every field, and nothing shown back that a reporter wrote (a reporter's
reference opens only the state of their report and what they are told)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework import selectors, services
from casework.forms import AddToReportForm, CentreReportForm, ReportForm, TriageForm
from casework.intake_models import IntakeState, PublicReport
from casework.models import Case
from partnership.models import Member
from partnership.page_forms import service_errors_add
from partnership.pages import CONFLICTS, conflict_text, member_of, submit_once
from partnership.permissions import can, require
from partnership.throttle import client_address

WINDOW = 3600


def public_limit_reached(request: HttpRequest) -> bool:
    """Counts this address's posts to the public pages in the current hour; True past the
    limit. The address is kept only as a keyed hash, in the cache, for the hour."""
    digest = salted_hmac("casework.public", client_address(request), algorithm="sha256")
    key = f"casework:public:{digest.hexdigest()[:32]}"
    cache.add(key, 0, WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW)
        count = 1
    return bool(count > settings.PUBLIC_REPORTS_PER_HOUR)


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "casework/report_too_many.html", status=429)


# The references of the reports this browser sent, by receipt (the received page's address), for
# as long as its session lasts: the page shows a reference to no one else.
RECEIVED_SESSION = "reports_received"
RECEIVED_KEPT = 10


@login_not_required
@require_http_methods(["GET", "POST"])
@submit_once
def report_public(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "casework/report_public.html", {"form": ReportForm()})
    if public_limit_reached(request):
        return _too_many(request)
    form = ReportForm(request.POST)
    if request.POST.get("website"):
        # A robot filled in the field people cannot see: thank it, keep nothing.
        return render(request, "casework/report_received.html", {"reference": None})
    if form.is_valid():
        try:
            report = services.report_receive(
                partnership=form.cleaned_data["partnership"], details=form.details()
            )
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            # Answered with a page of its own (submit_once keeps its address for the same form
            # sent again), so reloading it sends nothing twice.
            receipt = str(uuid.uuid4())
            received = dict(request.session.get(RECEIVED_SESSION, {}))
            received[receipt] = report.reference
            request.session[RECEIVED_SESSION] = dict(list(received.items())[-RECEIVED_KEPT:])
            # Saved now, before submit_once lets a second send of the form come to the page.
            request.session.save()
            return redirect("report-received", receipt=receipt)
    return render(request, "casework/report_public.html", {"form": form}, status=400)


@login_not_required
@require_GET
def report_received(request: HttpRequest, receipt: uuid.UUID) -> HttpResponse:
    """The reference of a report this browser sent (404 for any other receipt)."""
    reference = request.session.get(RECEIVED_SESSION, {}).get(str(receipt))
    if reference is None:
        raise Http404("No report sent from this browser has that receipt.")
    return render(request, "casework/report_received.html", {"reference": reference})


@login_not_required
@require_http_methods(["GET", "POST"])
def report_more(request: HttpRequest) -> HttpResponse:
    """Add to a report, or see what was done with it, with its reference."""
    if request.method == "GET":
        return render(request, "casework/report_more.html", {"form": AddToReportForm()})
    if public_limit_reached(request):
        return _too_many(request)
    form = AddToReportForm(request.POST)
    if request.POST.get("website"):
        return render(request, "casework/report_more.html", {"form": AddToReportForm()})
    if form.is_valid():
        reference, text = form.cleaned_data["reference"], form.cleaned_data["text"]
        report = services.report_by_reference(reference)
        if report is None:
            form.add_error("reference", "No report has that reference. Check it and try again.")
        else:
            try:
                if text.strip():
                    services.report_add(reference=reference, text=text)
            except ValidationError as error:
                service_errors_add(form, error)
            else:
                context: dict[str, Any] = {
                    "form": AddToReportForm(),
                    "status": report_status(report),
                    "added": bool(text.strip()),
                }
                return render(request, "casework/report_more.html", context)
    return render(request, "casework/report_more.html", {"form": form}, status=400)


def report_status(report: PublicReport) -> dict[str, str]:
    """All a reference opens: where the report is, and what its reporter is told."""
    state = {
        IntakeState.RECEIVED: "Received: the partnership will look at it soon.",
        IntakeState.INCIDENT: "Looked at: it is being dealt with.",
        IntakeState.ADDED: "Looked at: it is being dealt with with a report it belongs to.",
        IntakeState.INTELLIGENCE: "Looked at: it is kept to help keep the area safe.",
    }[IntakeState(report.state)]
    return {"reference": report.reference, "state": state, "told": report.outcome_message}


@require_http_methods(["GET", "POST"])
@submit_once
def report_centre(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "intake.file")
    form = CentreReportForm(
        request.POST if request.method == "POST" else None, partnership=member.partnership
    )
    if request.method == "GET":
        return render(request, "casework/report_centre.html", {"form": form})
    if form.is_valid():
        try:
            report = services.report_file_for(
                actor=member,
                details=form.details(),
                consent_notes=form.cleaned_data["consent_notes"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            messages.success(
                request,
                f"Report filed. Its reference is {report.reference}: give it to the person, to "
                "add to the report or see what was done with it.",
            )
            return redirect("report-centre")
    return render(request, "casework/report_centre.html", {"form": form}, status=400)


# --- The intake queue ----------------------------------------------------------------------------
@require_GET
def intake_list(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "intake.view")
    reports = selectors.reports_of(member)
    context = {
        "waiting": reports.filter(state=IntakeState.RECEIVED).order_by("received_at"),
        "triaged": reports.exclude(state=IntakeState.RECEIVED)[:50],
    }
    return render(request, "casework/intake_list.html", context)


def _detail(
    request: HttpRequest,
    member: Member,
    report: PublicReport,
    *,
    form: TriageForm | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    may_triage = can(member, "intake.triage", report) and report.state == IntakeState.RECEIVED
    if form is None and may_triage:
        form = TriageForm(
            partnership=member.partnership,
            initial={"area": report.area_id, "strands": report.strands},
        )
    context = {
        "report": report,
        "additions": report.additions.all(),
        "form": form if may_triage else None,
        "conflict": conflict,
    }
    return render(request, "casework/intake_detail.html", context, status=status)


@require_GET
def intake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    return _detail(request, member, selectors.report_for(member, pk))


@require_POST
@submit_once
def intake_triage(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    report = selectors.report_for(member, pk)
    require(member, "intake.triage", report)
    form = TriageForm(request.POST, partnership=member.partnership)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.report_triage(
                actor=member,
                report_id=report.pk,
                decision=data["decision"],
                reason=data["reason"],
                outcome_message=data["outcome_message"],
                incident=form.incident(),
                existing_incident_id=data["existing_incident"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _detail(request, member, report, status=409, conflict=conflict_text(error))
        else:
            report.refresh_from_db()
            messages.success(request, f"Report {report.pk}: {report.get_state_display()}.")
            case = (
                Case.objects.filter(incident_id=report.incident_id).first()
                if report.incident_id is not None
                else None
            )
            if case is not None:
                return redirect("case-detail", pk=case.pk)
            return redirect("intake-list")
    return _detail(request, member, report, form=form, status=400)
