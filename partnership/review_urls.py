"""The gold group's review pages (their JSON API is under ``/api/``, in ``config.urls``)."""

from django.urls import path

from partnership import review_views as views

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
