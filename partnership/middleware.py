from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import structlog
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.db import InterfaceError, OperationalError
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
    """A request that meets a lost database connection (PostgreSQL restarting) fails cleanly:
    its transaction either committed whole (the connection went while answering) or was rolled
    back, nothing is half-saved, and the caller is told to check and retry.
    The next request reconnects by itself: the connection pool checks a connection before
    lending it (``CONN_HEALTH_CHECKS``), and a request that waits too long for one (all lent, or
    PostgreSQL away) meets the pool's timeout, an ``OperationalError`` too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("database.unavailable", path=request.path, error=type(exception).__name__)
        message = (
            "The database is unavailable for a moment. A change is saved whole or not at all: "
            "check whether yours went through before trying again."
        )
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
