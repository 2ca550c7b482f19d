"""The gold group's review: its pages, and its JSON API (included under ``/api/`` by
``config.urls``). Addresses and names are those the pages and clients have always used."""

from django.urls import path

from review import api, views

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
]
