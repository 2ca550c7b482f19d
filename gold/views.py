"""Pages for incidents connected across partnerships."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalation.models import Incident
from escalation.selectors import incident_for
from gold import selectors, services
from gold.forms import (
    CommsAnswerForm,
    CommsForm,
    ConveneForm,
    DecisionForm,
    LinkReasonForm,
    LinkRequestForm,
    SeatForm,
    ShareForm,
    StandDownForm,
)
from gold.models import GoldGroup, IncidentLink, LinkState
from partnership.models import AuditEvent, Member
from partnership.page_forms import service_errors_add
from partnership.pages import CONFLICTS, conflict_text, member_of, submit_once
from partnership.permissions import can, require
from review.timeline import event_describe


@require_GET
def links(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "incident.list")
    views = [selectors.link_view(member, link) for link in selectors.links_of_partnership(member)]
    return render(
        request,
        "gold/links.html",
        {
            "awaiting": [v for v in views if v.may_answer],
            "views": views,
        },
    )


def _incident_page(
    request: HttpRequest,
    member: Member,
    incident: Incident,
    *,
    form: LinkRequestForm | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    may_request = can(member, "incident_link.request", incident)
    if may_request and form is None:
        form = LinkRequestForm(partnerships=selectors.partnerships_to_ask(member))
    views = [
        selectors.link_view(member, link) for link in selectors.links_of_incident(member, incident)
    ]
    context: dict[str, Any] = {
        "incident": incident,
        "views": views,
        "form": form if may_request else None,
        "conflict": conflict,
    }
    return render(request, "gold/incident_links.html", context, status=status)


@require_http_methods(["GET", "POST"])
@submit_once
def incident_links(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    incident = incident_for(member, pk)
    if request.method == "GET":
        return _incident_page(request, member, incident)
    require(member, "incident_link.request", incident)
    form = LinkRequestForm(request.POST, partnerships=selectors.partnerships_to_ask(member))
    if form.is_valid():
        try:
            link = services.incident_link_request(
                actor=member,
                incident=incident,
                other_partnership=form.cleaned_data["partnership"],
                other_reference=form.cleaned_data["reference"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _incident_page(
                request, member, incident, form=form, status=409, conflict=conflict_text(error)
            )
        else:
            messages.success(
                request, f"Asked {link.other_partnership.name}: the link is live once they agree."
            )
            return redirect("gold-link", pk=link.pk)
    return _incident_page(request, member, incident, form=form, status=400)


def _link_page(
    request: HttpRequest,
    member: Member,
    link: IncidentLink,
    *,
    form: LinkReasonForm | None = None,
    status: int = 200,
    conflict: str = "",
    action: str = "",
) -> HttpResponse:
    view = selectors.link_view(member, link)
    # This side's record of the link: the events filed under its own incident.
    events = AuditEvent.objects.filter(
        subject_type=IncidentLink._meta.label_lower,
        subject_id=str(link.pk),
        partnership_id=view.own.partnership_id,
    ).order_by("seq")
    context: dict[str, Any] = {
        "view": view,
        "link": link,
        "may_answer": can(member, "incident_link.answer", link) and view.may_answer,
        "may_unlink": can(member, "incident_link.unlink", link) and link.state == LinkState.LIVE,
        "decline_form": form if action == "decline" else LinkReasonForm(auto_id="decline_%s"),
        "unlink_form": form if action == "unlink" else LinkReasonForm(auto_id="unlink_%s"),
        "events": [(event, event_describe(event)) for event in events],
        "conflict": conflict,
    }
    return render(request, "gold/link_detail.html", context, status=status)


@require_GET
def link_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    return _link_page(request, member, selectors.link_for(member, pk))


@require_POST
def link_agree(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    link = selectors.link_for(member, pk)
    require(member, "incident_link.answer", link)
    try:
        services.incident_link_agree(actor=member, link_id=link.pk)
    except CONFLICTS as error:
        return _link_page(request, member, link, status=409, conflict=conflict_text(error))
    messages.success(request, "Agreed: the incidents are connected.")
    return redirect("gold-link", pk=link.pk)


def _with_reason(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    member = member_of(request)
    link = selectors.link_for(member, pk)
    require(member, "incident_link.answer" if action == "decline" else "incident_link.unlink", link)
    prefix = f"{action}_%s"
    form = LinkReasonForm(request.POST, auto_id=prefix)
    if form.is_valid():
        service = (
            services.incident_link_decline if action == "decline" else services.incident_link_unlink
        )
        try:
            service(actor=member, link_id=link.pk, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            service_errors_add(form, error)
        except CONFLICTS as error:
            return _link_page(request, member, link, status=409, conflict=conflict_text(error))
        else:
            messages.success(request, "Declined." if action == "decline" else "Link ended.")
            return redirect("gold-link", pk=link.pk)
    return _link_page(request, member, link, form=form, status=400, action=action)


@require_POST
def link_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(request, pk, "decline")


@require_POST
def link_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(request, pk, "unlink")


# --- Gold groups ---------------------------------------------------------------------------------
@require_GET
def groups(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    require(member, "incident.list")
    return render(request, "gold/groups.html", {"groups": selectors.groups_of(member)})


@require_http_methods(["GET", "POST"])
@submit_once
def group_convene(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    incident = incident_for(member, pk)
    require(member, "gold_group.convene", incident)
    choices = selectors.seat_choices(incident)
    others = [selectors.link_view(member, link) for link in selectors.live_links_of(incident)]
    if request.method == "GET":
        form = ConveneForm(choices=choices)
        status = 200
    else:
        form = ConveneForm(request.POST, choices=choices)
        status = 400
        if form.is_valid():
            try:
                group = services.gold_group_convene(
                    actor=member,
                    incident=incident,
                    title=form.cleaned_data["title"],
                    member_ids=[m.pk for m in form.cleaned_data["members"]],
                )
            except ValidationError as error:
                service_errors_add(form, error)
            else:
                messages.success(request, "Gold group convened: its members have been told.")
                return redirect("gold-group", pk=group.pk)
    return render(
        request,
        "gold/group_convene.html",
        {"incident": incident, "form": form, "linked": others},
        status=status,
    )


def _group_page(
    request: HttpRequest,
    member: Member,
    group: GoldGroup,
    *,
    decision_form: forms.Form | None = None,
    share_form: forms.Form | None = None,
    comms_form: forms.Form | None = None,
    seat_form: forms.Form | None = None,
    stand_down_form: forms.Form | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    side = next(
        (
            s
            for s in group.sides.all()
            if member.partnership and s.partnership_id == member.partnership.pk
        ),
        None,
    )
    # A stood-down group's room is read-only: its forms go (the services refuse too).
    sitting = group.sitting
    may_share = sitting and side is not None and can(member, "gold_group.share", group)
    may_decide = sitting and can(member, "decision.record", group)
    may_seat = sitting and can(member, "gold_group.seat", group)
    may_stand_down = sitting and can(member, "gold_group.stand_down", group)
    decisions = selectors.decisions_of(group)
    context: dict[str, Any] = {
        "group": group,
        "panels": selectors.incident_panels(member, group),
        "summary": selectors.gold_summary(member, group),
        "seats": group.seats.select_related("member__agency", "partnership"),
        "decisions": decisions,
        "last_entry_id": max((d.pk for d in decisions), default=0),
        "parts_version": selectors.room_parts_version(group),
        "may_share": may_share,
        "share_form": share_form
        or (ShareForm(initial={"shares": side.shares}) if may_share and side else None),
        "may_decide": may_decide,
        "decision_form": decision_form or (DecisionForm() if may_decide else None),
        "comms": [
            (
                item,
                sitting and can(member, "comms.approve", item),
                sitting and can(member, "comms.send", item),
            )
            for item in group.comms.select_related("approver")
        ],
        "comms_form": comms_form
        or (
            CommsForm(approvers=_approvers(group))
            if sitting and can(member, "comms.plan", group)
            else None
        ),
        "seat_form": seat_form
        or (SeatForm(choices=selectors.group_seat_choices(group)) if may_seat else None),
        "stand_down_form": stand_down_form or (StandDownForm() if may_stand_down else None),
        "answer_form": CommsAnswerForm(),
        "conflict": conflict,
    }
    return render(request, "gold/group.html", context, status=status)


def _approvers(group: GoldGroup) -> QuerySet[Member]:
    return Member.objects.filter(pk__in=group.seats.values("member_id")).select_related("agency")


@require_GET
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_of(request)
    return _group_page(request, member, selectors.group_for(member, pk))


# One door for every form posted to a gold group: the group looked up (404), the rule asked
# (403), the form bound and the service called; a refusal re-shows the group's page with the form
# (400) or the conflict (409), so the room's forms cannot differ in how they do it.
GroupDo = Callable[[Member, GoldGroup, forms.Form], object]


def _group_post(
    request: HttpRequest,
    pk: int,
    *,
    rule: str,
    form: Callable[[GoldGroup], forms.Form],
    form_name: str,
    do: GroupDo,
    done: Callable[[Any], str],
    renamed: dict[str, str] | None = None,
) -> HttpResponse:
    member = member_of(request)
    group = selectors.group_for(member, pk)
    require(member, rule, group)
    bound = form(group)
    if bound.is_valid():
        try:
            made = do(member, group, bound)
        except ValidationError as error:
            service_errors_add(bound, error, renamed=renamed)
        except CONFLICTS as error:
            return _group_page(request, member, group, status=409, conflict=conflict_text(error))
        else:
            messages.success(request, done(made))
            return redirect("gold-group", pk=group.pk)
    shown: dict[str, Any] = {form_name: bound}  # the bound form, to show with its errors
    return _group_page(request, member, group, status=400, **shown)


@require_POST
def group_share(request: HttpRequest, pk: int) -> HttpResponse:
    return _group_post(
        request,
        pk,
        rule="gold_group.share",
        form=lambda group: ShareForm(request.POST),
        form_name="share_form",
        do=lambda member, group, form: services.gold_group_share(
            actor=member, group_id=group.pk, shares=form.cleaned_data["shares"]
        ),
        done=lambda made: "What we share with the group is updated.",
    )


@require_POST
@submit_once
def group_decide(request: HttpRequest, pk: int) -> HttpResponse:
    def do(member: Member, group: GoldGroup, form: forms.Form) -> object:
        form = cast(DecisionForm, form)
        data = form.cleaned_data
        return services.decision_record(
            actor=member,
            group_id=group.pk,
            information=data["information"],
            threat_and_risk=data["threat_and_risk"],
            powers_and_policies=data["powers_and_policies"],
            options=form.options(),
            decision=data["decision"],
            rationale=data["rationale"],
            review_at=data["review_at"],
            supersedes_id=data["supersedes"],
            change_reason=data["change_reason"],
        )

    return _group_post(
        request,
        pk,
        rule="decision.record",
        form=lambda group: DecisionForm(request.POST),
        form_name="decision_form",
        do=do,
        done=lambda made: f"Decision {made.number}.{made.version} recorded.",
        renamed={"options": "option_1"},
    )


@require_POST
@submit_once
def group_seat(request: HttpRequest, pk: int) -> HttpResponse:
    return _group_post(
        request,
        pk,
        rule="gold_group.seat",
        form=lambda group: SeatForm(request.POST, choices=selectors.group_seat_choices(group)),
        form_name="seat_form",
        do=lambda member, group, form: services.gold_group_seat(
            actor=member,
            group_id=group.pk,
            member_ids=[m.pk for m in form.cleaned_data["members"]],
        ),
        done=lambda seated: (
            f"{len(seated)} seated in the group: "
            f"{'each has' if len(seated) != 1 else 'they have'} been told."
        ),
    )


@require_POST
def group_stand_down(request: HttpRequest, pk: int) -> HttpResponse:
    return _group_post(
        request,
        pk,
        rule="gold_group.stand_down",
        form=lambda group: StandDownForm(request.POST),
        form_name="stand_down_form",
        do=lambda member, group, form: services.gold_group_stand_down(
            actor=member, group_id=group.pk, reason=form.cleaned_data["reason"]
        ),
        done=lambda made: "The group has stood down: its members have been told.",
    )


# --- The communications plan ---------------------------------------------------------------------
@require_POST
@submit_once
def group_comms(request: HttpRequest, pk: int) -> HttpResponse:
    def do(member: Member, group: GoldGroup, form: forms.Form) -> object:
        data = form.cleaned_data
        return services.comms_propose(
            actor=member,
            group_id=group.pk,
            audiences=data["audiences"],
            message=data["message"],
            channel=data["channel"],
            approver_id=data["approver"].pk,
            send_at=data["send_at"],
        )

    return _group_post(
        request,
        pk,
        rule="comms.plan",
        form=lambda group: CommsForm(request.POST, approvers=_approvers(group)),
        form_name="comms_form",
        do=do,
        done=lambda made: "Added to the communications plan, for approval.",
    )


def _comms_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    member = member_of(request)
    item = selectors.comms_for(member, pk)
    group = selectors.group_for(member, item.group_id)
    require(member, "comms.approve" if step == "approve" else "comms.send", item)
    try:
        if step == "approve":
            services.comms_approve(actor=member, item_id=item.pk)
        elif step == "sent":
            services.comms_send(actor=member, item_id=item.pk)
        else:
            form = CommsAnswerForm(request.POST)
            if not form.is_valid():
                return _group_page(
                    request, member, group, status=400, conflict="Say what came back."
                )
            services.comms_answer(
                actor=member, item_id=item.pk, response=form.cleaned_data["response"]
            )
    except ValidationError as error:
        return _group_page(request, member, group, status=400, conflict=" ".join(error.messages))
    except CONFLICTS as error:
        return _group_page(request, member, group, status=409, conflict=conflict_text(error))
    messages.success(request, "The communications plan is updated.")
    return redirect("gold-group", pk=group.pk)


@require_POST
def comms_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _comms_step(request, pk, "approve")


@require_POST
def comms_sent(request: HttpRequest, pk: int) -> HttpResponse:
    return _comms_step(request, pk, "sent")


@require_POST
def comms_answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _comms_step(request, pk, "answer")
