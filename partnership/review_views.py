"""The gold group's review pages: an incident's or a case's timeline with its integrity, replay and
compliance, compliance across incidents, the partnership report and the access log.

Pages read through the same functions as the review API (``partnership.review``,
``escalation.review``, ``conference.reports``) so a page and its JSON never disagree, and ask the
permission registry first. A record the member may not see is a 404 (its existence is not
disclosed); a page their role does not open is a 403 with the rule's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from conference.models import Person, PersonAccess
from conference.reports import (
    Period,
    bar_chart_svg,
    half_year_containing,
    partnership_report,
    person_timeline_query,
    report_csv,
)
from conference.rules import people_visible
from conference.selectors import person_access_log
from escalation.forms import LocalDateTimeField
from escalation.models import Incident, IncidentState, Strand
from escalation.review import compliance_across, incident_compliance, incident_replay
from partnership import review
from partnership.models import Agency, Area, AuditEvent, Member
from partnership.pages import member_of as _member
from partnership.permissions import can, require
from partnership.review_api import EXPORT_TYPES, timeline_file
from partnership.timeline import timeline_verify

ACCESS_LOG_PER_PAGE = 100

# What each kind of event is called in the filter; a kind not listed is shown by its code.
KIND_LABELS: dict[str, str] = {
    "incident": "The incident itself",
    "protocol": "Protocol",
    "duty": "Duties",
    "notification": "Messages and acknowledgements",
    "situation_report": "Situation reports",
    "meeting": "Meetings",
    "timeline": "Exports of this timeline",
    "person": "The person's record",
    "referral": "Referrals",
    "repeat": "Repeat rules",
    "conference": "Conferences",
    "room": "Conference room",
    "action": "Conference actions",
}
_KIND_ORDER = list(KIND_LABELS)

EXPORT_FORMATS = ["pdf", "csv", "json"]
EXPORT_ERROR = "The file could not be made: choose PDF, CSV or JSON, and check the filters."

# Parameters of the timeline filter: what the export links and the other forms carry along.
FILTER_PARAMS = ("kind", "agency", "since", "until")


def _kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def _querystring(params: QueryDict, keep: Iterable[str]) -> str:
    wanted = QueryDict(mutable=True)
    for name in keep:
        values = [v for v in params.getlist(name) if v]
        if values:
            wanted.setlist(name, values)
    return wanted.urlencode()


def _hidden(params: QueryDict, keep: Iterable[str]) -> list[tuple[str, str]]:
    return [(name, v) for name in keep for v in params.getlist(name) if v]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # A date input's value must be ISO whatever the locale formats dates as.
        super().__init__(attrs, format="%Y-%m-%d")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class DateRangeForm(forms.Form):
    """Two optional dates, the end on or after the start."""

    start = forms.DateField(label="From", required=False, widget=DateInput)
    end = forms.DateField(label="To", required=False, widget=DateInput, help_text="Inclusive.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date must not be before the start date.")
        return data


# --- Timelines -----------------------------------------------------------------------------------
class TimelineFilterForm(forms.Form):
    """The filter over one timeline. Kinds and agencies offered are those present in it."""

    kind = forms.MultipleChoiceField(
        label="What happened",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave every box empty to see everything.",
    )
    agency = forms.ModelChoiceField(
        label="Agency", queryset=Agency.objects.none(), required=False, empty_label="Any agency"
    )
    since = LocalDateTimeField(label="From", required=False, help_text="UK time.")
    until = LocalDateTimeField(label="To", required=False, help_text="UK time.")
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, data: QueryDict, *, events: QuerySet[AuditEvent]) -> None:
        super().__init__(data)
        verbs = events.order_by().values_list("verb", flat=True).distinct()
        kinds = sorted(
            {verb.split(".", 1)[0] for verb in verbs},
            key=lambda k: (_KIND_ORDER.index(k) if k in _KIND_ORDER else len(_KIND_ORDER), k),
        )
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.MultipleChoiceField)  # noqa: S101 (declared above)
        kind_field.choices = [(k, _kind_label(k)) for k in kinds]
        agency_field = self.fields["agency"]
        assert isinstance(agency_field, forms.ModelChoiceField)  # noqa: S101 (declared above)
        agency_field.queryset = Agency.objects.filter(
            pk__in=events.order_by().values("agency_id")
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end must not be before the start.")
        return data

    def wanted(self) -> review.TimelineFilter:
        """The filter chosen; call only on a valid form."""
        data = self.cleaned_data
        agency: Agency | None = data["agency"]
        return review.TimelineFilter(
            kinds=tuple(data["kind"]),
            agency_id=agency.pk if agency else None,
            since=data["since"],
            until=data["until"],
        )

    @property
    def filtered(self) -> bool:
        return self.is_valid() and self.wanted() != review.TimelineFilter()


class ReplayForm(forms.Form):
    at = LocalDateTimeField(
        label="As at",
        help_text="UK time. The page shows the incident as it stood at that moment.",
    )


def _integrity() -> dict[str, Any]:
    """The chain's integrity as the API states it, plus the problem on its own for the page."""
    report = timeline_verify()
    statement = review.integrity_statement(report)
    statement["problem"] = report.problem
    return statement


def _timeline_context(
    request: HttpRequest, events: QuerySet[AuditEvent]
) -> tuple[dict[str, Any], int]:
    form = TimelineFilterForm(request.GET, events=events)
    status = 200
    if form.is_valid():
        wanted = form.wanted()
        after = form.cleaned_data["after"] or 0
    else:
        wanted, after, status = review.TimelineFilter(), 0, 400
    page = review.timeline_page(events, wanted, after_seq=after)
    for row in page.rows:
        row["when"] = datetime.fromisoformat(row["occurred_at"])
    filters = _querystring(request.GET, FILTER_PARAMS) if status == 200 else ""
    context = {
        "form": form,
        "filtered": form.filtered,
        "rows": page.rows,
        "next_after_seq": page.next_after_seq,
        "after": after,
        "integrity": _integrity(),
        "filters": filters,
        "page_query": _querystring(request.GET, (*FILTER_PARAMS, "at")),
        "keep_for_filter": _hidden(request.GET, ("at",)),
    }
    return context, status


def _export(
    request: HttpRequest,
    member: Member,
    events: QuerySet[AuditEvent],
    *,
    scope: str,
    title: str,
) -> HttpResponse | None:
    """The file, or ``None`` when the request is not one we can answer (the caller shows the
    page with the problem)."""
    export_type = request.GET.get("as", "pdf")
    form = TimelineFilterForm(request.GET, events=events)
    if export_type not in EXPORT_TYPES or not form.is_valid():
        return None
    return timeline_file(
        events=events,
        wanted=form.wanted(),
        export_type=export_type,
        member=member,
        scope=scope,
        title=title,
    )


def _incident_reviewable(member: Member, pk: int) -> Incident:
    incident = Incident.objects.select_related("area").filter(pk=pk).first()
    if incident is None or not can(member, "incident.view", incident):
        raise Http404("No incident with that id is shared with you.")
    require(member, "incident.timeline", incident)
    return incident


def _as_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _incident_page(
    request: HttpRequest,
    member: Member,
    incident: Incident,
    *,
    status: int = 200,
    export_error: str = "",
) -> HttpResponse:
    events = review.events_in([f"incident:{incident.pk}"])
    context, filter_status = _timeline_context(request, events)
    replay: dict[str, Any] | None = None
    replay_form = ReplayForm(request.GET if request.GET.get("at") else None)
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
        request,
        "partnership/review/incident_timeline.html",
        context,
        status=max(status, filter_status),
    )


@require_GET
def incident_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    return _incident_page(request, member, _incident_reviewable(member, pk))


@require_GET
def incident_timeline_export(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    incident = _incident_reviewable(member, pk)
    response = _export(
        request,
        member,
        review.events_in([f"incident:{incident.pk}"]),
        scope=f"incident:{incident.pk}",
        title=f"Timeline of incident {incident.reference}: {incident.title}",
    )
    return response or _incident_page(
        request, member, incident, status=400, export_error=EXPORT_ERROR
    )


def _case_reviewable(member: Member, pk: int) -> Person:
    person = people_visible(member).filter(pk=pk).first()
    if person is None:
        raise Http404("No person with that id is shared with you.")
    require(member, "person.timeline", person)
    return person


def _person_page(
    request: HttpRequest,
    member: Member,
    person: Person,
    *,
    status: int = 200,
    export_error: str = "",
) -> HttpResponse:
    context, filter_status = _timeline_context(request, person_timeline_query(person.pk))
    context.update(person=person, export_formats=EXPORT_FORMATS, export_error=export_error)
    return render(
        request,
        "partnership/review/person_timeline.html",
        context,
        status=max(status, filter_status),
    )


@require_GET
def person_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    person = _case_reviewable(member, pk)
    person_access_log(member=member, person=person, what="timeline")
    return _person_page(request, member, person)


@require_GET
def person_timeline_export(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    person = _case_reviewable(member, pk)
    response = _export(
        request,
        member,
        person_timeline_query(person.pk),
        scope=f"person:{person.pk}",
        title=f"Timeline of case {person.reference}",
    )
    if response is None:
        return _person_page(request, member, person, status=400, export_error=EXPORT_ERROR)
    person_access_log(member=member, person=person, what="timeline export")
    return response


# --- Compliance across incidents -----------------------------------------------------------------
class ComplianceFilterForm(DateRangeForm):
    start = forms.DateField(
        label="Declared from", required=False, widget=DateInput, help_text="UK date."
    )
    end = forms.DateField(
        label="Declared to", required=False, widget=DateInput, help_text="Inclusive."
    )
    area = forms.ModelChoiceField(
        queryset=Area.objects.order_by("name"), required=False, empty_label="Any area"
    )
    strand = forms.ChoiceField(required=False, choices=[("", "Any strand"), *Strand.choices])


def _percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100)}%"


@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "compliance.view")
    form = ComplianceFilterForm(request.GET)
    incidents = Incident.objects.filter(declared_at__isnull=False)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        if data["start"]:
            incidents = incidents.filter(declared_at__gte=_day_start(data["start"]))
        if data["end"]:
            incidents = incidents.filter(
                declared_at__lt=_day_start(data["end"] + timedelta(days=1))
            )
        if data["area"]:
            incidents = incidents.filter(area=data["area"])
        if data["strand"]:
            incidents = incidents.filter(strand_rows__strand=data["strand"])
    else:
        status = 400
    figures = compliance_across(incidents.distinct())
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
    return render(request, "partnership/review/compliance.html", context, status=status)


# --- The partnership report ----------------------------------------------------------------------
class ReportPeriodForm(DateRangeForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("start")) != bool(data.get("end")) and not self.errors:
            raise forms.ValidationError("Give both the start and the end dates, or neither.")
        return data

    def period(self) -> Period:
        """The period chosen, or the current half-year; call only on a valid form."""
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        if start and end:
            return Period(start, end)
        return half_year_containing(timezone.localdate())


def _month_label(key: str) -> str:
    return datetime.strptime(key, "%Y-%m").strftime("%b %Y")  # noqa: DTZ007 (a month, no zone)


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "report.view")
    form = ReportPeriodForm(request.GET)
    status = 200
    if form.is_valid():
        period = form.period()
    else:
        period, status = half_year_containing(timezone.localdate()), 400
    figures = partnership_report(period)
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
    return render(request, "partnership/review/report.html", context, status=status)


@require_GET
def report_download(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "report.view")
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return report(request)
    figures = partnership_report(form.period())
    response = HttpResponse(report_csv(figures), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="partnership-report-{figures["period"]["start"]}-'
        f'{figures["period"]["end"]}.csv"'
    )
    return response


# --- Who viewed personal data --------------------------------------------------------------------
_REFERENCE = re.compile(r"^\s*(?:P-?)?0*(\d{1,9})\s*$", re.IGNORECASE)


class MemberChoice(forms.ModelChoiceField[Member]):
    def label_from_instance(self, obj: Member) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class AccessLogFilterForm(forms.Form):
    member = MemberChoice(
        label="Who viewed",
        queryset=Member.objects.order_by("last_name", "first_name", "username"),
        required=False,
        empty_label="Anyone",
    )
    person = forms.CharField(
        label="Person reference",
        required=False,
        max_length=20,
        help_text="For example P-00012.",
    )

    def clean_person(self) -> int | None:
        text = self.cleaned_data["person"]
        if not text:
            return None
        match = _REFERENCE.match(text)
        if match is None:
            raise forms.ValidationError("Enter a person reference like P-00012.")
        return int(match.group(1))


@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "access_log.view")
    form = AccessLogFilterForm(request.GET)
    rows = PersonAccess.objects.select_related("member__agency", "person").order_by("-at", "-pk")
    status = 200
    if form.is_valid():
        if form.cleaned_data["member"]:
            rows = rows.filter(member=form.cleaned_data["member"])
        if form.cleaned_data["person"] is not None:
            rows = rows.filter(person_id=form.cleaned_data["person"])
    else:
        status = 400
    page = Paginator(rows, ACCESS_LOG_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": _querystring(request.GET, ("member", "person")),
        "filtered": any(request.GET.get(name) for name in ("member", "person")),
    }
    return render(request, "partnership/review/access_log.html", context, status=status)
