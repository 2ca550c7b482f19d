"""Pages of risk conferences (their JSON API is under ``/api/``, in ``config.urls``)."""

from django.urls import path

from conference import views

urlpatterns = [
    path("people/", views.person_list, name="person-list"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/incidents/", views.person_link, name="person-link"),
    path("flags/", views.flag_list, name="flag-list"),
    path("flags/<int:pk>/dismiss/", views.flag_dismiss, name="flag-dismiss"),
    path("referrals/", views.referral_list, name="referral-list"),
    path("referrals/new/", views.referral_create, name="referral-create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral-detail"),
    path("conferences/", views.conference_list, name="conference-list"),
    path("conferences/new/", views.conference_create, name="conference-create"),
    path("conferences/<int:pk>/", views.conference_detail, name="conference-detail"),
    path("conferences/<int:pk>/agenda/", views.conference_agenda_add, name="conference-agenda-add"),
    path("conferences/<int:pk>/invitations/", views.conference_invite, name="conference-invite"),
    path(
        "conferences/<int:pk>/attendance/",
        views.conference_attendance,
        name="conference-attendance",
    ),
    path("conferences/<int:pk>/room/", views.conference_room, name="conference-room"),
    path("conferences/<int:pk>/minutes/", views.conference_minutes, name="conference-minutes"),
    path(
        "conferences/<int:pk>/minutes.txt",
        views.conference_minutes_download,
        name="conference-minutes-download",
    ),
    path("agenda-items/<int:pk>/research/", views.research_file, name="research-file"),
    path("actions/", views.action_list, name="action-list"),
    path("actions/<int:pk>/complete/", views.action_complete, name="action-complete"),
]
