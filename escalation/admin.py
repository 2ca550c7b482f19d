"""Administration of protocol versions. Steps are edited while a version is a draft; publishing
goes through the service (which retires the previous version). Incidents and duties are shown
read-only: they change only through the product."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from escalation import services
from escalation.models import Duty, Incident, ProtocolState, ProtocolStep, ProtocolVersion
from partnership.admin import (
    AuditedAdmin,
    PartnershipScoped,
    ReadOnlyPermissions,
    RoleRulePermissions,
)
from partnership.errors import ConflictError
from partnership.permissions import can


class ProtocolStepInline(RoleRulePermissions, admin.TabularInline):  # type: ignore[type-arg]
    model = ProtocolStep
    extra = 0
    fields = [
        "order",
        "code",
        "description",
        "owner_role",
        "informs",
        "waits_for",
        "deadline_kind",
        "deadline_amount",
        "completion",
        "ladder",
        "ack_ladder",
    ]

    def _draft(self, obj: ProtocolVersion | None) -> bool:
        return obj is None or obj.state == ProtocolState.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._draft(obj) and super().has_delete_permission(request, obj)


@admin.action(description="Publish the selected draft (new declarations will run under it)")
def publish(modeladmin: Any, request: HttpRequest, queryset: QuerySet[ProtocolVersion]) -> None:
    for version in queryset:
        try:
            services.protocol_version_publish(actor=request.user, version=version)  # type: ignore[arg-type]
        except (ConflictError, ValidationError) as exc:
            modeladmin.message_user(request, f"v{version.number}: {exc}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"Version {version.number} published.")


@admin.register(ProtocolVersion)
class ProtocolVersionAdmin(PartnershipScoped, AuditedAdmin):
    list_display = ["number", "name", "partnership", "state", "published_at"]
    readonly_fields = ["number", "state", "published_at"]
    inlines = [ProtocolStepInline]
    actions = [publish]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can(request.user, "protocol.manage") and (
            obj is None or obj.state == ProtocolState.DRAFT
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            last = (
                ProtocolVersion.objects.filter(partnership=obj.partnership)
                .order_by("-number")
                .first()
            )
            obj.number = (last.number + 1) if last else 1
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(ReadOnlyPermissions, RoleRulePermissions, admin.ModelAdmin):  # type: ignore[type-arg]
    pass


@admin.register(Incident)
class IncidentAdmin(PartnershipScoped, ReadOnlyAdmin):
    list_display = ["pk", "title", "area", "state", "reported_at", "declared_at"]
    list_filter = ["state", "area"]


@admin.register(Duty)
class DutyAdmin(PartnershipScoped, ReadOnlyAdmin):
    partnership_path = "incident__partnership"
    list_display = ["pk", "incident", "step_code", "state", "due_at", "completed_at"]
    list_filter = ["state", "step_code"]
