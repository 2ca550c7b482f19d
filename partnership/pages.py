"""What every app's page views (and API views) share: who is asking, and how a conflict is put
to them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_fsm import ConcurrentTransition, TransitionNotAllowed
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


def conflict_text(error: Exception) -> str:
    if isinstance(error, ConflictError):
        return str(error)
    return "Someone else changed this at the same moment. Reload the page and try again."
