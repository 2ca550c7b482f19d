"""The partnership's own pages (home, sign-in, the member's account, the directory, the calendar)
and its JSON API (tokens, members, agencies, calendars; included under ``/api/`` by
``config.urls``)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from partnership import api, views
from partnership.calendar import api as calendar_api
from partnership.calendar import views as calendar_views

urlpatterns = [
    path("", views.home, name="home"),
    path("home/worklist/", views.home_worklist, name="home-worklist"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/second-factor/", views.second_factor, name="second-factor"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", views.account_tokens, name="account-tokens"),
    path(
        "account/tokens/<str:ref>/revoke/",
        views.account_token_revoke,
        name="account-token-revoke",
    ),
    path(
        "account/second-factor/",
        views.account_second_factor,
        name="account-second-factor",
    ),
    path("directory/", views.directory, name="directory"),
    path("partnership/", views.partnership_choose, name="partnership-choose"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/days/", calendar_views.calendar_day_add, name="calendar-day-add"),
    path("calendar/days/remove/", calendar_views.calendar_day_remove, name="calendar-day-remove"),
]

api_urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", api.TokenListView.as_view(), name="api-tokens"),
    path(
        "auth/tokens/<str:ref>/revoke/",
        api.TokenRevokeView.as_view(),
        name="api-token-revoke",
    ),
    path("me/", api.MeView.as_view(), name="api-me"),
    path("agencies/", api.AgencyListView.as_view(), name="api-agencies"),
    path("members/", api.MemberListView.as_view(), name="api-members"),
    path("members/<int:pk>/", api.MemberDetailView.as_view(), name="api-member"),
    path("calendars/", calendar_api.CalendarListView.as_view(), name="api-calendars"),
    path(
        "calendars/<str:division>/days/",
        calendar_api.CalendarDaysView.as_view(),
        name="api-calendar-days",
    ),
    path(
        "calendars/<str:division>/days/remove/",
        calendar_api.CalendarDayRemoveView.as_view(),
        name="api-calendar-day-remove",
    ),
]
