from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from partnership import selectors
from partnership.forms import ThrottledAuthenticationForm
from partnership.permissions import can, require_page


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 429 if getattr(form, "throttled", False) else 400
        return response


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
