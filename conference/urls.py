"""Risk conferences: their pages, and their JSON API (included under ``/api/`` by
``config.urls``)."""

from django.urls import path

from conference.api import actions as actions_api
from conference.api import conferences as conferences_api
from conference.api import people as people_api
from conference.api import room as room_api
from conference.api import sharing as sharing_api
from conference.views import actions, conferences, duplicates, people, room

urlpatterns = [
    path("people/", people.person_list, name="person-list"),
    path("people/new/", people.person_create, name="person-create"),
    path("people/duplicates/", duplicates.person_duplicates, name="person-duplicates"),
    path("people/merges/", duplicates.person_merge, name="person-merge"),
    path("people/merges/<int:pk>/undo/", duplicates.person_merge_undo, name="person-merge-undo"),
    path("people/<int:pk>/", people.person_detail, name="person-detail"),
    path("people/<int:pk>/incidents/", people.person_link, name="person-link"),
    path("people/<int:pk>/shares/", people.person_share, name="person-share"),
    path(
        "people/<int:pk>/shares/<int:share_pk>/withdraw/",
        people.person_share_withdraw,
        name="person-share-withdraw",
    ),
    path("flags/", people.flag_list, name="flag-list"),
    path("flags/<int:pk>/dismiss/", people.flag_dismiss, name="flag-dismiss"),
    path("referrals/", people.referral_list, name="referral-list"),
    path("referrals/new/", people.referral_create, name="referral-create"),
    path("referrals/<int:pk>/", people.referral_detail, name="referral-detail"),
    path("conferences/", conferences.conference_list, name="conference-list"),
    path("conferences/new/", conferences.conference_create, name="conference-create"),
    path("conferences/<int:pk>/", conferences.conference_detail, name="conference-detail"),
    path(
        "conferences/<int:pk>/agenda/",
        conferences.conference_agenda_add,
        name="conference-agenda-add",
    ),
    path(
        "conferences/<int:pk>/invitations/", conferences.conference_invite, name="conference-invite"
    ),
    path(
        "conferences/<int:pk>/attendance/",
        conferences.conference_attendance,
        name="conference-attendance",
    ),
    path("conferences/<int:pk>/room/", room.conference_room, name="conference-room"),
    path("conferences/<int:pk>/minutes/", room.conference_minutes, name="conference-minutes"),
    path(
        "conferences/<int:pk>/minutes/corrections/",
        room.conference_minutes_correct,
        name="conference-minutes-correct",
    ),
    path(
        "conferences/<int:pk>/minutes.txt",
        room.conference_minutes_download,
        name="conference-minutes-download",
    ),
    path(
        "conferences/<int:pk>/minutes.pdf",
        room.conference_minutes_pdf,
        name="conference-minutes-pdf",
    ),
    path("agenda-items/<int:pk>/research/", conferences.research_file, name="research-file"),
    path("actions/", actions.action_list, name="action-list"),
    path("actions/<int:pk>/complete/", actions.action_complete, name="action-complete"),
]

api_urlpatterns = [
    path(
        "incidents/<int:pk>/people/",
        people_api.IncidentPeopleView.as_view(),
        name="api-incident-people",
    ),
    path("people/", people_api.PersonListView.as_view(), name="api-people"),
    path(
        "people/duplicates/",
        people_api.PersonDuplicatesView.as_view(),
        name="api-person-duplicates",
    ),
    path("people/merges/", people_api.PersonMergesView.as_view(), name="api-person-merges"),
    path(
        "people/merges/<int:pk>/undo/",
        people_api.PersonMergeUndoView.as_view(),
        name="api-person-merge-undo",
    ),
    path("people/<int:pk>/", people_api.PersonDetailView.as_view(), name="api-person"),
    path(
        "people/<int:pk>/incidents/",
        people_api.PersonIncidentsView.as_view(),
        name="api-person-incidents",
    ),
    path(
        "people/<int:pk>/shares/", sharing_api.PersonSharesView.as_view(), name="api-person-shares"
    ),
    path(
        "people/<int:pk>/shares/<int:share_pk>/withdraw/",
        sharing_api.ShareWithdrawView.as_view(),
        name="api-person-share-withdraw",
    ),
    path("flags/", people_api.FlagListView.as_view(), name="api-flags"),
    path("flags/<int:pk>/dismiss/", people_api.FlagDismissView.as_view(), name="api-flag-dismiss"),
    path("risk-checklist/", people_api.ChecklistView.as_view(), name="api-risk-checklist"),
    path("referrals/", people_api.ReferralListView.as_view(), name="api-referrals"),
    path("referrals/<int:pk>/", people_api.ReferralDetailView.as_view(), name="api-referral"),
    path("conferences/", conferences_api.ConferenceListView.as_view(), name="api-conferences"),
    path(
        "conferences/<int:pk>/",
        conferences_api.ConferenceDetailView.as_view(),
        name="api-conference",
    ),
    path(
        "conferences/<int:pk>/agenda/",
        conferences_api.AgendaView.as_view(),
        name="api-conference-agenda",
    ),
    path(
        "conferences/<int:pk>/invitations/",
        conferences_api.InvitationsView.as_view(),
        name="api-conference-invitations",
    ),
    path(
        "conferences/<int:pk>/attendance/",
        conferences_api.AttendanceView.as_view(),
        name="api-conference-attendance",
    ),
    path("conferences/<int:pk>/open/", room_api.OpenView.as_view(), name="api-conference-open"),
    path("conferences/<int:pk>/move/", room_api.MoveView.as_view(), name="api-conference-move"),
    path(
        "conferences/<int:pk>/conclude/",
        room_api.ConcludeView.as_view(),
        name="api-conference-conclude",
    ),
    path(
        "conferences/<int:pk>/entries/",
        room_api.EntriesView.as_view(),
        name="api-conference-entries",
    ),
    path(
        "conferences/<int:pk>/actions/",
        actions_api.ActionsView.as_view(),
        name="api-conference-actions",
    ),
    path(
        "conferences/<int:pk>/minutes/",
        room_api.MinutesView.as_view(),
        name="api-conference-minutes",
    ),
    path(
        "conferences/<int:pk>/minutes/corrections/",
        room_api.MinutesCorrectView.as_view(),
        name="api-conference-minutes-correct",
    ),
    path(
        "agenda-items/<int:pk>/risk/",
        room_api.AgreeRiskView.as_view(),
        name="api-agenda-risk",
    ),
    path(
        "agenda-items/<int:pk>/research/",
        conferences_api.ResearchView.as_view(),
        name="api-agenda-research",
    ),
    path(
        "actions/<int:pk>/complete/",
        actions_api.ActionCompleteView.as_view(),
        name="api-action-complete",
    ),
]
