"""``/api/v1/``: one router for every app's API."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import MeView, TokenView
from core.api import SectorViewSet

router = DefaultRouter()
router.register("sectors", SectorViewSet, basename="sector")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("me/token/", TokenView.as_view(), name="me-token"),
    path("", include(router.urls)),
]
