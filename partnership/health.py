"""What ``/healthz`` reports besides the database and the channel layer: each app registers a
report when it is ready (as it registers its audit verbs), so the health check, which lives at
the bottom, never imports the apps above it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_REPORTS: dict[str, Callable[[], dict[str, Any]]] = {}


def health_report_register(name: str, report: Callable[[], dict[str, Any]]) -> None:
    """``report`` answers a JSON-able mapping; it runs on every health check, so keep it cheap."""
    if name in _REPORTS or name in {"status", "database", "channel_layer"}:
        raise ImproperlyConfigured(f"health report {name!r} registered twice")
    _REPORTS[name] = report


def health_reports() -> dict[str, Any]:
    """Every registered report. One that fails says so instead of failing the health check."""
    found: dict[str, Any] = {}
    for name, report in _REPORTS.items():
        try:
            found[name] = report()
        except Exception as exc:  # the database is down: the check reports that already
            found[name] = {"ok": False, "detail": type(exc).__name__}
    return found
