from django.urls import path

from notifications import views

urlpatterns = [
    path("n/ack/<str:token>/", views.ack_link, name="notification-ack-link"),
]
