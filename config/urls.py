"""The service's addresses: each app's pages (its ``urlpatterns``) and JSON API under ``/api/``
(its ``api_urlpatterns``), the API's schema and documentation, and the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from casework import urls as casework_urls
from conference import urls as conference_urls
from escalation import urls as escalation_urls
from gold import urls as gold_urls
from notifications import urls as notifications_urls
from oversight import urls as oversight_urls
from partnership import urls as partnership_urls
from partnership import views as partnership_views
from review import urls as review_urls

api_patterns = [
    *partnership_urls.api_urlpatterns,
    *escalation_urls.api_urlpatterns,
    *notifications_urls.api_urlpatterns,
    *conference_urls.api_urlpatterns,
    *casework_urls.api_urlpatterns,
    *review_urls.api_urlpatterns,
    *oversight_urls.api_urlpatterns,
    *gold_urls.api_urlpatterns,
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

# A database that cannot serve is a 503 with when to retry, wherever it is met.
handler500 = "partnership.middleware.server_error"

urlpatterns = [
    path("", include("partnership.urls")),
    path("", include("escalation.urls")),
    path("", include("notifications.urls")),
    path("", include("conference.urls")),
    path("", include("casework.urls")),
    path("", include("review.urls")),
    path("", include("oversight.urls")),
    path("", include("gold.urls")),
    # One sign-in page for everyone, so the login throttle cannot be sidestepped through admin.
    path(
        "admin/login/",
        partnership_views.admin_login,
        name="admin-login",
    ),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
]
