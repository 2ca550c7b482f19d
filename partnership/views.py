from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from typing import Any
from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from partnership import selectors, services
from partnership.auth import browser_remember, sign_in_enrolled, token_revoke, tokens_live
from partnership.forms import ThrottledAuthenticationForm
from partnership.health import health_reports
from partnership.models import Member
from partnership.pages import member_of
from partnership.permissions import can, require, require_page
from partnership.second_factor import (
    recovery_codes_make,
    second_factor_needed,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_secret,
)
from partnership.tenancy import partnerships_of
from partnership.worklist import worklist_for

PENDING_SECONDS = 300
_NEW_CODES = "recovery_codes_new"


@login_not_required
def admin_login(request: HttpRequest) -> HttpResponse:
    """Django admin's sign-in. Signed out: our one sign-in page (the throttle cannot be
    sidestepped). Signed in without the admin's permission: a clear refusal, not a redirect back
    to the sign-in page, which (signed in already) sends them to the admin again, and round."""
    if request.user.is_authenticated:
        if can(request.user, "directory.manage"):  # the admin's own rule (partnership/admin.py)
            return redirect("admin:index")
        raise PermissionDenied(
            "The administration pages are for the service's administrators, and your account is "
            "not one. If something needs changing, ask your partnership's administrator."
        )
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("login") + (f"?{query}" if query else ""))


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 429 if getattr(form, "throttled", False) else 400
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        member = form.get_user()
        if not form.sign_in.must_enrol:
            response = super().form_valid(form)
            browser_remember(request=self.request, response=response, member=member)
            return response
        # The password was right and the member must set up an authenticator: the session is
        # not signed in until they have.
        self.request.session["second_factor"] = {
            "member": member.pk,
            "next": self.get_success_url(),
            "until": time.time() + PENDING_SECONDS,
        }
        return redirect("second-factor")


def _enrolment_context(member: Member) -> dict[str, Any]:
    device = totp_enrol_start(member=member)
    return {"secret": totp_secret(device), "uri": device.config_url}


@login_not_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator during sign-in, for a member whose role requires one."""
    pending = request.session.get("second_factor")
    if not pending or pending["until"] < time.time():
        request.session.pop("second_factor", None)
        return redirect("login")
    member = Member.objects.get(pk=pending["member"])
    if second_factor_needed(member) != "enrol":
        request.session.pop("second_factor", None)
        return redirect("login")
    context: dict[str, Any] = {"enrol": True, **_enrolment_context(member)}
    if request.method == "POST":
        codes = totp_enrol_confirm(member=member, code=str(request.POST.get("code", "")))
        if codes is None:
            context["error"] = (
                "That code is not right (or was already used). Enter the current code."
            )
            return render(request, "registration/second_factor.html", context, status=400)
        request.session.pop("second_factor", None)
        auth_login(request, member, backend="django.contrib.auth.backends.ModelBackend")
        sign_in_enrolled(request=request, member=member)
        request.session[_NEW_CODES] = codes
        response = redirect(
            f"{reverse('account-second-factor')}?{urlencode({'next': pending['next']})}"
        )
        browser_remember(request=request, response=response, member=member)
        return response
    return render(request, "registration/second_factor.html", context)


# --- The member's own account ------------------------------------------------------------------
def account_tokens(request: HttpRequest) -> HttpResponse:
    """The member's API tokens: which devices hold one, until when, and a way to revoke each."""
    member = member_of(request)
    return render(request, "partnership/account_tokens.html", {"tokens": tokens_live(member)})


@require_POST
def account_token_revoke(request: HttpRequest, ref: str) -> HttpResponse:
    member = member_of(request)
    if not token_revoke(member=member, ref=ref):
        raise Http404("You hold no such token.")
    messages.success(request, "The token was revoked: the device using it is signed out.")
    return redirect("account-tokens")


def account_second_factor(request: HttpRequest) -> HttpResponse:
    """The member's second factor: set one up, or make new recovery codes. New codes are shown
    once, right after they are made."""
    member = member_of(request)
    context: dict[str, Any] = {
        "has_device": second_factor_needed(member) == "verify",
        "codes": request.session.pop(_NEW_CODES, None),
        "next": _safe_next(request),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "recovery-codes" and context["has_device"]:
            context["codes"] = recovery_codes_make(member=member)
        elif action == "enrol" and not context["has_device"]:
            codes = totp_enrol_confirm(member=member, code=str(request.POST.get("code", "")))
            if codes is None:
                context["error"] = "That code is not right. Enter the code the app shows now."
                status = 400
            else:
                context.update(has_device=True, codes=codes)
        else:
            context["error"] = "Choose one of the buttons on this page."
            status = 400
    if not context["has_device"]:
        context.update(_enrolment_context(member))
    return render(request, "partnership/account_second_factor.html", context, status=status)


def _safe_next(request: HttpRequest) -> str:
    target = str(request.GET.get("next", ""))
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _worklist_context(request: HttpRequest) -> dict[str, Any]:
    member = member_of(request)
    sections = worklist_for(member) if can(member, "worklist.view") else []
    return {
        "sections": sections,
        "nothing": not any(section.items for section in sections),
        "now": timezone.now(),
    }


def home(request: HttpRequest) -> HttpResponse:
    """My work: what is waiting for the member, most urgent first (``partnership.worklist``)."""
    member = request.user
    assert isinstance(member, Member)  # noqa: S101 (LoginRequiredMiddleware)
    # The roles in the partnership they work in (all of them while they have not chosen one),
    # listed here rather than filtered in the template, whose separators then went astray.
    here = member.partnership
    roles_here = [
        a
        for a in member.role_assignments.select_related("deputy")
        if here is None or a.partnership_id == here.pk
    ]
    return render(
        request,
        "partnership/home.html",
        {**_worklist_context(request), "roles_here": roles_here},
    )


@never_cache
@require_GET
def home_worklist(request: HttpRequest) -> HttpResponse:
    """Just the work list, fetched by ``static/js/worklist.js`` when a change is pushed."""
    require(member_of(request), "worklist.view")
    return render(request, "partnership/_worklist.html", _worklist_context(request))


def partnership_choose(request: HttpRequest) -> HttpResponse:
    """Which partnership a member of several is working in (remembered on their account)."""
    member = member_of(request)
    mine = partnerships_of(member)
    error = ""
    if request.method == "POST":
        chosen = next((p for p in mine if p.slug == request.POST.get("partnership", "")), None)
        if chosen is None:
            error = "Choose one of the partnerships you work in."
        else:
            services.member_partnership_choose(member=member, partnership=chosen)
            messages.success(request, f"You are now working in {chosen.name}.")
            return redirect(_safe_next(request) or "home")
    return render(
        request,
        "partnership/partnership_choose.html",
        {
            "partnerships": mine,
            "current": member.partnership,
            "next": _safe_next(request),
            "error": error,
        },
        status=400 if error else 200,
    )


@require_page("directory.view")
def directory(request: HttpRequest) -> HttpResponse:
    agencies = list(selectors.agencies_with_members(member_of(request).partnership))
    contact_visible = {
        member.pk
        for agency in agencies
        for member in agency.members.all()
        if can(request.user, "member.view_contact", member)
    }
    return render(
        request,
        "partnership/directory.html",
        {"agencies": agencies, "contact_visible": contact_visible},
    )


def _check_database() -> tuple[bool, str]:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the kind is reported, not raised
        connection.close_if_unusable_or_obsolete()
        return False, type(exc).__name__
    return True, connection.vendor


async def _channel_forget(layer: RedisPubSubChannelLayer, channel: str) -> None:
    """The pub/sub layer lets go of a channel (its queue and its Redis subscription) only when a
    receive on it is cancelled, as when a consumer closes: without this each check would leave
    one behind in the process for good (the core layer's channel simply expires)."""
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    waiting.cancel()
    with suppress(asyncio.CancelledError, Exception):
        await waiting


async def _check_channel_layer() -> tuple[bool, str]:
    layer = get_channel_layer()
    if layer is None:
        return False, "not configured"
    channel = ""
    try:
        channel = await layer.new_channel("healthz.")
        await asyncio.wait_for(layer.send(channel, {"type": "health.ping"}), timeout=2)
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    except Exception as exc:  # connection refused, timeout: all mean "down"
        return False, type(exc).__name__
    finally:
        if channel and isinstance(layer, RedisPubSubChannelLayer):
            await _channel_forget(layer, channel)
    if message.get("type") != "health.ping":
        return False, "unexpected reply"
    return True, type(layer).__name__


@login_not_required
async def healthz(request: HttpRequest) -> JsonResponse:
    database_ok, database_detail = await sync_to_async(_check_database, thread_sensitive=True)()
    layer_ok, layer_detail = await _check_channel_layer()
    healthy = database_ok and layer_ok
    # The apps' reports (such as notification channels that only record) inform whoever reads
    # this; only the database and the channel layer decide whether this process can serve.
    reports = await sync_to_async(health_reports, thread_sensitive=True)() if database_ok else {}
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": {"ok": database_ok, "detail": database_detail},
            "channel_layer": {"ok": layer_ok, "detail": layer_detail},
            **reports,
        },
        status=200 if healthy else 503,
    )
