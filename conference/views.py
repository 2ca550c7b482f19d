"""Pages of risk conferences: people and their incidents, repeat flags, referrals, conferences
and their agenda, research, the live room, minutes and actions.

Every view looks its record up through ``conference.selectors`` (404 for one the member may not
see), asks the permission registry what they may do with it (403), and changes things only through
``conference.services`` (which also records each view of a person's data). A service's
``ValidationError`` goes back on the form (400); a ``ConflictError`` is shown as it stands (409).

A person's name appears only on the pages of people the viewer may see (their record, the list
of them, the referral form); everywhere else a case is ``P-00012``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conference import selectors, services
from conference.forms import (
    ActionCompleteForm,
    AgendaAddForm,
    AttendanceForm,
    ConferenceForm,
    FlagDismissForm,
    IncidentLinkForm,
    InviteForm,
    PersonForm,
    ReferralForm,
    ResearchForm,
    RoomActionForm,
    RoomRiskForm,
    RoomShareForm,
    service_errors_add,
)
from conference.models import (
    OPEN_ACTION_STATES,
    Action,
    ActionState,
    AgendaItem,
    AgendaKind,
    Attendance,
    Conference,
    ConferenceState,
    FlagKind,
    FlagState,
    IncidentPerson,
    Referral,
    ReferralReason,
    ReferralState,
    RepeatFlag,
    ResearchContribution,
    RiskLevel,
    Visibility,
)
from conference.risk import CHECKLIST
from conference.rules import people_visible
from escalation.rules import incidents_visible
from partnership.models import Agency, Member, Role
from partnership.pages import CONFLICTS
from partnership.pages import conflict_text as _conflict_text
from partnership.pages import member_of as _member
from partnership.permissions import can, require
from partnership.selectors import members_active

PEOPLE_PER_PAGE = 50


def _pk(value: str | None) -> int | None:
    """A whole number from the address, or ``None`` (a mangled link is a missing page)."""
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise Http404("That link is not valid.")
    return int(value)


def _same(bound: forms.Form | None, form: forms.Form) -> forms.Form:
    """A posted form that came back with errors replaces the blank one it was posted from; it is
    recognised by its field ids, which name the object it belongs to."""
    if bound is not None and bound.auto_id == form.auto_id:
        return bound
    return form


def _agencies() -> Any:
    return Agency.objects.filter(is_active=True).order_by("name")


def _members_with_agency() -> Any:
    return members_active().filter(agency__isnull=False).order_by("last_name", "first_name")


# --- People --------------------------------------------------------------------------------------
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "person.create")
    people = people_visible(member).select_related("area").order_by("full_name", "pk")
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    # The list shows names: each record listed counts as viewed.
    services.person_access_record(member=member, people=list(page.object_list), what="list")
    return render(
        request,
        "conference/person_list.html",
        {"page": page, "may_manage_flags": can(member, "flag.manage")},
    )


@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "person.create")
    form = PersonForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return render(request, "conference/person_form.html", {"form": form})
    if form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_create(
                actor=member,
                full_name=data["full_name"],
                known_as=data["known_as"],
                date_of_birth=data["date_of_birth"],
                area=data["area"],
                safe_contact=data["safe_contact"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            messages.success(
                request,
                f"{person.reference} is recorded. Link them to the incidents they were targeted "
                "in: the repeat rules then watch their history.",
            )
            return redirect("person-detail", pk=person.pk)
    return render(request, "conference/person_form.html", {"form": form}, status=400)


@dataclass
class IncidentRow:
    link: IncidentPerson
    visible: bool


def _person_page(
    request: HttpRequest,
    member: Member,
    pk: int,
    *,
    status: int = 200,
    bound: forms.Form | None = None,
    conflict: str = "",
) -> HttpResponse:
    person = services.person_open(member=member, pk=pk, what="record")
    links = list(
        IncidentPerson.objects.filter(person=person)
        .select_related("incident__area")
        .order_by("incident__occurred_at", "pk")
    )
    visible_ids = set(
        incidents_visible(member)
        .filter(pk__in=[link.incident_id for link in links])
        .values_list("pk", flat=True)
    )
    rows = [IncidentRow(link=link, visible=link.incident_id in visible_ids) for link in links]
    linkable = (
        incidents_visible(member)
        .exclude(pk__in=[link.incident_id for link in links])
        .select_related("area")
        .order_by("-occurred_at", "-pk")
    )
    link_form = _same(bound, IncidentLinkForm(incidents=linkable))
    context: dict[str, Any] = {
        "person": person,
        "incidents": [row for row in rows if row.visible],
        "incidents_hidden": sum(1 for row in rows if not row.visible),
        "flags": list(person.flags.prefetch_related("incidents").order_by("-raised_at")),
        "referrals": list(
            person.referrals.select_related("referring_agency", "referred_by").order_by(
                "-created_at"
            )
        ),
        "link_form": link_form,
        "may_link": linkable.exists() or link_form.is_bound,
        "may_refer": can(member, "referral.create"),
        "may_manage_flags": can(member, "flag.manage"),
        "visible_incident_ids": visible_ids,
        "failed_form": bound,
        "conflict": conflict,
    }
    return render(request, "conference/person_detail.html", context, status=status)


@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_page(request, _member(request), pk)


@require_POST
def person_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the person to an incident; the repeat rules run at once and any flag is shown."""
    member = _member(request)
    person = services.person_open(member=member, pk=pk, what="link to incident")
    form = IncidentLinkForm(request.POST, incidents=incidents_visible(member))
    if form.is_valid():
        incident = form.cleaned_data["incident"]
        try:
            flags = services.incident_person_link(
                actor=member,
                incident=incident,
                person=person,
                involvement=form.cleaned_data["involvement"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _person_page(request, member, pk, status=409, conflict=_conflict_text(error))
        else:
            messages.success(request, f"{person.reference} is linked to {incident.reference}.")
            for flag in flags:
                messages.warning(request, f"{flag.get_kind_display()}: {flag.rule}")
            return redirect(reverse("person-detail", kwargs={"pk": pk}) + "#flags")
    return _person_page(request, member, pk, status=400, bound=form)


# --- Repeat flags --------------------------------------------------------------------------------
@dataclass
class FlagRow:
    flag: RepeatFlag
    dismiss_form: forms.Form
    refer_url: str


def _flags_page(
    request: HttpRequest,
    member: Member,
    *,
    status: int = 200,
    bound: forms.Form | None = None,
    conflict: str = "",
) -> HttpResponse:
    require(member, "flag.manage")
    flags = (
        RepeatFlag.objects.filter(state=FlagState.OPEN)
        .select_related("person", "referral")
        .prefetch_related("incidents")
        .order_by("-raised_at", "-pk")
    )
    referral_create = reverse("referral-create")
    rows = [
        FlagRow(
            flag=flag,
            dismiss_form=_same(bound, FlagDismissForm(flag=flag)),
            refer_url=f"{referral_create}?person={flag.person_id}&flag={flag.pk}",
        )
        for flag in flags
    ]
    context = {
        "suggested": [row for row in rows if row.flag.kind == FlagKind.SUGGESTED_REFERRAL],
        "repeats": [row for row in rows if row.flag.kind == FlagKind.REPEAT],
        "failed_form": bound,
        "conflict": conflict,
    }
    return render(request, "conference/flag_list.html", context, status=status)


@require_GET
def flag_list(request: HttpRequest) -> HttpResponse:
    return _flags_page(request, _member(request))


@require_POST
def flag_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    flag = selectors.flag_for(member, pk)
    form = FlagDismissForm(request.POST, flag=flag)
    if form.is_valid():
        try:
            services.flag_dismiss(actor=member, flag_id=flag.pk, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _flags_page(request, member, status=409, conflict=_conflict_text(error))
        else:
            messages.success(
                request, f"The flag on {flag.person.reference} is dismissed; the reason is kept."
            )
            return redirect("flag-list")
    return _flags_page(request, member, status=400, bound=form)


# --- Referrals -----------------------------------------------------------------------------------
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "referral.create")
    referrals = selectors.referrals_visible(member).order_by("-created_at", "-pk")
    page = Paginator(referrals, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "conference/referral_list.html",
        {"page": page, "may_manage_flags": can(member, "flag.manage")},
    )


@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "referral.create")
    person_id = _pk(request.GET.get("person"))
    flag_id = _pk(request.GET.get("flag"))
    person = None
    if person_id is not None:
        person = services.person_open(member=member, pk=person_id, what="referral")
    flag = selectors.flag_for(member, flag_id) if flag_id is not None else None
    # Only the CSP Co-ordinator handles flags; anyone else refers without one.
    flags = RepeatFlag.objects.all() if can(member, "flag.manage") else RepeatFlag.objects.none()
    initial: dict[str, Any] = {}
    if person is not None:
        initial["person"] = person.pk
    if flag is not None:
        initial["flag"] = flag.pk
        initial["reason"] = (
            ReferralReason.REPEAT
            if flag.kind == FlagKind.REPEAT
            else ReferralReason.POTENTIAL_ESCALATION
        )
    form = ReferralForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        people=people_visible(member),
        flags=flags,
        person_fixed=person is not None,
    )
    context: dict[str, Any] = {"form": form, "person": person, "flag": flag}
    if request.method != "POST":
        return render(request, "conference/referral_form.html", context)
    if form.is_valid():
        data = form.cleaned_data
        if person is None:
            services.person_open(member=member, pk=data["person"].pk, what="referral")
        try:
            referral = services.referral_create(
                actor=member,
                person=data["person"],
                reason=data["reason"],
                summary=data["summary"],
                answers=form.answers(),
                lawful_basis=data["lawful_basis"],
                consent_notes=data["consent_notes"],
                raised_level=data["raised_level"],
                raised_reason=data["raised_reason"],
                flag=data["flag"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        else:
            assessed = RiskLevel(referral.assessed_level).label.lower()
            said = (
                f"Referral {referral.pk} is recorded. The checklist scores {referral.score}: "
                f"{assessed} risk"
            )
            if referral.level != referral.assessed_level:
                said += (
                    f", raised to {referral.get_level_display().lower()} on professional judgement"
                )
            messages.success(request, said + ". The CSP Co-ordinator has been told.")
            return redirect("referral-detail", pk=referral.pk)
    return render(request, "conference/referral_form.html", context, status=400)


@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    referral = selectors.referral_for(member, pk)
    # The page shows the referral's summary and consent notes, as the API does: a view of the
    # person's data, logged the same way.
    services.person_access_record(
        member=member, people=[referral.person], what=f"referral {referral.pk}"
    )
    answers = [(q, referral.answers.get(q.code)) for q in CHECKLIST]
    items = [
        item
        for item in referral.agenda_items.select_related("conference").order_by("pk")
        if can(member, "conference.view", item.conference)
    ]
    return render(
        request,
        "conference/referral_detail.html",
        {"referral": referral, "answers": answers, "items": items},
    )


# --- Conferences ---------------------------------------------------------------------------------
@require_GET
def conference_list(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    conferences = [
        conference
        for conference in Conference.objects.select_related("chair").order_by("-starts_at")[:200]
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


def _chairs() -> Any:
    return (
        members_active()
        .filter(role_assignments__role=Role.CONFERENCE_CHAIR)
        .distinct()
        .order_by("last_name", "first_name")
    )


@require_http_methods(["GET", "POST"])
def conference_create(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "conference.manage")
    form = ConferenceForm(request.POST if request.method == "POST" else None, chairs=_chairs())
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


def _conference(member: Member, pk: int, action: str = "conference.view") -> Conference:
    """The conference (404 unless the member may see it), then 403 unless they may ``action``."""
    conference = selectors.conference_for(member, pk)
    require(member, action, conference)
    return conference


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
    invitees = list(
        conference.invitees.select_related("agency").order_by("agency__name", "last_name")
    )
    attendance = {a.member_id: a for a in conference.attendance.all()}
    attendance_members = _members_with_agency().filter(
        pk__in=[m.pk for m in invitees if m.agency_id]
    )
    context: dict[str, Any] = {
        "conference": conference,
        "agenda": [
            {**item, "title": _item_title(item), "case_row": cases.get(item["id"])}
            for item in agenda
        ],
        "panel": [(m, attendance.get(m.pk)) for m in invitees],
        "may_manage": may_manage,
        "may_attend": can(member, "conference.attend", conference),
        "may_record_attendance": may_record_attendance,
        "agenda_form": _same(
            bound,
            AgendaAddForm(
                referrals=Referral.objects.filter(state=ReferralState.OPEN)
                .select_related("person", "referring_agency")
                .order_by("created_at", "pk"),
                agencies=_agencies(),
            ),
        )
        if may_manage
        else None,
        "invite_form": _same(
            bound,
            InviteForm(members=_members_with_agency().exclude(pk__in=[m.pk for m in invitees])),
        )
        if may_manage
        else None,
        "attendance_form": _same(bound, AttendanceForm(members=attendance_members))
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
def conference_agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    conference = _conference(member, pk, "conference.manage")
    form = AgendaAddForm(
        request.POST,
        referrals=Referral.objects.select_related("person", "referring_agency"),
        agencies=_agencies(),
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
    form = InviteForm(request.POST, members=_members_with_agency())
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
    form = AttendanceForm(request.POST, members=_members_with_agency())
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
        form = ResearchForm(initial=initial, agencies=_agencies())
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
def research_file(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    item = selectors.agenda_item_for(member, pk)
    if item.kind != AgendaKind.CASE:
        raise Http404("Research is filed for cases only.")
    if request.method != "POST":
        return _research_page(request, member, item)
    require(member, "research.file", item)
    form = ResearchForm(request.POST, agencies=_agencies())
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


# --- The live room -------------------------------------------------------------------------------
def _item_title(item: dict[str, Any]) -> str:
    """Words for an agenda item (``static/js/room.js`` writes the same)."""
    if item["kind"] == AgendaKind.ACTION_REVIEW:
        return f"Item {item['order']}: review of open actions from the last conference"
    level = RiskLevel(item["referral_level"]).label.lower() if item["referral_level"] else ""
    return (
        f"Item {item['order']}: case {item['case']} (referral {item['referral_id']}, {level} risk)"
    )


# What the room says is under discussion when no item is (static/js/room.js says the same).
NOTHING_CURRENT = {
    ConferenceState.PLANNED: "nothing yet (the chair opens the conference)",
    ConferenceState.IN_SESSION: "nothing yet",
    ConferenceState.CONCLUDED: "nothing (the conference has concluded)",
}


def _visibility_label(visibility: str, agency_ids: list[int], names: dict[int, str]) -> str:
    """What an entry's reader is told about who else sees it (room.js writes the same)."""
    if visibility == Visibility.AGENCIES:
        return "Only " + ", ".join(names.get(pk, f"agency {pk}") for pk in agency_ids)
    if visibility == Visibility.CHAIR:
        return "Chair only"
    return ""


def _entry_row(entry: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    return {
        **entry,
        "created": datetime.fromisoformat(entry["created_at"]),
        "visibility_label": _visibility_label(entry["visibility"], entry["agency_ids"], names),
    }


def _action_row(action: dict[str, Any]) -> dict[str, Any]:
    return {
        **action,
        "due": datetime.fromisoformat(action["due_at"]),
        "state_label": ActionState(action["state"]).label,
    }


@ensure_csrf_cookie
@require_GET
def conference_room(request: HttpRequest, pk: int) -> HttpResponse:
    """The room as this member may see it now; ``static/js/room.js`` keeps it live over
    ``/ws/conferences/<pk>/`` and posts to the JSON API (with the CSRF cookie this page sets)."""
    member = _member(request)
    conference = _conference(member, pk, "conference.attend")
    state = selectors.room_state(member, conference)
    names = dict(Agency.objects.values_list("pk", "name"))
    current = state["conference"]["current_item_id"]
    entries = [_entry_row(entry, names) for entry in state["entries"]]
    agenda = [{**item, "title": _item_title(item)} for item in state["agenda"]]
    is_chair = conference.chair_id == member.pk
    may_record_attendance = is_chair or can(member, "conference.manage", conference)
    invitees = _members_with_agency().filter(pk__in=conference.invitees.values("pk"))
    context: dict[str, Any] = {
        "conference": conference,
        "state": state["conference"]["state"],
        "current_item_id": current,
        "current_title": next(
            (i["title"] for i in agenda if i["id"] == current), NOTHING_CURRENT[conference.state]
        ),
        "agenda": agenda,
        "log": [e for e in entries if e["item_id"] == current],
        "earlier": [e for e in entries if e["item_id"] != current],
        "last_entry_id": max((e["id"] for e in entries), default=0),
        "actions": [_action_row(a) for a in state["actions"]],
        "attendance": [
            {**a, "status_label": Attendance.Status(a["status"]).label} for a in state["attendance"]
        ],
        "agency_names": json.dumps({str(pk): name for pk, name in names.items()}),
        "is_chair": is_chair,
        "may_record_attendance": may_record_attendance,
        "share_form": RoomShareForm(agencies=_agencies()),
        "risk_form": RoomRiskForm() if is_chair else None,
        "action_form": RoomActionForm(
            items=[(i["id"], i["title"]) for i in agenda], owners=_members_with_agency()
        )
        if is_chair
        else None,
        "attendance_form": AttendanceForm(members=invitees, prefix_id="room-attendance")
        if may_record_attendance
        else None,
        "urls": {
            "socket": f"/ws/conferences/{conference.pk}/",
            "entries": reverse("api-conference-entries", kwargs={"pk": conference.pk}),
            "open": reverse("api-conference-open", kwargs={"pk": conference.pk}),
            "move": reverse("api-conference-move", kwargs={"pk": conference.pk}),
            "conclude": reverse("api-conference-conclude", kwargs={"pk": conference.pk}),
            "actions": reverse("api-conference-actions", kwargs={"pk": conference.pk}),
            "attendance": reverse("api-conference-attendance", kwargs={"pk": conference.pk}),
            # room.js puts the item's id in place of {item}.
            "risk": reverse("api-agenda-risk", kwargs={"pk": 0}).replace("/0/", "/{item}/"),
        },
    }
    return render(request, "conference/room.html", context)


# --- Minutes -------------------------------------------------------------------------------------
@require_GET
def conference_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    conference = _conference(member, pk)
    minutes = selectors.minutes_build(conference, reader=member)
    return render(
        request, "conference/minutes.html", {"conference": conference, "minutes": minutes.text}
    )


@require_GET
def conference_minutes_download(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    conference = _conference(member, pk)
    minutes = selectors.minutes_build(conference, reader=member)
    response = HttpResponse(minutes.text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="minutes-conference-{conference.pk}.txt"'
    )
    return response


# --- Actions -------------------------------------------------------------------------------------
@dataclass
class ActionRow:
    action: Action
    complete_form: forms.Form | None


def _actions_page(
    request: HttpRequest,
    member: Member,
    *,
    status: int = 200,
    bound: forms.Form | None = None,
    conflict: str = "",
) -> HttpResponse:
    actions = Action.objects.select_related(
        "conference", "owner", "owner_agency", "referral__person"
    ).order_by("due_at", "pk")

    def row(action: Action) -> ActionRow:
        form = None
        if action.is_open and can(member, "action.complete", action):
            form = _same(bound, ActionCompleteForm(action=action))
        return ActionRow(action=action, complete_form=form)

    sees_all = can(member, "conference.manage")
    context: dict[str, Any] = {
        "mine": [row(a) for a in actions.filter(owner=member, state__in=OPEN_ACTION_STATES)],
        "mine_done": list(
            actions.filter(owner=member)
            .exclude(state__in=OPEN_ACTION_STATES)
            .order_by("-completed_at", "-pk")[:20]
        ),
        "others": [
            row(a) for a in actions.filter(state__in=OPEN_ACTION_STATES).exclude(owner=member)
        ]
        if sees_all
        else None,
        "now": timezone.now(),
        "failed_form": bound,
        "conflict": conflict,
    }
    return render(request, "conference/action_list.html", context, status=status)


@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    return _actions_page(request, _member(request))


@require_POST
def action_complete(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    action = selectors.action_for(member, pk)
    require(member, "action.complete", action)
    form = ActionCompleteForm(request.POST, action=action)
    if form.is_valid():
        try:
            services.action_complete(
                actor=member, action_id=action.pk, outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _actions_page(request, member, status=409, conflict=_conflict_text(error))
        else:
            messages.success(request, f"Done: {action.description}")
            return redirect("action-list")
    return _actions_page(request, member, status=400, bound=form)
