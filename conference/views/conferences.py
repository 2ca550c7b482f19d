"""Pages that plan a conference (its list, the form that arranges one, its page with the agenda,
invitations and attendance) and each agency's research on a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conference import selectors, services
from conference.forms import (
    AgendaAddForm,
    AttendanceForm,
    ConferenceForm,
    InviteForm,
    ResearchForm,
)
from conference.models import (
    AgendaItem,
    AgendaKind,
    Conference,
    ConferenceState,
    Referral,
    ReferralState,
    ResearchContribution,
)
from conference.views.common import _agencies, _conference, _item_title, _members_with_agency
from partnership.models import Agency, Member, Partnership, Role
from partnership.page_forms import posted_or_blank, service_errors_add
from partnership.pages import CONFLICTS, submit_once
from partnership.pages import conflict_text as _conflict_text
from partnership.pages import member_of as _member
from partnership.permissions import can, require
from partnership.selectors import members_active


# --- Conferences ---------------------------------------------------------------------------------
@require_GET
def conference_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    conferences = [
        conference
        for conference in Conference.objects.filter(partnership=member.partnership)
        .select_related("chair")
        .order_by("-starts_at")[:200]
        if can(member, "conference.view", conference)
    ]
    return render(
        request,
        "conference/conference_list.html",
        {
            "current": [c for c in conferences if c.state != ConferenceState.CONCLUDED],
            "concluded": [c for c in conferences if c.state == ConferenceState.CONCLUDED],
            "may_manage": can(member, "conference.manage"),
        },
    )


def _chairs(partnership: Partnership | None) -> Any:
    return (
        members_active(partnership)
        .filter(
            role_assignments__partnership=partnership,
            role_assignments__role=Role.CONFERENCE_CHAIR,
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


@require_http_methods(["GET", "POST"])
@submit_once
def conference_create(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "conference.manage")
    form = ConferenceForm(
        request.POST if request.method == "POST" else None, chairs=_chairs(member.partnership)
    )
    if request.method != "POST":
        return render(request, "conference/conference_form.html", {"form": form})
    if form.is_valid():
        data = form.cleaned_data
        try:
            conference = services.conference_create(
                actor=member,
                kind=data["kind"],
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                location=data["location"],
                chair=data["chair"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            messages.success(
                request,
                f"“{conference.title}” is arranged. Put open referrals on its agenda and invite "
                "the panel.",
            )
            return redirect("conference-detail", pk=conference.pk)
    return render(request, "conference/conference_form.html", {"form": form}, status=400)


@dataclass
class ResearchStatus:
    agency: Agency
    needed: bool
    filed_at: datetime | None


@dataclass
class CaseRow:
    item: dict[str, Any]
    research: list[ResearchStatus]


def _research_status(conference: Conference, agenda: list[dict[str, Any]]) -> dict[int, CaseRow]:
    """Which agencies have filed research on each case: the needed ones, the invited panel's and
    any other that filed. Only that a filing exists; what it says is on the research page."""
    invited = {m.agency for m in conference.invitees.select_related("agency") if m.agency}
    filed: dict[int, dict[int, ResearchContribution]] = {}
    for contribution in ResearchContribution.objects.filter(
        agenda_item__conference=conference
    ).select_related("agency"):
        filed.setdefault(contribution.agenda_item_id, {})[contribution.agency_id] = contribution
    rows: dict[int, CaseRow] = {}
    for item in agenda:
        if item["kind"] != AgendaKind.CASE:
            continue
        needed_ids = {a["id"] for a in item["needed_agencies"]}
        on_item = filed.get(item["id"], {})
        agencies = {a.pk: a for a in invited}
        agencies.update({c.agency_id: c.agency for c in on_item.values()})
        agencies.update({a.pk: a for a in Agency.objects.filter(pk__in=needed_ids)})
        research = [
            ResearchStatus(
                agency=agency,
                needed=agency.pk in needed_ids,
                filed_at=on_item[agency.pk].filed_at if agency.pk in on_item else None,
            )
            for agency in sorted(agencies.values(), key=lambda a: a.name)
        ]
        rows[item["id"]] = CaseRow(item=item, research=research)
    return rows


def _conference_page(
    request: HttpRequest,
    member: Member,
    pk: int,
    *,
    status: int = 200,
    bound: forms.Form | None = None,
    conflict: str = "",
) -> HttpResponse:
    conference = _conference(member, pk)
    planning = conference.state != ConferenceState.CONCLUDED
    may_manage = can(member, "conference.manage", conference) and planning
    may_record_attendance = conference.chair_id == member.pk or can(
        member, "conference.manage", conference
    )
    agenda = selectors.agenda_state(conference)
    cases = _research_status(conference, agenda)
    carried = selectors.carried_visible(member, conference)
    invitees = list(
        conference.invitees.select_related("agency").order_by("agency__name", "last_name")
    )
    attendance = {a.member_id: a for a in conference.attendance.all()}
    attendance_members = _members_with_agency(member.partnership).filter(
        pk__in=[m.pk for m in invitees if m.agency_id]
    )
    context: dict[str, Any] = {
        "conference": conference,
        "agenda": [
            {
                **item,
                "title": _item_title(item),
                "case_row": cases.get(item["id"]),
                "carried": carried.get(item["id"], []),
            }
            for item in agenda
        ],
        "panel": [(m, attendance.get(m.pk)) for m in invitees],
        "may_manage": may_manage,
        "may_attend": can(member, "conference.attend", conference),
        "may_record_attendance": may_record_attendance,
        "agenda_form": posted_or_blank(
            bound,
            AgendaAddForm(
                referrals=Referral.objects.filter(
                    partnership=conference.partnership, state=ReferralState.OPEN
                )
                .select_related("person", "referring_agency")
                .order_by("created_at", "pk"),
                agencies=_agencies(member.partnership),
            ),
        )
        if may_manage
        else None,
        "invite_form": posted_or_blank(
            bound,
            InviteForm(
                members=_members_with_agency(member.partnership).exclude(
                    pk__in=[m.pk for m in invitees]
                )
            ),
        )
        if may_manage
        else None,
        "attendance_form": posted_or_blank(bound, AttendanceForm(members=attendance_members))
        if may_record_attendance and invitees
        else None,
        "failed_form": bound,
        "conflict": conflict,
    }
    return render(request, "conference/conference_detail.html", context, status=status)


@require_GET
def conference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _conference_page(request, _member(request), pk)


@require_POST
@submit_once
def conference_agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    conference = _conference(member, pk, "conference.manage")
    form = AgendaAddForm(
        request.POST,
        referrals=Referral.objects.filter(partnership=conference.partnership).select_related(
            "person", "referring_agency"
        ),
        agencies=_agencies(member.partnership),
    )
    if form.is_valid():
        try:
            item = services.agenda_add(
                actor=member,
                conference_id=conference.pk,
                referral=form.cleaned_data["referral"],
                needed_agencies=list(form.cleaned_data["needed_agencies"]),
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _conference_page(request, member, pk, status=409, conflict=_conflict_text(error))
        else:
            messages.success(request, f"Referral {item.referral_id} is item {item.order}.")
            return redirect(reverse("conference-detail", kwargs={"pk": pk}) + "#agenda")
    return _conference_page(request, member, pk, status=400, bound=form)


@require_POST
def conference_invite(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    conference = _conference(member, pk, "conference.manage")
    form = InviteForm(request.POST, members=_members_with_agency(member.partnership))
    if form.is_valid():
        try:
            invited = services.conference_invite(
                actor=member,
                conference_id=conference.pk,
                members=list(form.cleaned_data["members"]),
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _conference_page(request, member, pk, status=409, conflict=_conflict_text(error))
        else:
            if invited:
                names = ", ".join(str(m) for m in invited)
                messages.success(request, f"Invited: {names}. Each has been sent the details.")
            else:
                messages.info(request, "Everyone you chose was already invited.")
            return redirect(reverse("conference-detail", kwargs={"pk": pk}) + "#panel")
    return _conference_page(request, member, pk, status=400, bound=form)


@require_POST
def conference_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    conference = _conference(member, pk)
    if conference.chair_id != member.pk:
        require(member, "conference.manage", conference)
    form = AttendanceForm(request.POST, members=_members_with_agency(member.partnership))
    if form.is_valid():
        attendee = form.cleaned_data["member"]
        try:
            attendance = services.attendance_record(
                actor=member,
                conference_id=conference.pk,
                member=attendee,
                status=form.cleaned_data["status"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _conference_page(request, member, pk, status=409, conflict=_conflict_text(error))
        else:
            messages.success(request, f"{attendee}: {attendance.get_status_display().lower()}.")
            return redirect(reverse("conference-detail", kwargs={"pk": pk}) + "#panel")
    return _conference_page(request, member, pk, status=400, bound=form)


# --- Research ------------------------------------------------------------------------------------
def _research_page(
    request: HttpRequest,
    member: Member,
    item: AgendaItem,
    *,
    status: int = 200,
    bound: ResearchForm | None = None,
) -> HttpResponse:
    visible = selectors.research_visible(member, item)
    services.research_access_record(member=member, item=item, shown=visible)
    may_file = can(member, "research.file", item)
    form: ResearchForm | None = bound
    if form is None and may_file:
        own = next((c for c in visible if c.agency_id == member.agency_id), None)
        initial: dict[str, Any] = {}
        if own is not None:
            initial = {
                "facts": own.facts,
                "opinion": own.opinion,
                "withheld": own.withheld,
                "withheld_reason": own.withheld_reason,
                "visibility": own.visibility,
                "visible_agencies": [a.pk for a in own.visible_agencies.all()],
            }
        form = ResearchForm(initial=initial, agencies=_agencies(member.partnership))
    context = {
        "item": item,
        "conference": item.conference,
        "title": _item_title({"order": item.order, **_item_case(item)}),
        "research": visible,
        "form": form,
        "may_file": may_file,
        "agency": member.agency,
    }
    return render(request, "conference/research.html", context, status=status)


def _item_case(item: AgendaItem) -> dict[str, Any]:
    referral = item.referral
    return {
        "kind": item.kind,
        "case": referral.person.reference if referral else None,
        "referral_id": item.referral_id,
        "referral_level": referral.level if referral else None,
    }


@require_http_methods(["GET", "POST"])
@submit_once
def research_file(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    item = selectors.agenda_item_for(member, pk)
    if item.kind != AgendaKind.CASE:
        raise Http404("Research is filed for cases only.")
    if request.method != "POST":
        return _research_page(request, member, item)
    require(member, "research.file", item)
    form = ResearchForm(request.POST, agencies=_agencies(member.partnership))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.research_file(
                actor=member,
                item_id=item.pk,
                facts=data["facts"],
                opinion=data["opinion"],
                withheld=data["withheld"],
                withheld_reason=data["withheld_reason"],
                visibility=data["visibility"],
                visible_agencies=list(data["visible_agencies"]),
            )
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            messages.success(request, f"Your agency's research on item {item.order} is filed.")
            return redirect("research-file", pk=item.pk)
    return _research_page(request, member, item, status=400, bound=form)
