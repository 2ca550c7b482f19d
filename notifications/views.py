"""Pages of notifications. The emailed acknowledge link works without signing in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from notifications import services
from notifications.links import ack_token_read
from notifications.models import Notification
from partnership.errors import ConflictError


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
