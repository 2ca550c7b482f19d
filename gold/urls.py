"""Gold: its pages, and its JSON API (included under ``/api/`` by ``config.urls``)."""

from django.urls import path

from gold import api, views

urlpatterns = [
    path("connections/", views.links, name="gold-links"),
    path("connections/<int:pk>/", views.link_detail, name="gold-link"),
    path("connections/<int:pk>/agree/", views.link_agree, name="gold-link-agree"),
    path("connections/<int:pk>/decline/", views.link_decline, name="gold-link-decline"),
    path("connections/<int:pk>/unlink/", views.link_unlink, name="gold-link-unlink"),
    path("incidents/<int:pk>/connections/", views.incident_links, name="gold-incident-links"),
    path("incidents/<int:pk>/gold-group/", views.group_convene, name="gold-group-convene"),
    path("gold-groups/", views.groups, name="gold-groups"),
    path("gold-groups/<int:pk>/", views.group_detail, name="gold-group"),
    path("gold-groups/<int:pk>/share/", views.group_share, name="gold-group-share"),
    path("gold-groups/<int:pk>/decisions/", views.group_decide, name="gold-group-decide"),
    path("gold-groups/<int:pk>/seats/", views.group_seat, name="gold-group-seat"),
    path("gold-groups/<int:pk>/stand-down/", views.group_stand_down, name="gold-group-stand-down"),
    path("gold-groups/<int:pk>/comms/", views.group_comms, name="gold-group-comms"),
    path("comms/<int:pk>/approve/", views.comms_approve, name="gold-comms-approve"),
    path("comms/<int:pk>/sent/", views.comms_sent, name="gold-comms-sent"),
    path("comms/<int:pk>/answer/", views.comms_answer, name="gold-comms-answer"),
]

api_urlpatterns = [
    path("connections/", api.LinksView.as_view(), name="api-links"),
    path("connections/<int:pk>/", api.LinkView.as_view(), name="api-link"),
    path("connections/<int:pk>/agree/", api.LinkAgreeView.as_view(), name="api-link-agree"),
    path("connections/<int:pk>/decline/", api.LinkDeclineView.as_view(), name="api-link-decline"),
    path("connections/<int:pk>/unlink/", api.LinkUnlinkView.as_view(), name="api-link-unlink"),
    path(
        "incidents/<int:pk>/connections/",
        api.IncidentLinksView.as_view(),
        name="api-incident-connections",
    ),
    path("gold-groups/", api.GroupsView.as_view(), name="api-gold-groups"),
    path("gold-groups/<int:pk>/", api.GroupView.as_view(), name="api-gold-group"),
    path("gold-groups/<int:pk>/share/", api.GroupShareView.as_view(), name="api-gold-group-share"),
    path(
        "gold-groups/<int:pk>/decisions/",
        api.GroupDecisionsView.as_view(),
        name="api-gold-group-decisions",
    ),
    path("gold-groups/<int:pk>/comms/", api.GroupCommsView.as_view(), name="api-gold-group-comms"),
    path("gold-groups/<int:pk>/seats/", api.GroupSeatsView.as_view(), name="api-gold-group-seats"),
    path(
        "gold-groups/<int:pk>/stand-down/",
        api.GroupStandDownView.as_view(),
        name="api-gold-group-stand-down",
    ),
    path("comms/<int:pk>/approve/", api.CommsApproveView.as_view(), name="api-comms-approve"),
    path("comms/<int:pk>/sent/", api.CommsSentView.as_view(), name="api-comms-sent"),
    path("comms/<int:pk>/answer/", api.CommsAnswerView.as_view(), name="api-comms-answer"),
]
