from django.urls import path

from notifications import views

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
