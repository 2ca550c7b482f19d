"""The escalation engine: its pages, and its JSON API (included under ``/api/`` by
``config.urls``)."""

from django.urls import path

from escalation import api, views

urlpatterns = [
    path("incidents/", views.incident_list, name="incident-list"),
    path("incidents/new/", views.incident_report, name="incident-report"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident-detail"),
    path(
        "incidents/<int:pk>/determination/",
        views.incident_determine,
        name="incident-determine",
    ),
    path("incidents/<int:pk>/assess/", views.incident_assess, name="incident-assess"),
    path("incidents/<int:pk>/stand-down/", views.incident_stand_down, name="incident-stand-down"),
    path("incidents/<int:pk>/close/", views.incident_close, name="incident-close"),
    path(
        "incidents/<int:pk>/situation-reports/",
        views.incident_situation_report,
        name="incident-situation-report",
    ),
    path("duties/<int:pk>/complete/", views.duty_complete, name="duty-complete"),
    path("duties/<int:pk>/waive/", views.duty_waive, name="duty-waive"),
    path("board/", views.board, name="incident-board"),
    path("board/fragment/", views.board_fragment, name="incident-board-fragment"),
]

api_urlpatterns = [
    path("incidents/", api.IncidentListView.as_view(), name="api-incidents"),
    path("incidents/<int:pk>/", api.IncidentDetailView.as_view(), name="api-incident"),
    path(
        "incidents/<int:pk>/determination/",
        api.DeterminationView.as_view(),
        name="api-incident-determination",
    ),
    path(
        "incidents/<int:pk>/stand-down/",
        api.StandDownView.as_view(),
        name="api-incident-stand-down",
    ),
    path("incidents/<int:pk>/close/", api.CloseView.as_view(), name="api-incident-close"),
    path(
        "incidents/<int:pk>/duties/",
        api.IncidentDutiesView.as_view(),
        name="api-incident-duties",
    ),
    path(
        "duties/<int:pk>/complete/",
        api.DutyCompleteView.as_view(),
        name="api-duty-complete",
    ),
    path("duties/<int:pk>/waive/", api.DutyWaiveView.as_view(), name="api-duty-waive"),
    path(
        "incidents/<int:pk>/links/",
        api.IncidentLinkView.as_view(),
        name="api-incident-links",
    ),
    path(
        "incidents/<int:pk>/situation-reports/",
        api.SituationReportView.as_view(),
        name="api-incident-situation-reports",
    ),
]
