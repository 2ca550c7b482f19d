"""Notifications: the inbox, the acknowledge link and contact channels, and their JSON API
(included under ``/api/`` by ``config.urls``)."""

from django.urls import path

from notifications import api, views

urlpatterns = [
    path("n/ack/<str:token>/", views.ack_link, name="notification-ack-link"),
    path("inbox/", views.inbox, name="inbox"),
    path(
        "inbox/<int:pk>/acknowledge/",
        views.notification_acknowledge,
        name="notification-acknowledge",
    ),
    path("inbox/<int:pk>/reply/", views.notification_reply, name="notification-reply"),
    path("account/channels/", views.contact_channels, name="notification-channels"),
]

api_urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="api-notifications"),
    path(
        "notifications/<int:pk>/acknowledge/",
        api.AcknowledgeView.as_view(),
        name="api-notification-acknowledge",
    ),
    path(
        "notifications/<int:pk>/reply/",
        api.ReplyView.as_view(),
        name="api-notification-reply",
    ),
]
