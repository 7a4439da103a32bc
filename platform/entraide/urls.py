from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView

from accounts import views as account_views
from associations import views as association_views
from associations.urls import staff_urlpatterns as associations_staff_patterns
from core import views as core_views
from core.api_docs import ApiDocsView
from matching.urls import staff_urlpatterns as matching_staff_patterns
from needs.urls import staff_urlpatterns as needs_staff_patterns
from notifications.urls import staff_urlpatterns as notifications_staff_patterns
from offers.urls import staff_urlpatterns as offers_staff_patterns
from privacy.urls import staff_urlpatterns as privacy_staff_patterns
from reports.urls import staff_urlpatterns as reports_staff_patterns

admin.site.site_header = _("Entraide administration")
admin.site.site_title = _("Entraide administration")

accounts_patterns = (
    [
        path("", account_views.profile, name="profile"),
        path("api-token/", account_views.api_token, name="api-token"),
    ],
    "accounts",
)

urlpatterns = [
    # First: the API's requests resolve without trying the thirty groups of pages before
    # it (a fifth of a millisecond each); no page lives under api/v1/.
    path("api/v1/", include(("entraide.api.urls", "api"))),
    path("", core_views.HomeView.as_view(), name="home"),
    path("accessibilite/", core_views.AccessibilityView.as_view(), name="accessibility"),
    path("confidentialite/", core_views.PrivacyView.as_view(), name="privacy"),
    path("trouver-de-l-aide/", association_views.find_help, name="find-help"),
    path("langue/", core_views.set_language, name="set-language"),
    path("healthz", core_views.healthz, name="healthz"),
    path("equipe/", core_views.StaffHomeView.as_view(), name="staff-home"),
    path("equipe/lancement/", core_views.LaunchGuideView.as_view(), name="launch-guide"),
    path("equipe/compteurs/", core_views.staff_counts, name="staff-counts"),
    path("equipe/prendre/<str:kind>/<int:pk>/", core_views.claim_take_view, name="claim-take"),
    path(
        "equipe/liberer/<str:kind>/<int:pk>/", core_views.claim_release_view, name="claim-release"
    ),
    path("equipe/", include(notifications_staff_patterns)),
    path("equipe/", include(associations_staff_patterns)),
    path("equipe/", include(needs_staff_patterns)),
    path("equipe/", include(offers_staff_patterns)),
    path("offres/", include("offers.urls")),
    path("equipe/", include(matching_staff_patterns)),
    path("equipe/", include(reports_staff_patterns)),
    path("equipe/imports/", include("imports.urls")),
    path("equipe/", include(privacy_staff_patterns)),
    path("", include("privacy.urls")),
    path("mises-en-relation/", include("matching.urls")),
    path("associations/", include("associations.urls")),
    path("besoins/", include("needs.urls")),
    path("", include("reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("compte/", include(accounts_patterns)),
    path("compte/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
