"""allauth adapters: how sign-up, sign-in and the city's single sign-on fit our rules."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from accounts.services import groups_in_claims, user_sync_role_from_groups

# The provider_id of the city's identity provider in SOCIALACCOUNT_PROVIDERS (settings).
CITY_PROVIDER = "ville"
logger = logging.getLogger(__name__)


def city_claims(sociallogin: SocialLogin) -> dict[str, Any]:
    """What the city's provider said about the person: the ID token's claims, completed by
    the userinfo answer (the ID token wins where both speak)."""
    data = sociallogin.account.extra_data or {}
    return {**(data.get("userinfo") or {}), **(data.get("id_token") or {})}


def city_groups(sociallogin: SocialLogin) -> list[str]:
    return groups_in_claims(city_claims(sociallogin), str(settings.ENTRAIDE_OIDC["groups_claim"]))


def _is_city_login(sociallogin: SocialLogin | None) -> bool:
    return sociallogin is not None and sociallogin.account.provider == CITY_PROVIDER


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "")
        language = translation.get_language()
        if language in dict(settings.ENTRAIDE_FULL_LANGUAGES):
            user.preferred_language = language
        if commit:
            user.save()
        return user

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        refused = super().pre_login(request, user, **kwargs)
        if refused is not None:
            return refused
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        if _is_city_login(sociallogin):
            # The role follows the provider's groups at every sign-in, before the session
            # starts, so that a removed group never opens a staff page again.
            user_sync_role_from_groups(user=user, groups=city_groups(sociallogin))
            request.city_sign_in = True  # type: ignore[attr-defined]
            return None
        if sociallogin is None and not roles.may_sign_in_locally(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            messages.error(
                request,
                _("City staff sign in with the city's account: use the button below."),
            )
            return redirect("account_login")
        return None

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Through the city's provider a staff member lands in the staff area.
        if getattr(request, "city_sign_in", False) and roles.is_staff_member(request.user):
            return reverse("staff-home")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # A staff member's first sign-in through the city's provider is a sign-up.
        if getattr(request, "city_sign_in", False) and roles.is_staff_member(request.user):
            return reverse("staff-home")
        return super().get_signup_redirect_url(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Only the city's identity provider is configured, and only for its staff."""

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if not _is_city_login(sociallogin):
            return
        # The first sign-in of a city identity needs a staff group: nobody gets an account
        # through the city's provider without one (residents and associations sign up with
        # their e-mail address), and no existing account is entered through an address the
        # provider vouches for unless its groups make that person city staff. Someone
        # already connected who lost the group signs in with no staff role.
        first_time = sociallogin.account.pk is None
        if first_time and roles.role_from_groups(city_groups(sociallogin)) == User.Role.RESIDENT:
            raise ImmediateHttpResponse(render(request, "accounts/oidc_no_access.html", status=403))

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: Any) -> User:
        user: User = super().populate_user(request, sociallogin, data)
        claims = city_claims(sociallogin)
        user.display_name = str(claims.get("given_name") or claims.get("name") or "")[:80]
        language = translation.get_language()
        if language in dict(settings.ENTRAIDE_FULL_LANGUAGES):
            user.preferred_language = language
        return user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: BaseException | None = None,
        extra_context: Any = None,
    ) -> None:
        # A refused ID token (bad signature, wrong audience, expired) lands here: say why
        # in the log for the city's security officer; the person sees a plain page.
        logger.warning(
            "Sign-in through %s refused: %s %r",
            getattr(provider, "id", provider),
            error,
            exception.__cause__ if exception is not None and exception.__cause__ else exception,
        )
