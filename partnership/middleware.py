from __future__ import annotations

import sys
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import structlog
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults
from psycopg_pool import PoolTimeout
from rest_framework.response import Response

log = structlog.get_logger(__name__)

# Everything the pages use is served by the service itself: no inline script or style, no CDN.
# Websockets (ws:/wss:) go back to the same host; the browsable API's icons are data: images.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Sends the Content-Security-Policy header with every response, so that injected markup
    cannot run script or load anything from elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class ApiErrorsAsJsonMiddleware:
    """Refusals Django makes before the API is reached (an address no API route matches, such as
    ``/api/incidents/-1/``, or a request it cannot parse) answer in JSON with a ``detail`` like
    every other API refusal, not with the HTML error page meant for people. Responses of the API
    views themselves are left as they are."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not isinstance(response, Response)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            detail = "Not found." if response.status_code == 404 else _phrase(response.status_code)
            replaced = JsonResponse({"detail": detail}, status=response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return "The request was refused."


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Anonymous people get the sign-in page and the health check, nothing else.

    API paths are left to Django REST framework, whose default permission refuses anonymous
    callers with a JSON 401/403 rather than a redirect a script cannot follow.
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class DatabaseUnavailableMiddleware:
    """A request the database cannot serve is answered 503 with when to retry, never 500.

    When every connection of the pool is lent (or PostgreSQL is away), the first read waits
    ``DATABASE_POOL_TIMEOUT`` and the pool gives up with an ``OperationalError``. Raised by the
    view, it reaches ``process_exception`` here; raised by a middleware (the session or the member
    read for a page), Django turns it into its 500 answer, which is ``server_error`` below, and
    answers the same. Before the view ran nothing was done; once it ran, its transaction either
    committed whole or was rolled back, and the caller is told to check before retrying. The
    pool checks a connection before lending it, so the next request reconnects by itself.
    Nothing here touches the database: a page that needs none (the sign-in page for a visitor)
    is served while it is away."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        request.META[_VIEW_STARTED] = True

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return _database_unavailable(request, exception, _what_was_done(request, exception))


_VIEW_STARTED = "coordinator.view_started"


def _what_was_done(request: HttpRequest, exception: Exception) -> str:
    # The pool's timeout comes before the request's first read: it held no connection, so it
    # did nothing (a request keeps the one connection it is lent).
    if isinstance(exception.__cause__, PoolTimeout) or not request.META.get(_VIEW_STARTED):
        return NOTHING_DONE
    return MAYBE_DONE


def server_error(request: HttpRequest) -> HttpResponseBase:
    """``handler500``: Django calls it while handling the exception, so it can tell a database
    that could not serve (503, retry) from a fault (500, the service's own page)."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return _database_unavailable(request, exception, _what_was_done(request, exception))
    return defaults.server_error(request)


NOTHING_DONE = (
    "The service cannot take your request just now and nothing was done: try again in a moment."
)
MAYBE_DONE = (
    "The database is unavailable for a moment. A change is saved whole or not at all: "
    "check whether yours went through before trying again."
)


def _database_unavailable(
    request: HttpRequest, exception: Exception, message: str
) -> HttpResponseBase:
    log.warning("database.unavailable", path=request.path, error=type(exception).__name__)
    if request.path.startswith("/api/"):
        response: HttpResponseBase = JsonResponse({"detail": message}, status=503)
    else:
        # A page of its own, like 500.html, drawn without the request: the site's layout and
        # its context processors read the database (the member's alerts), which is away.
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = "5"
    return response


class NotFoundPageMiddleware:
    """A record that does not exist, or is not shared with the member (a selector's ``Http404``),
    shows the service's own "Page not found" page, also when DEBUG is on, whose technical page
    would list the service's addresses. API paths keep their JSON answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if not isinstance(exception, Http404) or request.path.startswith("/api/"):
            return None
        return render(request, "404.html", {"exception": exception}, status=404)
