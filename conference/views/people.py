"""Pages of people and their incidents, repeat flags and referrals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conference import selectors, services
from conference.forms import (
    FlagDismissForm,
    IncidentLinkForm,
    PersonForm,
    ReferralForm,
)
from conference.models import (
    FlagKind,
    FlagState,
    IncidentPerson,
    Person,
    PersonShare,
    ReferralReason,
    RepeatFlag,
    RiskLevel,
    ShareState,
)
from conference.risk import CHECKLIST
from conference.rules import people_visible
from conference.sharing_forms import PersonShareForm, ShareWithdrawForm
from conference.views.common import _pk
from escalation.rules import incidents_visible
from partnership.models import Member
from partnership.page_forms import areas_narrow, posted_or_blank, service_errors_add
from partnership.pages import CONFLICTS, submit_once
from partnership.pages import conflict_text as _conflict_text
from partnership.pages import member_of as _member
from partnership.permissions import can, require

PEOPLE_PER_PAGE = 50


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
@submit_once
def person_create(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    require(member, "person.create")
    form = PersonForm(request.POST if request.method == "POST" else None)
    areas_narrow(form, member.partnership)
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
                address=data["address"],
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
    link_form = posted_or_blank(bound, IncidentLinkForm(incidents=linkable))
    working = member.partnership
    context: dict[str, Any] = {
        **_sharing_context(member, person, bound),
        "person": person,
        "incidents": [row for row in rows if row.visible],
        "incidents_hidden": sum(1 for row in rows if not row.visible),
        "flags": list(person.flags.prefetch_related("incidents").order_by("-raised_at")),
        # A partnership's referrals are its own case work, even of a record shared with it.
        "referrals": list(
            person.referrals.filter(partnership=working)
            .select_related("referring_agency", "referred_by")
            .order_by("-created_at")
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


@dataclass
class ShareRow:
    share: PersonShare
    withdraw_form: forms.Form | None


def _sharing_context(member: Member, person: Person, bound: forms.Form | None) -> dict[str, Any]:
    """The owner's co-ordinator sees every share and may share or withdraw; a partnership the
    record is shared with sees on what basis it holds it."""
    owner = can(member, "person.share", person)
    shares = list(
        PersonShare.objects.filter(person=person)
        .select_related("partnership", "shared_by", "withdrawn_by")
        .order_by("-shared_at", "-pk")
    )
    rows = [
        ShareRow(
            share=share,
            withdraw_form=posted_or_blank(bound, ShareWithdrawForm(share_id=share.pk))
            if share.state == ShareState.ACTIVE
            else None,
        )
        for share in shares
    ]
    working = member.partnership
    held_by_us = [
        row.share
        for row in rows
        if working is not None
        and row.share.partnership_id == working.pk
        and row.share.state == ShareState.ACTIVE
    ]
    return {
        "may_share": owner,
        "share_rows": rows if owner else [],
        "share_form": posted_or_blank(bound, PersonShareForm(person=person)) if owner else None,
        "shared_with_us": held_by_us[0] if held_by_us else None,
    }


@require_POST
@submit_once
def person_share(request: HttpRequest, pk: int) -> HttpResponse:
    """Share the record with another partnership, on a recorded basis."""
    member = _member(request)
    person = services.person_open(member=member, pk=pk, what="share")
    require(member, "person.share", person)
    form = PersonShareForm(request.POST, person=person)
    if form.is_valid():
        data = form.cleaned_data
        try:
            share = services.person_share(
                actor=member,
                person=person,
                partnership=data["partnership"],
                basis=data["basis"],
                reason=data["reason"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _person_page(request, member, pk, status=409, conflict=_conflict_text(error))
        else:
            messages.success(
                request,
                f"{person.reference} is shared with {share.partnership.name}; its CSP "
                "Co-ordinator has been told.",
            )
            return redirect(reverse("person-detail", kwargs={"pk": pk}) + "#sharing")
    return _person_page(request, member, pk, status=400, bound=form)


@require_POST
def person_share_withdraw(request: HttpRequest, pk: int, share_pk: int) -> HttpResponse:
    member = _member(request)
    person = services.person_open(member=member, pk=pk, what="withdraw a share")
    require(member, "person.share", person)
    share = PersonShare.objects.filter(person=person, pk=share_pk).first()
    if share is None:
        raise Http404("No such share of this record.")
    form = ShareWithdrawForm(request.POST, share_id=share.pk)
    if form.is_valid():
        try:
            services.person_share_withdraw(
                actor=member, share_id=share.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _person_page(request, member, pk, status=409, conflict=_conflict_text(error))
        else:
            messages.success(
                request,
                f"{person.reference} is no longer shared with {share.partnership.name}; its CSP "
                "Co-ordinator has been told.",
            )
            return redirect(reverse("person-detail", kwargs={"pk": pk}) + "#sharing")
    return _person_page(request, member, pk, status=400, bound=form)


@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_page(request, _member(request), pk)


@require_POST
@submit_once
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
        RepeatFlag.objects.filter(person__partnership=member.partnership, state=FlagState.OPEN)
        .select_related("person", "referral")
        .prefetch_related("incidents")
        .order_by("-raised_at", "-pk")
    )
    referral_create = reverse("referral-create")
    rows = [
        FlagRow(
            flag=flag,
            dismiss_form=posted_or_blank(bound, FlagDismissForm(flag=flag)),
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
@submit_once
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
    flags = (
        RepeatFlag.objects.filter(person__partnership=member.partnership)
        if can(member, "flag.manage")
        else RepeatFlag.objects.none()
    )
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
        _referral_choices_record(member, fixed=person is not None)
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
    _referral_choices_record(member, fixed=person is not None)
    return render(request, "conference/referral_form.html", context, status=400)


def _referral_choices_record(member: Member, *, fixed: bool) -> None:
    """The form's drop-down names every person the member may refer: each is a view of that
    person's record (none when the person came in the address: their record was opened)."""
    if not fixed:
        services.person_access_record(
            member=member, people=people_visible(member), what="referral form choices"
        )


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
