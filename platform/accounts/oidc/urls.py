"""The sign-in and callback addresses of the city's provider, through our adapter.

allauth builds a provider's URLs from the package of its class, so these replace the
stock ones (same names, same paths: ``/compte/oidc/<provider>/login/[callback/]``).
"""

from __future__ import annotations

from allauth.account.internal.decorators import login_not_required
from allauth.socialaccount import app_settings
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, re_path

from accounts.oidc.provider import SignedIDTokenAdapter


@login_not_required
def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        return OAuth2LoginView.adapter_view(SignedIDTokenAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


@login_not_required
def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        return OAuth2CallbackView.adapter_view(SignedIDTokenAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


urlpatterns = [
    path(
        f"{app_settings.OPENID_CONNECT_URL_PREFIX}/",
        include(
            [
                re_path(
                    r"^(?P<provider_id>[^/]+)/",
                    include(
                        [
                            path("login/", login, name="openid_connect_login"),
                            path("login/callback/", callback, name="openid_connect_callback"),
                        ]
                    ),
                )
            ]
        ),
    )
]
