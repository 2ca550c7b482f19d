"""The gold group's review: its pages, and its JSON API (included under ``/api/`` by
``config.urls``). Addresses and names are those the pages and clients have always used."""

from django.urls import path

from review import (
    api,
    debrief_api,
    debrief_views,
    fourteen_day_api,
    fourteen_day_views,
    six_monthly_api,
    six_monthly_views,
    strategy_views,
    views,
)

urlpatterns = [
    path("incidents/<int:pk>/timeline/", views.incident_timeline, name="incident-timeline"),
    path(
        "incidents/<int:pk>/timeline/export/",
        views.incident_timeline_export,
        name="incident-timeline-export",
    ),
    path("people/<int:pk>/timeline/", views.person_timeline, name="person-timeline"),
    path(
        "people/<int:pk>/timeline/export/",
        views.person_timeline_export,
        name="person-timeline-export",
    ),
    path("compliance/", views.compliance, name="compliance"),
    path("reports/partnership/", views.report, name="partnership-report"),
    path("reports/partnership.csv", views.report_download, name="partnership-report-csv"),
    path("access-log/", views.access_log, name="access-log"),
    path("incidents/<int:pk>/debrief/", debrief_views.debrief, name="debrief"),
    path(
        "incidents/<int:pk>/debrief/actions/",
        debrief_views.debrief_action_add,
        name="debrief-action-add",
    ),
    path(
        "plan-actions/<int:pk>/complete/",
        debrief_views.plan_action_complete,
        name="plan-action-complete",
    ),
    path(
        "incidents/<int:pk>/report/",
        fourteen_day_views.fourteen_day_report,
        name="fourteen-day-report",
    ),
    path(
        "incidents/<int:pk>/report/compose/",
        fourteen_day_views.fourteen_day_compose,
        name="fourteen-day-compose",
    ),
    path(
        "incidents/<int:pk>/report/approve/",
        fourteen_day_views.fourteen_day_approve,
        name="fourteen-day-approve",
    ),
    path(
        "incidents/<int:pk>/report.pdf",
        fourteen_day_views.fourteen_day_download,
        name="fourteen-day-report-pdf",
    ),
    path("strategy/", strategy_views.strategy_plan, name="strategy-plan"),
    path("plan-actions/<int:pk>/notes/", strategy_views.plan_action_note, name="plan-action-note"),
    path("reports/six-monthly/", six_monthly_views.six_monthly_list, name="six-monthly-list"),
    path(
        "reports/six-monthly/<int:pk>/",
        six_monthly_views.six_monthly_report,
        name="six-monthly-report",
    ),
    path(
        "reports/six-monthly/<int:pk>.pdf",
        six_monthly_views.six_monthly_download,
        {"file": "pdf"},
        name="six-monthly-report-pdf",
    ),
    path(
        "reports/six-monthly/<int:pk>.csv",
        six_monthly_views.six_monthly_download,
        {"file": "csv"},
        name="six-monthly-report-csv",
    ),
]

api_urlpatterns = [
    path(
        "incidents/<int:pk>/timeline/",
        api.IncidentTimelineView.as_view(),
        name="api-incident-timeline",
    ),
    path(
        "incidents/<int:pk>/timeline/export/",
        api.IncidentTimelineExportView.as_view(),
        name="api-incident-timeline-export",
    ),
    path(
        "incidents/<int:pk>/replay/",
        api.IncidentReplayView.as_view(),
        name="api-incident-replay",
    ),
    path(
        "incidents/<int:pk>/compliance/",
        api.IncidentComplianceView.as_view(),
        name="api-incident-compliance",
    ),
    path("compliance/", api.ComplianceView.as_view(), name="api-compliance"),
    path(
        "people/<int:pk>/timeline/",
        api.PersonTimelineView.as_view(),
        name="api-person-timeline",
    ),
    path(
        "people/<int:pk>/timeline/export/",
        api.PersonTimelineExportView.as_view(),
        name="api-person-timeline-export",
    ),
    path(
        "reports/partnership/",
        api.PartnershipReportView.as_view(),
        name="api-partnership-report",
    ),
    path("access-log/", api.AccessLogView.as_view(), name="api-access-log"),
    path(
        "access-log/integrity/",
        api.AccessLogIntegrityView.as_view(),
        name="api-access-log-integrity",
    ),
    path("incidents/<int:pk>/debrief/", debrief_api.DebriefView.as_view(), name="api-debrief"),
    path(
        "incidents/<int:pk>/debrief/actions/",
        debrief_api.DebriefActionView.as_view(),
        name="api-debrief-action-add",
    ),
    path(
        "plan-actions/<int:pk>/complete/",
        debrief_api.PlanActionCompleteView.as_view(),
        name="api-plan-action-complete",
    ),
    path(
        "incidents/<int:pk>/report/",
        fourteen_day_api.FourteenDayView.as_view(),
        name="api-fourteen-day-report",
    ),
    path(
        "incidents/<int:pk>/report/approve/",
        fourteen_day_api.FourteenDayApproveView.as_view(),
        name="api-fourteen-day-approve",
    ),
    path(
        "incidents/<int:pk>/report/pdf/",
        fourteen_day_api.FourteenDayPdfView.as_view(),
        name="api-fourteen-day-pdf",
    ),
    path(
        "strategy/actions/", debrief_api.StrategyActionsView.as_view(), name="api-strategy-actions"
    ),
    path(
        "plan-actions/<int:pk>/notes/",
        debrief_api.PlanActionNoteView.as_view(),
        name="api-plan-action-note",
    ),
    path(
        "reports/six-monthly/",
        six_monthly_api.SixMonthlyListView.as_view(),
        name="api-six-monthly-list",
    ),
    path(
        "reports/six-monthly/<int:pk>/",
        six_monthly_api.SixMonthlyDetailView.as_view(),
        name="api-six-monthly-report",
    ),
    path(
        "reports/six-monthly/<int:pk>/pdf/",
        six_monthly_api.SixMonthlyFileView.as_view(),
        {"file": "pdf"},
        name="api-six-monthly-pdf",
    ),
    path(
        "reports/six-monthly/<int:pk>/csv/",
        six_monthly_api.SixMonthlyFileView.as_view(),
        {"file": "csv"},
        name="api-six-monthly-csv",
    ),
]
