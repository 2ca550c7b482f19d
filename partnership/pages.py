"""What every app's page views (and API views) share: who is asking, a checked request body, how
a conflict is put to them, and creating forms that are safe to send twice (``submit_once``)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import serializers
from rest_framework.request import Request

from partnership.errors import ConflictError
from partnership.models import Member
from partnership.services import submission_claim, submission_done, submission_release

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


SUBMIT_ONCE_FIELD = "submit_once"
# How long a second send waits for the first, still being recorded, to finish: a double click's
# browser shows only the second answer, which should then be the page of what the first made.
SUBMIT_ONCE_WAIT_SECONDS = 3.0
# The views ``submit_once`` made safe to send twice (``sends_once`` asks).
_SENT_ONCE: set[Callable[..., HttpResponseBase]] = set()


def _key_owner(request: HttpRequest) -> dict[str, Any] | None:
    """Whose a form's key is (``submission_claim``'s owner arguments): the member's, or, on a
    page used without signing in, the browser session's. None: a visitor whose browser sent no
    session (cookies refused, or the form not drawn by us): nothing to tie the key to."""
    if isinstance(request.user, Member):
        return {"member": request.user}
    session = request.session.session_key
    return {"session": session} if session else None


def submit_once(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A creating form's view, made safe to send twice. The form carries a one-time key
    (``{% submit_once %}`` from ``partnership_tags``, beside ``{% csrf_token %}``); the first
    request with a key runs the view, and when the view redirects to what it made, the key is
    kept with that address. The same key sent again (the back button, then submit; a double click)
    goes to that address with a sentence saying nothing was made twice; sent while the first is
    still being recorded, it waits for it (``SUBMIT_ONCE_WAIT_SECONDS``). When the view made
    nothing (the form came back with errors), the key is let go, so the corrected form can be sent.

    The key is the member's; on a page anyone may use without signing in (the public report),
    it is the browser session's, so drawing the form opens a session for the visitor.

    A post without a key (the API, an older page) runs the view as it is."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "POST":
            response = view(request, *args, **kwargs)
            if not isinstance(request.user, Member) and request.session.session_key is None:
                # The form's key needs an owner when it comes back: a new, empty session (its
                # cookie lasts as long as the browser does, SESSION_EXPIRE_AT_BROWSER_CLOSE).
                request.session.save()
            return response
        owner = _key_owner(request)
        try:
            key = uuid.UUID(request.POST.get(SUBMIT_ONCE_FIELD, ""))
        except ValueError:
            return view(request, *args, **kwargs)
        if owner is None:
            return view(request, *args, **kwargs)
        deadline = time.monotonic() + SUBMIT_ONCE_WAIT_SECONDS
        while (earlier := submission_claim(key=key, **owner)) is not None:
            if earlier.location:
                messages.info(
                    request,
                    "This form had already been sent, so nothing new was made: this is what it "
                    "made the first time.",
                )
                return redirect(earlier.location)
            if time.monotonic() >= deadline:
                messages.warning(
                    request,
                    "This form was sent twice at the same moment. The first is still being "
                    "recorded: check here in a moment before sending it again.",
                )
                return redirect(request.path)
            # The first is still being recorded: it will lead somewhere, or let the key go.
            time.sleep(0.1)
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            submission_release(key=key, **owner)
            raise
        if response.status_code in (301, 302, 303) and response.get("Location"):
            submission_done(key=key, location=response["Location"], **owner)
        else:
            submission_release(key=key, **owner)
        return response

    _SENT_ONCE.add(wrapped)
    return wrapped


def sends_once(view: Callable[..., Any]) -> bool:
    """Whether ``view`` (under whatever other decorators) is a ``submit_once`` view."""
    found: Any = view
    while found is not None:
        if found in _SENT_ONCE:
            return True
        found = getattr(found, "__wrapped__", None)
    return False
