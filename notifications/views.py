"""Pages of notifications: the inbox, the member's channels, and the emailed acknowledge link
(which works without signing in).

Views read through ``notifications.selectors`` and change things only through the services. A
service's ``ValidationError`` goes back on the page (400); a ``ConflictError`` is shown as it
stands (409); ``PermissionDenied`` is Django's 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import selectors, services
from notifications.forms import ContactPreferenceForm, ReplyForm
from notifications.links import ack_token_read, scope_url
from notifications.models import ContactPreference, Notification, NotificationState
from notifications.readiness import channels_not_sent
from notifications.services import contact_preference_set
from partnership.errors import ConflictError
from partnership.models import Member
from partnership.page_forms import service_errors_add
from partnership.pages import member_of as _member
from partnership.pages import posted_next, submit_once


@login_not_required
def ack_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what will be acknowledged (mail scanners that follow links change nothing);
    POST acknowledges, once."""
    try:
        notification_id = ack_token_read(token)
    except signing.SignatureExpired:
        return render(
            request,
            "notifications/ack_link.html",
            {"problem": "This link has expired. Sign in to acknowledge the notification."},
            status=410,
        )
    except signing.BadSignature:
        return render(
            request,
            "notifications/ack_link.html",
            {"problem": "This link is not valid. Sign in to see your notifications."},
            status=400,
        )
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return render(
            request,
            "notifications/ack_link.html",
            {"problem": "Nothing to acknowledge."},
            status=404,
        )
    if notification.ack_link_used_at is not None:
        return render(
            request,
            "notifications/ack_link.html",
            {"problem": "This link has already been used. Sign in to see the notification."},
            status=410,
        )
    if request.method == "POST":
        try:
            notification = services.notification_ack_link_use(notification_id=notification.pk)
        except ConflictError as exc:
            return render(request, "notifications/ack_link.html", {"problem": str(exc)}, status=409)
        return render(
            request, "notifications/ack_link.html", {"notification": notification, "done": True}
        )
    return render(
        request, "notifications/ack_link.html", {"notification": notification, "token": token}
    )


# --- The inbox -----------------------------------------------------------------------------------
INBOX_PER_PAGE = 50
# ?show=…: (heading, unread, needs_reply) as notifications_of takes them.
INBOX_TABS: dict[str, tuple[str, bool | None, bool | None]] = {
    "all": ("All", None, None),
    "unread": ("Unread", True, None),
    "reply": ("Needs a reply", None, True),
}


@dataclass
class InboxItem:
    notification: Notification
    url: str
    reply_form: ReplyForm | None


def _tab(value: str | None) -> str:
    return value if value in INBOX_TABS else "all"


def _inbox_url(show: str, page: str | None, anchor: str = "") -> str:
    query = {"show": show}
    if page and page.isdigit() and page != "1":
        query["page"] = page
    url = f"{reverse('inbox')}?{urlencode(query)}"
    return f"{url}#{anchor}" if anchor else url


def _inbox_page(
    request: HttpRequest,
    member: Member,
    *,
    show: str,
    page_number: str | None,
    status: int = 200,
    bound: ReplyForm | None = None,
    problems: list[str] | None = None,
    conflict: str = "",
) -> HttpResponse:
    """The inbox. ``bound`` is a reply that came back with errors: it replaces the blank form of
    its notification (which is put first if it is not on this page)."""
    _heading, unread, needs_reply = INBOX_TABS[show]
    found = selectors.notifications_of(member, unread=unread, needs_reply=needs_reply)
    page = Paginator(found, INBOX_PER_PAGE).get_page(page_number)
    notifications = list(page.object_list)
    if bound is not None and all(n.pk != bound.notification_id for n in notifications):
        missing = selectors.notifications_of(member).filter(pk=bound.notification_id).first()
        if missing is not None:
            notifications.insert(0, missing)
    items = []
    for n in notifications:
        form: ReplyForm | None = None
        if n.state != NotificationState.ANSWERED:
            if bound is not None and bound.notification_id == n.pk:
                form = bound
            else:
                form = ReplyForm(notification_id=n.pk)
        items.append(InboxItem(notification=n, url=scope_url(n.scope), reply_form=form))
    context: dict[str, Any] = {
        "show": show,
        "tabs": [
            (key, heading, reverse("inbox") + f"?show={key}")
            for key, (heading, _u, _r) in INBOX_TABS.items()
        ],
        "heading": INBOX_TABS[show][0],
        "page": page,
        "items": items,
        "counts": {
            "unread": selectors.notifications_of(member, unread=True).count(),
            "reply": selectors.notifications_of(member, needs_reply=True).count(),
        },
        "failed_form": bound,
        "problems": problems or [],
        "conflict": conflict,
    }
    return render(request, "notifications/inbox.html", context, status=status)


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return _inbox_page(
        request,
        _member(request),
        show=_tab(request.GET.get("show")),
        page_number=request.GET.get("page"),
    )


@require_POST
@submit_once
def notification_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    show, page_number = _tab(request.POST.get("show")), request.POST.get("page")
    try:
        notification = services.notification_acknowledge(
            member=member, notification_id=pk, via="web"
        )
    except ValidationError as error:
        return _inbox_page(
            request,
            member,
            show=show,
            page_number=page_number,
            status=400,
            problems=error.messages,
        )
    except ConflictError as error:
        return _inbox_page(
            request, member, show=show, page_number=page_number, status=409, conflict=str(error)
        )
    messages.success(request, f"Acknowledged: {notification.title}.")
    return redirect(posted_next(request) or _inbox_url(show, page_number, f"n-{pk}"))


@require_POST
@submit_once
def notification_reply(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request)
    show, page_number = _tab(request.POST.get("show")), request.POST.get("page")
    form = ReplyForm(request.POST, notification_id=pk)
    if form.is_valid():
        try:
            notification = services.notification_reply(
                member=member,
                notification_id=pk,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                via="web",
            )
        except ValidationError as error:
            service_errors_add(form, error, renamed={"reply": "text"})
        except ConflictError as error:
            return _inbox_page(
                request,
                member,
                show=show,
                page_number=page_number,
                status=409,
                conflict=str(error),
            )
        else:
            messages.success(
                request, f"Your reply is sent to the partnership: {notification.title}."
            )
            return redirect(_inbox_url(show, page_number, f"n-{pk}"))
    return _inbox_page(request, member, show=show, page_number=page_number, status=400, bound=form)


# --- Channels ------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def contact_channels(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    if request.method == "POST":
        form = ContactPreferenceForm(request.POST)
        if form.is_valid():
            try:
                contact_preference_set(member=member, **form.cleaned_data)
            except ValidationError as error:
                service_errors_add(form, error)
            else:
                messages.success(request, "Your channels are saved.")
                return redirect("notification-channels")
        status = 400
    else:
        current = ContactPreference.objects.filter(member=member).first()
        form = ContactPreferenceForm(
            initial=ContactPreferenceForm.initial_from(current or ContactPreference(member=member))
        )
        status = 200
    return render(
        request,
        "notifications/channels.html",
        # Members choosing a channel are told when this deployment only records its messages.
        {"form": form, "member": member, "not_sent": channels_not_sent()},
        status=status,
    )
