"""Oversight: its pages, and its JSON API (included under ``/api/`` by ``config.urls``)."""

from django.urls import path

from oversight import api, views

urlpatterns = [
    path("oversight/", views.figures, name="oversight"),
    path("oversight/figures.csv", views.figures_download, name="oversight-csv"),
    path("scrutiny/", views.scrutiny_list, name="scrutiny-list"),
    path("scrutiny/<int:pk>/", views.scrutiny_detail, name="scrutiny-detail"),
    path("scrutiny/<int:pk>/answer/", views.scrutiny_answer, name="scrutiny-answer"),
    path("scrutiny/<int:pk>/close/", views.scrutiny_close, name="scrutiny-close"),
]

api_urlpatterns = [
    path("oversight/figures/", api.FiguresView.as_view(), name="api-oversight-figures"),
    path("scrutiny/", api.ScrutinyListView.as_view(), name="api-scrutiny-requests"),
    path("scrutiny/<int:pk>/", api.ScrutinyDetailView.as_view(), name="api-scrutiny-request"),
    path("scrutiny/<int:pk>/answer/", api.ScrutinyAnswerView.as_view(), name="api-scrutiny-answer"),
    path("scrutiny/<int:pk>/close/", api.ScrutinyCloseView.as_view(), name="api-scrutiny-close"),
]
