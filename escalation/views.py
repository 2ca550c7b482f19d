"""The escalation engine's pages.

Every view looks its incident or duty up through ``escalation.selectors`` (404 for one the member
may not see), asks the permission registry what they may do with it (403), and changes things
only through ``escalation.services``. A service's ``ValidationError`` goes back on the form
(400); a ``ConflictError`` is shown as it stands (409); ``PermissionDenied`` is Django's 403.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import can_proceed

from escalation import selectors, services
from escalation.forms import (
    DeterminationForm,
    DutyCompleteForm,
    IncidentFilterForm,
    IncidentReportForm,
    SituationReportForm,
    stand_down_form,
    waive_form,
)
from escalation.models import Duty, Incident, SituationReport
from escalation.rules import incidents_visible
from escalation.wording import duty_reason, owner_words, step_status
from notifications import selectors as notification_selectors
from notifications.models import Notification, NotificationState
from partnership.models import Member
from partnership.page_forms import areas_narrow, posted_or_blank, service_errors_add
from partnership.pages import CONFLICTS, posted_next, submit_once
from partnership.pages import conflict_text as _conflict_text
from partnership.pages import member_of as _member
from partnership.permissions import can, require
from partnership.scopes import Scope
from partnership.selectors import members_active

INCIDENTS_PER_PAGE = 50


def _incident_url(incident_id: int, anchor: str = "") -> str:
    url = reverse("incident-detail", kwargs={"pk": incident_id})
    return f"{url}#{anchor}" if anchor else url


# --- Incidents -----------------------------------------------------------------------------------
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "incident.list")
    form = IncidentFilterForm(request.GET)
    areas_narrow(form, member.partnership)
    status = 200
    if form.is_valid():
        incidents = selectors.incidents_for_list(
            member,
            state=form.cleaned_data["state"],
            area=form.cleaned_data["area"],
            strand=form.cleaned_data["strand"],
        )
    else:
        incidents = selectors.incidents_for_list(member)
        status = 400
    page = Paginator(incidents, INCIDENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    filtered = any(request.GET.get(name) for name in ("state", "area", "strand"))
    return render(
        request,
        "escalation/incident_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "filtered": filtered},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@submit_once
def incident_report(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "incident.report")
    form = IncidentReportForm(
        request.POST if request.method == "POST" else None,
        connectable=incidents_visible(member),
    )
    areas_narrow(form, member.partnership)
    if request.method != "POST":
        return render(request, "escalation/incident_report.html", {"form": form})
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_report(
                reporter=member,
                title=data["title"],
                description=data["description"],
                occurred_at=data["occurred_at"],
                area=data["area"],
                strands=data["strands"],
                tension_level=data["tension_level"],
                location=data["location"],
                safeguarding_steps=data["safeguarding_steps"],
                connected_to=list(data["connected"]),
            )
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            messages.success(
                request,
                f"Incident {incident.reference} is recorded. A senior police officer can now "
                "assess it and decide whether it is a major incident.",
            )
            return redirect("incident-detail", pk=incident.pk)
    return render(request, "escalation/incident_report.html", {"form": form}, status=400)


@dataclass
class DutyRow:
    duty: Duty
    waiting_for: list[Duty]
    complete_form: forms.Form | None
    waive_form: forms.Form | None
    owners: str = ""  # who is on it: "the CRRO (Ravi Chandra)"
    reason: str = ""  # why it is due then, in the protocol's words
    status: tuple[str, str] = ("", "")  # its tag on the task list: words, GOV.UK colour


def _incident_page(
    request: HttpRequest,
    member: Member,
    incident_id: int,
    *,
    status: int = 200,
    bound: forms.Form | None = None,
    conflict: str = "",
) -> HttpResponse:
    """The incident page. ``bound`` is a form that came back with errors: it replaces the blank
    form it was posted from, and its errors are summarised at the top."""
    incident = selectors.incident_for(
        member, incident_id, queryset=selectors.incident_page_queryset()
    )

    invitable = members_active(incident.partnership).order_by("last_name", "first_name")
    rows = []
    duties = list(incident.duties.all())
    for duty in duties:
        waiting = services.duty_waiting_for(duty, siblings=duties) if duty.is_open else []
        complete: forms.Form | None = None
        if duty.is_open and not waiting and can(member, "duty.complete", duty):
            complete = posted_or_blank(bound, DutyCompleteForm(duty=duty, invitable=invitable))
        waive: forms.Form | None = None
        if duty.is_open and can(member, "duty.waive", duty):
            waive = posted_or_blank(bound, waive_form(duty))
        rows.append(
            DutyRow(
                duty=duty,
                waiting_for=waiting,
                complete_form=complete,
                waive_form=waive,
                owners=owner_words(duty) if duty.is_open else "",
                reason=duty_reason(duty) if duty.is_open else "",
                status=step_status(duty, waiting=bool(waiting)),
            )
        )

    may = {
        "assess": can(member, "incident.assess", incident)
        and can_proceed(incident.start_assessment),
        "determine": can(member, "incident.determine", incident)
        and (can_proceed(incident.declare_major) or can_proceed(incident.find_not_major)),
        "stand_down": can(member, "incident.stand_down", incident)
        and can_proceed(incident.stand_down),
        "close": can(member, "incident.close", incident) and can_proceed(incident.close),
    }
    connected = list(incident.connected.all())
    delivery = notification_selectors.delivery_panel(Scope.incident(incident.pk))
    may_report = can(member, "incident.situation_report", incident)
    context: dict[str, Any] = {
        "incident": incident,
        "strands": [row.get_strand_display() for row in incident.strand_rows.all()],
        "determinations": list(incident.determinations.all()),
        "rows": rows,
        "may": may,
        "stand_down_form": posted_or_blank(bound, stand_down_form()) if may["stand_down"] else None,
        "open_duties": sum(1 for row in rows if row.duty.is_open),
        # What the page leads with (a task list): what is open, most urgent first, and who is
        # on it; then the steps done or waived, in the protocol's order.
        "open_rows": sorted(
            (row for row in rows if row.duty.is_open),
            key=lambda row: (bool(row.waiting_for), row.duty.due_at),
        ),
        "closed_rows": [row for row in rows if not row.duty.is_open],
        "connected": [other for other in connected if can(member, "incident.view", other)],
        "connected_hidden": sum(
            1 for other in connected if not can(member, "incident.view", other)
        ),
        "failed_form": bound,
        "conflict": conflict,
        "now": timezone.now(),
        "delivery": delivery,
        "delivery_summary": DeliverySummary.of(delivery),
        "situation_reports": _situation_reports(incident),
        "situation_report_form": posted_or_blank(
            bound, SituationReportForm(partnership_id=incident.partnership_id)
        )
        if may_report
        else None,
    }
    return render(request, "escalation/incident_detail.html", context, status=status)


@dataclass(frozen=True)
class DeliverySummary:
    """The line above the delivery panel: "12 people told · 9 acknowledged · 2 late"."""

    people: int
    messages: int
    acknowledged: int
    late: int
    awaiting_reply: int

    @classmethod
    def of(cls, rows: list[notification_selectors.DeliveryRow]) -> DeliverySummary:
        return cls(
            people=len({row.notification.recipient_id for row in rows}),
            messages=len(rows),
            acknowledged=sum(1 for row in rows if row.notification.state != NotificationState.OPEN),
            late=sum(1 for row in rows if row.late),
            awaiting_reply=sum(1 for row in rows if row.waiting_for_reply),
        )


@dataclass
class SituationReportRow:
    report: SituationReport
    told: list[Notification]
    answered: list[Notification]
    awaiting: list[Notification]


def _situation_reports(incident: Incident) -> list[SituationReportRow]:
    """Each report with the replies to it and who has not yet answered, in two queries."""
    reports = list(incident.situation_reports.select_related("author__agency"))
    if not reports:
        return []
    told: dict[str, list[Notification]] = defaultdict(list)
    for notification in (
        Notification.objects.filter(
            subject_type=SituationReport._meta.label_lower,
            subject_id__in=[str(report.pk) for report in reports],
        )
        .select_related("recipient__agency")
        .order_by("pk")
    ):
        told[notification.subject_id].append(notification)
    rows = []
    for report in reports:
        notifications = told[str(report.pk)]
        rows.append(
            SituationReportRow(
                report=report,
                told=notifications,
                answered=[n for n in notifications if n.answered_at is not None],
                awaiting=[n for n in notifications if n.needs_reply and n.answered_at is None],
            )
        )
    return rows


@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _incident_page(request, _member(request), pk)


@require_http_methods(["GET", "POST"])
@submit_once
def incident_determine(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    incident = selectors.incident_for(member, pk)
    require(member, "incident.determine", incident)
    offered = [
        decision
        for decision, move in (
            (DeterminationForm.MAJOR, incident.declare_major),
            (DeterminationForm.NOT_MAJOR, incident.find_not_major),
        )
        if can_proceed(move)
    ]
    form = DeterminationForm(request.POST if request.method == "POST" else None, offered=offered)
    status, conflict = 200, ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = services.incident_determine(
                    officer=member,
                    incident_id=incident.pk,
                    is_major=form.is_major,
                    rationale=form.cleaned_data["rationale"],
                    determined_at=form.cleaned_data["determined_at"],
                )
            except ValidationError as error:
                service_errors_add(form, error)
            except CONFLICTS as error:
                status, conflict = 409, _conflict_text(error)
            else:
                if result.determination.is_major:
                    messages.success(
                        request,
                        f"{incident.reference} is declared a major incident. The protocol has "
                        f"started: {len(result.duties)} duties are below, each with its deadline.",
                    )
                else:
                    messages.success(
                        request,
                        f"{incident.reference} is recorded as not a major incident and goes to "
                        "casework. You can still declare it major later if things change.",
                    )
                return redirect("incident-detail", pk=incident.pk)
    now = timezone.now()
    context = {
        "incident": incident,
        "form": form,
        "offered": offered,
        "conflict": conflict,
        "steps": selectors.protocol_preview(partnership=incident.partnership, start=now),
        "now": now,
        "determinations": list(incident.determinations.select_related("officer")),
    }
    return render(request, "escalation/incident_determine.html", context, status=status)


@require_POST
def incident_assess(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    incident = selectors.incident_for(member, pk)
    require(member, "incident.assess", incident)
    try:
        services.incident_start_assessment(officer=member, incident_id=incident.pk)
    except CONFLICTS as error:
        return _incident_page(request, member, pk, status=409, conflict=_conflict_text(error))
    messages.success(
        request,
        "Assessment started. When you have decided, record your determination: major or not.",
    )
    return redirect("incident-detail", pk=pk)


@require_POST
def incident_stand_down(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    incident = selectors.incident_for(member, pk)
    require(member, "incident.stand_down", incident)
    form = stand_down_form(request.POST)
    if form.is_valid():
        try:
            services.incident_stand_down(
                actor=member, incident_id=incident.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _incident_page(request, member, pk, status=409, conflict=_conflict_text(error))
        else:
            messages.success(
                request,
                "The major incident is stood down. Finish or waive the duties still open, then "
                "close it.",
            )
            return redirect("incident-detail", pk=pk)
    return _incident_page(request, member, pk, status=400, bound=form)


@require_POST
def incident_close(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    incident = selectors.incident_for(member, pk)
    require(member, "incident.close", incident)
    try:
        services.incident_close(actor=member, incident_id=incident.pk)
    except CONFLICTS as error:
        return _incident_page(request, member, pk, status=409, conflict=_conflict_text(error))
    messages.success(request, f"{incident.reference} is closed.")
    return redirect("incident-detail", pk=pk)


@require_POST
@submit_once
def incident_situation_report(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    incident = selectors.incident_for(member, pk)
    require(member, "incident.situation_report", incident)
    form = SituationReportForm(request.POST, partnership_id=incident.partnership_id)
    if form.is_valid():
        try:
            report = services.situation_report_send(
                actor=member,
                incident_id=incident.pk,
                audiences=form.audiences_chosen(),
                purposes=list(form.cleaned_data["purposes"]),
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _incident_page(request, member, pk, status=409, conflict=_conflict_text(error))
        else:
            told = Notification.objects.filter(
                subject_type=SituationReport._meta.label_lower, subject_id=str(report.pk)
            ).count()
            if told:
                messages.success(
                    request,
                    f"Situation report sent to {told} {'person' if told == 1 else 'people'}.",
                )
            else:
                messages.warning(
                    request,
                    "The situation report is recorded, but nobody holds the roles you chose or "
                    "speaks for those agencies, so nobody was told.",
                )
            return redirect(_incident_url(pk, f"situation-report-{report.pk}"))
    return _incident_page(request, member, pk, status=400, bound=form)


# --- Duties --------------------------------------------------------------------------------------
@require_POST
@submit_once
def duty_complete(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    duty = selectors.duty_for(member, pk)
    require(member, "duty.complete", duty)
    form = DutyCompleteForm(
        request.POST,
        duty=duty,
        invitable=members_active(duty.incident.partnership).order_by("last_name", "first_name"),
    )
    if form.is_valid():
        try:
            services.duty_complete(
                actor=member,
                duty_id=duty.pk,
                message=form.cleaned_data["message"],
                purposes=form.purposes_chosen(),
                meeting=form.meeting_plan(),
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _incident_page(
                request, member, duty.incident_id, status=409, conflict=_conflict_text(error)
            )
        else:
            messages.success(request, f"Done: {duty.description}.")
            return redirect(
                posted_next(request) or _incident_url(duty.incident_id, f"duty-{duty.pk}")
            )
    return _incident_page(request, member, duty.incident_id, status=400, bound=form)


@require_POST
def duty_waive(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    duty = selectors.duty_for(member, pk)
    require(member, "duty.waive", duty)
    form = waive_form(duty, request.POST)
    if form.is_valid():
        try:
            services.duty_waive(actor=member, duty_id=duty.pk, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _incident_page(
                request, member, duty.incident_id, status=409, conflict=_conflict_text(error)
            )
        else:
            messages.success(request, f"Waived: {duty.description}.")
            return redirect(_incident_url(duty.incident_id, f"duty-{duty.pk}"))
    return _incident_page(request, member, duty.incident_id, status=400, bound=form)


# --- The co-ordinators' board --------------------------------------------------------------------
# Panels a higher app adds below the board's table (casework: the tension in each area): each
# gives the member the template to include and its context, or None to show nothing.
BoardPanel = Callable[[Member], tuple[str, dict[str, Any]] | None]
_BOARD_PANELS: list[BoardPanel] = []


def board_panel_register(panel: BoardPanel) -> None:
    if panel not in _BOARD_PANELS:
        _BOARD_PANELS.append(panel)


def _board_context(member: Member) -> dict[str, Any]:
    rows = [
        row
        for row in selectors.board_rows(member.partnership)
        if can(member, "incident.view", row.incident)
    ]
    return {"rows": rows, "now": timezone.now()}


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "incident.board")
    panels = [shown for panel in _BOARD_PANELS if (shown := panel(member)) is not None]
    return render(request, "escalation/board.html", {**_board_context(member), "panels": panels})


@never_cache
@require_GET
def board_fragment(request: HttpRequest) -> HttpResponse:
    """Just the board's table, fetched by ``static/escalation/board.js`` whenever the board
    changes."""
    member = _member(request)
    require(member, "incident.board")
    return render(request, "escalation/_board_table.html", _board_context(member))
