"""``/api/v1/``: one router for every app's API."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import MeView, TokenView
from core.api import CategoryViewSet, SectorViewSet
from notifications.api import (
    NotificationViewSet,
    PreferenceViewSet,
    StaffNotificationViewSet,
    UrgentCallViewSet,
)

router = DefaultRouter()
router.register("sectors", SectorViewSet, basename="sector")
router.register("categories", CategoryViewSet, basename="category")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("notification-preferences", PreferenceViewSet, basename="notification-preferences")
router.register("staff/notifications", StaffNotificationViewSet, basename="staff-notification")
router.register("staff/urgent-calls", UrgentCallViewSet, basename="staff-urgent-call")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("me/token/", TokenView.as_view(), name="me-token"),
    path("", include(router.urls)),
]
