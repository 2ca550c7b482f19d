"""The gold group's review pages: an incident's or a case's timeline with its integrity, replay and
compliance, compliance across incidents, the partnership report and the access log.

Pages read through the same functions as the review API (``review.timeline``, ``review.replay``,
``review.compliance``, ``review.reports``) and look records up through the same selectors, so a
page and its JSON never disagree: a record the member may not see is a 404 (its existence is not
disclosed); a page their role does not open is a 403 with the rule's words.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from conference.access_log import access_log_verify
from conference.models import Person
from conference.services import person_access_record
from escalation.models import Incident, IncidentState
from partnership.models import Member
from partnership.page_forms import areas_narrow
from partnership.pages import member_of
from partnership.permissions import can, require
from partnership.scopes import Scope
from review import selectors, timeline
from review.compliance import (
    ComplianceFilter,
    compliance_across,
    compliance_incidents,
    incident_compliance,
)
from review.exports import EXPORT_TYPES, report_file, timeline_file
from review.forms import (
    AccessLogFilterForm,
    ComplianceFilterForm,
    ReplayForm,
    ReportPeriodForm,
    TimelineFilterForm,
)
from review.replay import incident_replay
from review.reports import bar_chart_svg, half_year_containing, partnership_report

ACCESS_LOG_PER_PAGE = 100

EXPORT_FORMATS = ["pdf", "csv", "json"]
EXPORT_ERROR = "The file could not be made: choose PDF, CSV or JSON, and check the filters."

# Parameters of the timeline filter: what the export links and the other forms carry along.
FILTER_PARAMS = ("kind", "agency", "since", "until")


def _querystring(params: QueryDict, keep: Iterable[str]) -> str:
    wanted = QueryDict(mutable=True)
    for name in keep:
        values = [v for v in params.getlist(name) if v]
        if values:
            wanted.setlist(name, values)
    return wanted.urlencode()


def _hidden(params: QueryDict, keep: Iterable[str]) -> list[tuple[str, str]]:
    return [(name, v) for name in keep for v in params.getlist(name) if v]


def _percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100)}%"


def _as_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- Timelines -----------------------------------------------------------------------------------
def _integrity(scope: Scope, edited: list[int]) -> dict[str, Any]:
    """The chain's integrity as the API states it, with the checkpoint's time for the page."""
    statement = timeline.integrity(scope, edited=edited)
    if statement["checkpoint"] is not None:
        statement["checkpoint_at"] = datetime.fromisoformat(statement["checkpoint"]["made_at"])
    if statement["walked"] is not None:
        statement["walked_at"] = datetime.fromisoformat(statement["walked"]["at"])
    return statement


def _timeline_context(
    request: HttpRequest, record: timeline.Record, scope: Scope
) -> tuple[dict[str, Any], int]:
    events = record.events()
    form = TimelineFilterForm(request.GET, present=record.present())
    status = 200
    if form.is_valid():
        wanted = form.wanted()
        after = form.cleaned_data["after"] or 0
    else:
        wanted, after, status = timeline.TimelineFilter(), 0, 400
    page = timeline.timeline_page(events, wanted, after_seq=after)
    for row in page.rows:
        # Formatted here, once: the template's ``date`` filter, twice a row, was a quarter of
        # the page's rendering (100 rows).
        at = timezone.localtime(datetime.fromisoformat(row["occurred_at"]))
        row["at_iso"] = at.isoformat()
        row["at_text"] = f"{at:%H:%M:%S} on {at:%a} {at.day} {at:%b %Y}"
    filters = _querystring(request.GET, FILTER_PARAMS) if status == 200 else ""
    context = {
        "form": form,
        "filtered": form.filtered,
        "rows": page.rows,
        "next_after_seq": page.next_after_seq,
        "after": after,
        "integrity": _integrity(scope, page.edited),
        "filters": filters,
        "page_query": _querystring(request.GET, (*FILTER_PARAMS, "at")),
        "keep_for_filter": _hidden(request.GET, ("at",)),
    }
    return context, status


def _export(
    request: HttpRequest,
    member: Member,
    record: timeline.Record,
    *,
    scope: Scope,
    title: str,
) -> HttpResponse | None:
    """The file, or ``None`` when the request is not one we can answer (the caller shows the
    page with the problem)."""
    export_type = request.GET.get("as", "pdf")
    form = TimelineFilterForm(request.GET, present=record.present())
    if export_type not in EXPORT_TYPES or not form.is_valid():
        return None
    return timeline_file(
        events=record.events(),
        wanted=form.wanted(),
        export_type=export_type,
        member=member,
        scope=scope,
        title=title,
    )


def _incident_page(
    request: HttpRequest,
    member: Member,
    incident: Incident,
    *,
    status: int = 200,
    export_error: str = "",
) -> HttpResponse:
    context, filter_status = _timeline_context(
        request, timeline.incident_record(incident.pk), Scope.incident(incident.pk)
    )
    replay: dict[str, Any] | None = None
    # Bound once a moment is asked for: typed in parts (at_day, at_month…) or one value (at=).
    asked = any(key == "at" or key.startswith("at_") for key in request.GET)
    replay_form = ReplayForm(request.GET if asked else None)
    if replay_form.is_bound:
        if replay_form.is_valid():
            replay = incident_replay(incident, replay_form.cleaned_data["at"])
            state = replay["state"]
            replay["state_label"] = (
                IncidentState(state).label if state in IncidentState.values else state.capitalize()
            )
            for duty in replay["duties"]:
                duty["due"] = _as_datetime(duty["due_at"])
        else:
            filter_status = 400
    compliance: list[dict[str, Any]] | None = None
    if can(member, "compliance.view", incident):
        compliance = incident_compliance(incident)
        for step in compliance:
            step["due"] = _as_datetime(step["due_at"])
            step["done"] = _as_datetime(step["done_at"])
    context.update(
        incident=incident,
        replay_form=replay_form,
        replay=replay,
        compliance=compliance,
        keep_for_replay=_hidden(request.GET, (*FILTER_PARAMS, "after")),
        export_formats=EXPORT_FORMATS,
        export_error=export_error,
    )
    return render(
        request, "review/incident_timeline.html", context, status=max(status, filter_status)
    )


@require_GET
def incident_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    return _incident_page(request, member, selectors.incident_for_review(member, pk))


@require_GET
def incident_timeline_export(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    incident = selectors.incident_for_review(member, pk)
    response = _export(
        request,
        member,
        timeline.incident_record(incident.pk),
        scope=Scope.incident(incident.pk),
        title=f"Timeline of incident {incident.reference}: {incident.title}",
    )
    return response or _incident_page(
        request, member, incident, status=400, export_error=EXPORT_ERROR
    )


def _person_page(
    request: HttpRequest,
    person: Person,
    *,
    status: int = 200,
    export_error: str = "",
) -> HttpResponse:
    context, filter_status = _timeline_context(
        request, timeline.person_record(person.pk), Scope.person(person.pk)
    )
    context.update(person=person, export_formats=EXPORT_FORMATS, export_error=export_error)
    return render(
        request, "review/person_timeline.html", context, status=max(status, filter_status)
    )


@require_GET
def person_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    person = selectors.person_for_review(member, pk)
    person_access_record(member=member, people=[person], what="timeline")
    return _person_page(request, person)


@require_GET
def person_timeline_export(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    person = selectors.person_for_review(member, pk)
    response = _export(
        request,
        member,
        timeline.person_record(person.pk),
        scope=Scope.person(person.pk),
        title=f"Timeline of case {person.reference}",
    )
    if response is None:
        return _person_page(request, person, status=400, export_error=EXPORT_ERROR)
    person_access_record(member=member, people=[person], what="timeline export")
    return response


# --- Compliance across incidents -----------------------------------------------------------------
@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "compliance.view")
    form = ComplianceFilterForm(request.GET)
    areas_narrow(form, member.partnership)
    status = 200
    if form.is_valid():
        incidents = compliance_incidents(member, form.wanted())
    else:
        incidents, status = compliance_incidents(member, ComplianceFilter()), 400
    figures = compliance_across(incidents)
    steps = figures["steps"]
    for step in steps:
        step["share_met_percent"] = _percent(step["share_met"])
    described = {step["step"]: step["description"] for step in steps}
    missed_ids = [row["incident_id"] for row in figures["incidents_with_missed_steps"]]
    by_id = Incident.objects.in_bulk(missed_ids)
    missed = [
        {
            "incident": by_id[row["incident_id"]],
            "steps": [described.get(code, code) for code in row["steps"]],
        }
        for row in figures["incidents_with_missed_steps"]
        if row["incident_id"] in by_id
    ]
    filtered = any(request.GET.get(name) for name in ("start", "end", "area", "strand"))
    context = {
        "form": form,
        "filtered": filtered,
        "steps": steps,
        "missed": missed,
        "incident_count": figures["incidents"],
    }
    return render(request, "review/compliance.html", context, status=status)


# --- The partnership report ----------------------------------------------------------------------
def _month_label(key: str) -> str:
    return datetime.strptime(key, "%Y-%m").strftime("%b %Y")  # noqa: DTZ007 (a month, no zone)


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "report.view")
    form = ReportPeriodForm(request.GET)
    status = 200
    if form.is_valid():
        period = form.period()
    else:
        period, status = half_year_containing(timezone.localdate()), 400
    figures = partnership_report(member.partnership, period)
    by_month = {_month_label(k): v for k, v in figures["by_month"].items()}
    charts = [
        {
            "id": "strand",
            "title": "Incidents by hate strand",
            "heading": "Strand",
            "values": figures["by_strand"],
            "note": "An incident can be recorded under more than one strand.",
        },
        {
            "id": "area",
            "title": "Incidents by area",
            "heading": "Area",
            "values": figures["by_area"],
            "note": "",
        },
        {
            "id": "month",
            "title": "Incidents by month",
            "heading": "Month",
            "values": by_month,
            "note": "",
        },
        {
            "id": "tension",
            "title": "Incidents at high or critical tension, by month",
            "heading": "Month",
            "values": {_month_label(k): v for k, v in figures["high_tension_by_month"].items()},
            "note": "The tension recorded when each incident was reported.",
        },
    ]
    for chart in charts:
        chart["svg"] = bar_chart_svg(chart["title"], chart["values"]) if chart["values"] else ""
    totals = [
        ("Incidents recorded", figures["incidents"]),
        ("Declared major incidents", figures["declared_major"]),
        ("Victims", figures["victims"]),
        ("Repeat victims (two or more incidents)", figures["repeat_victims"]),
        ("Repeat rate", _percent(figures["repeat_rate"]) or "No victims recorded"),
        ("Referrals to risk conferences", figures["referrals"]),
        ("Conferences held", figures["conferences_held"]),
        ("Emergency conferences", figures["emergency_conferences"]),
        ("Actions agreed", figures["actions_agreed"]),
        ("Actions done", figures["actions_done"]),
        ("Actions overdue", figures["actions_overdue"]),
    ]
    context = {
        "form": form,
        "period": period,
        "figures": figures,
        "charts": charts,
        "totals": totals,
        "referrals_by_level": sorted(figures["referrals_by_level"].items()),
        "csv_query": f"start={period.start.isoformat()}&end={period.end.isoformat()}",
    }
    return render(request, "review/report.html", context, status=status)


@require_GET
def report_download(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "report.view")
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return report(request)
    return report_file(partnership_report(member.partnership, form.period()))


# --- Who viewed personal data --------------------------------------------------------------------
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "access_log.view")
    form = AccessLogFilterForm(request.GET)
    viewer_field = form.fields["member"]
    assert isinstance(viewer_field, forms.ModelChoiceField)  # noqa: S101 (declared so)
    viewer_field.queryset = Member.objects.filter(partnerships=member.partnership).order_by(
        "last_name", "first_name", "username"
    )
    status = 200
    if form.is_valid():
        chosen: Member | None = form.cleaned_data["member"]
        rows = selectors.access_log(
            member.partnership,
            member_id=chosen.pk if chosen else None,
            person_id=form.cleaned_data["person"],
        )
    else:
        rows, status = selectors.access_log(member.partnership), 400
    page = Paginator(rows, ACCESS_LOG_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "integrity": access_log_verify(),
        "query": _querystring(request.GET, ("member", "person")),
        "filtered": any(request.GET.get(name) for name in ("member", "person")),
    }
    return render(request, "review/access_log.html", context, status=status)
