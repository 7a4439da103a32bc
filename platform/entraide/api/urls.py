"""``/api/v1/``: one router for every app's API."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from associations.api import OrganisationViewSet
from core.api import CategoryViewSet, MeView, SectorViewSet, TokenView
from matching.api import BatchRunView, MatchViewSet, SuggestionsView
from needs.api import NeedViewSet
from notifications.api import (
    NotificationViewSet,
    PreferenceView,
    StaffNotificationViewSet,
    UrgentCallViewSet,
)
from offers.api import HostCharterView, OfferViewSet

router = DefaultRouter()
router.register("sectors", SectorViewSet, basename="sector")
router.register("categories", CategoryViewSet, basename="category")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("needs", NeedViewSet, basename="need")
router.register("offers", OfferViewSet, basename="offer")
router.register("matches", MatchViewSet, basename="match")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("staff/notifications", StaffNotificationViewSet, basename="staff-notification")
router.register("staff/urgent-calls", UrgentCallViewSet, basename="staff-urgent-call")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("me/token/", TokenView.as_view(), name="me-token"),
    path("notification-preferences/", PreferenceView.as_view(), name="notification-preferences"),
    path("matching/suggestions/", SuggestionsView.as_view(), name="matching-suggestions"),
    path("matching/batch-runs/", BatchRunView.as_view(), name="matching-batch-runs"),
    path("host-charter/", HostCharterView.as_view(), name="host-charter"),
    path("", include(router.urls)),
]
