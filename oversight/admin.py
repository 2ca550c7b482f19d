"""Oversight bodies in Django admin, for whoever runs the service.

A body looks across several partnerships, so no partnership's administrator may set one up or
change what it oversees: only a superuser (the service's operator). Changes are recorded on the
service's own chain of the timeline, field names only (``AuditedAdmin``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from oversight.models import OversightBody
from partnership.admin import AuditedAdmin


def _operator(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_superuser", False)) and request.user.is_active


@admin.register(OversightBody)
class OversightBodyAdmin(AuditedAdmin):
    list_display = ["name", "kind", "slug"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["partnerships", "members"]
    prepopulated_fields = {"slug": ["name"]}

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _operator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _operator(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _operator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _operator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Its scrutiny requests keep it (PROTECT); a body that sent none may be removed.
        return _operator(request)
