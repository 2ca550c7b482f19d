from __future__ import annotations

import asyncio
import time
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from partnership import selectors
from partnership.auth import (
    TooManyAttemptsError,
    client_address,
    second_factor_needed,
    totp_check,
    totp_enrol_start,
)
from partnership.forms import ThrottledAuthenticationForm
from partnership.models import Member
from partnership.permissions import can, require_page
from partnership.totp import totp_uri

PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 429 if getattr(form, "throttled", False) else 400
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        member = form.get_user()
        if second_factor_needed(member) is None:
            return super().form_valid(form)
        # The password was right; the session is not signed in until the code is too.
        self.request.session["second_factor"] = {
            "member": member.pk,
            "next": self.get_success_url(),
            "until": time.time() + PENDING_SECONDS,
        }
        return redirect("second-factor")


@login_not_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Enter the code from an authenticator app (and, the first time, set one up)."""
    pending = request.session.get("second_factor")
    if not pending or pending["until"] < time.time():
        request.session.pop("second_factor", None)
        return redirect("login")
    member = Member.objects.get(pk=pending["member"])
    need = second_factor_needed(member)
    device = totp_enrol_start(member=member) if need == "enrol" else None
    context: dict[str, Any] = {
        "enrol": need == "enrol",
        "secret": device.secret if device else "",
        "uri": totp_uri(device.secret, member.get_username()) if device else "",
    }
    if request.method == "POST":
        code = str(request.POST.get("code", ""))
        try:
            ok = totp_check(member=member, code=code, address=client_address(request))
        except TooManyAttemptsError as exc:
            request.session.pop("second_factor", None)
            return render(
                request,
                "registration/second_factor.html",
                {**context, "error": str(exc)},
                status=429,
            )
        if ok:
            request.session.pop("second_factor", None)
            auth_login(request, member, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(pending["next"])
        context["error"] = "That code is not right (or was already used). Enter the current code."
        return render(request, "registration/second_factor.html", context, status=400)
    return render(request, "registration/second_factor.html", context)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "partnership/home.html")


@require_page("directory.view")
def directory(request: HttpRequest) -> HttpResponse:
    agencies = list(selectors.agencies_with_members())
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


async def _check_channel_layer() -> tuple[bool, str]:
    layer = get_channel_layer()
    if layer is None:
        return False, "not configured"
    try:
        channel = await layer.new_channel("healthz.")
        await asyncio.wait_for(layer.send(channel, {"type": "health.ping"}), timeout=2)
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    except Exception as exc:  # connection refused, timeout: all mean "down"
        return False, type(exc).__name__
    if message.get("type") != "health.ping":
        return False, "unexpected reply"
    return True, type(layer).__name__


@login_not_required
async def healthz(request: HttpRequest) -> JsonResponse:
    database_ok, database_detail = await sync_to_async(_check_database, thread_sensitive=True)()
    layer_ok, layer_detail = await _check_channel_layer()
    healthy = database_ok and layer_ok
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": {"ok": database_ok, "detail": database_detail},
            "channel_layer": {"ok": layer_ok, "detail": layer_detail},
        },
        status=200 if healthy else 503,
    )
