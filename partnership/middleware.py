from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import structlog
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
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

    It borrows the request's connection before anything else runs (it stands before the
    sessions): when every connection of the pool is lent (or PostgreSQL is away), the borrow
    waits ``DATABASE_POOL_TIMEOUT`` and the pool gives up with an ``OperationalError``, here,
    where it can be answered. Later, in a middleware reading the session or the member, Django
    would have turned it into a 500 before any ``process_exception`` saw it. A connection lost
    while the view runs (PostgreSQL restarting) reaches ``process_exception``: its transaction
    either committed whole or was rolled back, and the caller is told to check before retrying.
    The pool checks a connection before lending it, so the next request reconnects by itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path != "/healthz":  # it reports the database itself
            try:
                connection.ensure_connection()
            except (OperationalError, InterfaceError) as exc:
                return _database_unavailable(request, exc, NOTHING_DONE)
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return _database_unavailable(request, exception, MAYBE_DONE)


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
        response = HttpResponse(
            "<!doctype html><title>Try again</title><h1>Try again in a moment</h1>"
            f"<p>{message}</p>",
            status=503,
        )
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
