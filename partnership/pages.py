"""What every app's page views (and API views) share: who is asking, a checked request body, and
how a conflict is put to them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import serializers
from rest_framework.request import Request

from partnership.errors import ConflictError
from partnership.models import Member

# Services lock rows before a transition, so the last two are unlikely; if a save still loses a
# race, the person is told the same way as for any other change that no longer fits.
CONFLICTS = (ConflictError, TransitionNotAllowed, ConcurrentTransition)


def member_of(request: HttpRequest | Request) -> Member:
    """The member asking. The sign-in middleware has already sent anonymous people to the
    sign-in page, and the API's ``IsAuthenticated`` has refused them."""
    if not isinstance(request.user, Member):
        raise PermissionDenied("Sign in with your partnership account.")
    return request.user


def posted_next(request: HttpRequest) -> str:
    """Where a page form asks to go back to when done (``next``: the home page's work list),
    if it is a page of this service; else "" (the caller's own page)."""
    target = str(request.POST.get("next", ""))
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def valid_body(
    serializer_class: type[serializers.Serializer[Any]], request: Request
) -> dict[str, Any]:
    """The API request's body, checked by ``serializer_class``: a 400 naming each field's problem
    (DRF's ``ValidationError``) when it does not fit."""
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def conflict_text(error: Exception) -> str:
    if isinstance(error, ConflictError):
        return str(error)
    return "Someone else changed this at the same moment. Reload the page and try again."
