"""Django admin for the directory. Administrators manage agencies, areas, members and roles here.

Admin saves are the one writer outside ``services.py``: Django admin already wraps each save in a
transaction, and ``AuditedAdmin`` records the change on the timeline inside it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnership.models import (
    Agency,
    Area,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    Member,
    Partnership,
    RoleAssignment,
    TimelineCheckpoint,
)
from partnership.permissions import can
from partnership.second_factor import second_factor_remove
from partnership.services import member_join
from partnership.timeline import audit_record


def _has_admin_permission(request: HttpRequest) -> bool:
    return can(request.user, "directory.manage")


# The default site keys on is_staff; the partnership's rule decides instead (patched rather than
# replaced so every app's ModelAdmin registrations keep working unchanged).
admin.site.has_permission = _has_admin_permission  # type: ignore[method-assign]
admin.site.site_header = "Partnership administration"
admin.site.site_title = "Partnership administration"


class RoleRulePermissions:
    """Access follows the partnership's role rules, not Django's per-model permission table."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _has_admin_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _has_admin_permission(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _has_admin_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _has_admin_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _has_admin_permission(request)


class ReadOnlyPermissions:
    """For what changes only through the product (its services, which record why): shown here,
    never added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(RoleRulePermissions, admin.ModelAdmin):  # type: ignore[type-arg]
    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            verb=f"{obj._meta.model_name}.{'changed' if change else 'created'}",
            subject=obj,
            # Field names only: values could be personal details.
            changes={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        audit_record(actor=request.user, verb=f"{obj._meta.model_name}.deleted", subject=obj)  # type: ignore[arg-type]
        super().delete_model(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects + [o for o, _ in formset.changed_objects]:
            audit_record(actor=request.user, verb=f"{obj._meta.model_name}.saved", subject=obj)  # type: ignore[arg-type]
        for obj in formset.deleted_objects:
            audit_record(actor=request.user, verb=f"{obj._meta.model_name}.deleted", subject=obj)  # type: ignore[arg-type]


class PartnershipScoped:
    """An administrator manages the partnership they work in: lists show only its records and a
    record's partnership can only be that one. (A superuser, who runs the service for every
    partnership, sees them all.) ``partnership_path`` leads from the record to its partnership."""

    partnership_path = "partnership"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        found: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        member = request.user
        if getattr(member, "is_superuser", False):
            return found
        here = getattr(member, "partnership", None)
        return found.filter(**{self.partnership_path: here}).distinct()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "partnership" and not getattr(request.user, "is_superuser", False):
            here = getattr(request.user, "partnership", None)
            kwargs["queryset"] = Partnership.objects.filter(pk__in=[here.pk] if here else [])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


@admin.register(Partnership)
class PartnershipAdmin(PartnershipScoped, AuditedAdmin):
    partnership_path = "pk"
    list_display = ["name", "slug", "division"]
    search_fields = ["name", "slug"]


@admin.register(Agency)
class AgencyAdmin(PartnershipScoped, AuditedAdmin):
    partnership_path = "partnerships"
    list_display = ["name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    # Which partnerships an agency takes part in follows its members' (``member_join``).
    readonly_fields = ["partnerships"]


@admin.register(Area)
class AreaAdmin(PartnershipScoped, AuditedAdmin):
    list_display = ["name", "partnership"]
    search_fields = ["name"]


class RoleAssignmentInline(PartnershipScoped, RoleRulePermissions, admin.TabularInline):  # type: ignore[type-arg]
    model = RoleAssignment
    fk_name = "member"
    extra = 1
    autocomplete_fields = ["deputy"]


# django-otp's own admin pages would show authenticator secrets and change devices without a
# timeline row; an administrator removes a member's second factor with the action below instead.
for _otp_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_otp_model):
        admin.site.unregister(_otp_model)


@admin.register(Member)
class MemberAdmin(PartnershipScoped, AuditedAdmin, UserAdmin[Member]):
    partnership_path = "partnerships"
    inlines = [RoleAssignmentInline]
    actions = ["second_factor_remove"]
    # A role given here makes its holder (and deputy) work in its partnership, as ``role_assign``
    # does; the partnerships themselves are not edited directly.
    readonly_fields = ["partnerships"]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        actor = request.user if isinstance(request.user, Member) else None
        for obj in formset.new_objects + [o for o, _ in formset.changed_objects]:
            if isinstance(obj, RoleAssignment):
                member_join(actor=actor, member=obj.member, partnership=obj.partnership)
                if obj.deputy is not None:
                    member_join(actor=actor, member=obj.deputy, partnership=obj.partnership)

    @admin.action(description="Remove the second factor (for a lost phone): they set up a new one")
    def second_factor_remove(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        actor = request.user
        if not isinstance(actor, Member):
            raise PermissionDenied
        for member in queryset:
            second_factor_remove(actor=actor, member=member)
        self.message_user(request, f"Second factor removed for {queryset.count()} member(s).")

    list_display = ["username", "first_name", "last_name", "agency", "is_active"]
    list_filter = ["agency", "is_active", "role_assignments__role"]
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        ("Partnership", {"fields": ("agency", "partnerships", "job_title", "phone")}),
    )


@admin.register(AuditEvent)
class AuditEventAdmin(PartnershipScoped, ReadOnlyPermissions, admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the timeline is append-only. An administrator reads their partnership's chain;
    the service's own (signing in, accounts, agencies) only a superuser."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _has_admin_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _has_admin_permission(request)

    list_display = [
        "partnership",
        "seq",
        "occurred_at",
        "actor_label",
        "verb",
        "subject_type",
        "subject_id",
        "scope",
    ]
    list_filter = ["verb", "subject_type"]
    search_fields = ["scope", "subject_id"]
    ordering = ["partnership_id", "-seq"]


@admin.register(TimelineCheckpoint)
class TimelineCheckpointAdmin(PartnershipScoped, ReadOnlyPermissions, admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: checkpoints are signed by ``manage.py checkpoint_timeline`` and the scheduler,
    and verified by ``manage.py verify_timeline`` (decision 0012). Shown so an administrator can
    see when their chain was last sealed, and at which event."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _has_admin_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _has_admin_permission(request)

    list_display = ["partnership", "number", "seq", "made_at", "head_hash"]
    ordering = ["partnership_id", "-number"]


class CalendarDayInline(ReadOnlyPermissions, RoleRulePermissions, admin.TabularInline):  # type: ignore[type-arg]
    model = CalendarDay
    readonly_fields = [
        "date",
        "title",
        "notes",
        "status",
        "source",
        "reason",
        "changed_by",
        "changed_at",
    ]
    extra = 0


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyPermissions, RoleRulePermissions, admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: a change to the calendar needs a reason and recomputes deadlines, so it is made
    on the calendar page (/calendar/) or through the API, and imports by
    ``manage.py import_bank_holidays``."""

    list_display = ["division", "year", "source", "detail", "loaded_at"]
    list_filter = ["division", "source"]
    readonly_fields = ["division", "year", "source", "detail", "loaded_at", "loaded_by"]
    inlines = [CalendarDayInline]
