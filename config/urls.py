from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from escalation import api as escalation_api
from notifications import api as notifications_api
from partnership import api as partnership_api
from partnership import views as partnership_views

api_patterns = [
    path("auth/token/", partnership_api.TokenView.as_view(), name="api-token"),
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
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", partnership_views.home, name="home"),
    path("healthz", partnership_views.healthz, name="healthz"),
    path("accounts/login/", partnership_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("directory/", partnership_views.directory, name="directory"),
    path("", include("escalation.urls")),
    path("", include("notifications.urls")),
    # One sign-in page for everyone, so the login throttle cannot be sidestepped through admin.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="admin-login",
    ),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
]
