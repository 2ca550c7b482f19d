"""The partnership's reporting settings in the admin: each administrator their own partnership's,
every change on the timeline."""

from __future__ import annotations

from django.contrib import admin

from partnership.admin import AuditedAdmin, PartnershipScoped
from review.models import ReportingSettings


@admin.register(ReportingSettings)
class ReportingSettingsAdmin(PartnershipScoped, AuditedAdmin):
    list_display = ["partnership", "debrief_record_days", "half_year_first_month", "reports_from"]
