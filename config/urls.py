from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from conference import urls as conference_urls
from escalation import api as escalation_api
from notifications import api as notifications_api
from partnership import api as partnership_api
from partnership import views as partnership_views
from partnership.calendar import api as calendar_api
from partnership.calendar import views as calendar_views
from review import urls as review_urls

api_patterns = [
    path("auth/token/", partnership_api.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", partnership_api.TokenListView.as_view(), name="api-tokens"),
    path(
        "auth/tokens/<str:ref>/revoke/",
        partnership_api.TokenRevokeView.as_view(),
        name="api-token-revoke",
    ),
    path("me/", partnership_api.MeView.as_view(), name="api-me"),
    path("agencies/", partnership_api.AgencyListView.as_view(), name="api-agencies"),
    path("members/", partnership_api.MemberListView.as_view(), name="api-members"),
    path("members/<int:pk>/", partnership_api.MemberDetailView.as_view(), name="api-member"),
    path("incidents/", escalation_api.IncidentListView.as_view(), name="api-incidents"),
    path("incidents/<int:pk>/", escalation_api.IncidentDetailView.as_view(), name="api-incident"),
    path(
        "incidents/<int:pk>/determination/",
        escalation_api.DeterminationView.as_view(),
        name="api-incident-determination",
    ),
    path(
        "incidents/<int:pk>/stand-down/",
        escalation_api.StandDownView.as_view(),
        name="api-incident-stand-down",
    ),
    path(
        "incidents/<int:pk>/close/", escalation_api.CloseView.as_view(), name="api-incident-close"
    ),
    path(
        "incidents/<int:pk>/duties/",
        escalation_api.IncidentDutiesView.as_view(),
        name="api-incident-duties",
    ),
    path(
        "duties/<int:pk>/complete/",
        escalation_api.DutyCompleteView.as_view(),
        name="api-duty-complete",
    ),
    path("duties/<int:pk>/waive/", escalation_api.DutyWaiveView.as_view(), name="api-duty-waive"),
    path(
        "incidents/<int:pk>/links/",
        escalation_api.IncidentLinkView.as_view(),
        name="api-incident-links",
    ),
    path(
        "incidents/<int:pk>/situation-reports/",
        escalation_api.SituationReportView.as_view(),
        name="api-incident-situation-reports",
    ),
    path(
        "notifications/", notifications_api.NotificationListView.as_view(), name="api-notifications"
    ),
    path(
        "notifications/<int:pk>/acknowledge/",
        notifications_api.AcknowledgeView.as_view(),
        name="api-notification-acknowledge",
    ),
    path(
        "notifications/<int:pk>/reply/",
        notifications_api.ReplyView.as_view(),
        name="api-notification-reply",
    ),
    *conference_urls.api_urlpatterns,
    *review_urls.api_urlpatterns,
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
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script from ?script= (same origin), not inline, as the
    # Content-Security-Policy requires.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="partnership/swagger_ui.html"
        ),
        name="api-docs",
    ),
]

urlpatterns = [
    path("", partnership_views.home, name="home"),
    path("healthz", partnership_views.healthz, name="healthz"),
    path("accounts/login/", partnership_views.LoginView.as_view(), name="login"),
    path("accounts/second-factor/", partnership_views.second_factor, name="second-factor"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", partnership_views.account_tokens, name="account-tokens"),
    path(
        "account/tokens/<str:ref>/revoke/",
        partnership_views.account_token_revoke,
        name="account-token-revoke",
    ),
    path(
        "account/second-factor/",
        partnership_views.account_second_factor,
        name="account-second-factor",
    ),
    path("directory/", partnership_views.directory, name="directory"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/days/", calendar_views.calendar_day_add, name="calendar-day-add"),
    path("calendar/days/remove/", calendar_views.calendar_day_remove, name="calendar-day-remove"),
    path("", include("escalation.urls")),
    path("", include("notifications.urls")),
    path("", include("conference.urls")),
    path("", include("review.urls")),
    # One sign-in page for everyone, so the login throttle cannot be sidestepped through admin.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="admin-login",
    ),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
]
