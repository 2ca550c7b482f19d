"""Pages of the escalation engine (its JSON API is under ``/api/``, in ``config.urls``)."""

from django.urls import path

from escalation import views

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
