"""API tokens: django-rest-knox keeps only a SHA-512 digest of each token and an expiry;
this adds that a token made before its owner's last password change no longer works, and
reads one row per request, not every token of the person."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.signals import token_expired
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user = auth_token.user
        changed = user.password_changed_at
        if changed is not None and auth_token.created < changed:
            auth_token.delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().validate_user(auth_token)

    def _cleanup_token(self, auth_token: Any) -> bool:
        """The token presented, expired, is deleted and refused, as knox does. knox also
        reads every other token of its owner, on every request, to delete those that
        expired: a person holds one token at a time (``user_rotate_api_token``) and the
        nightly purge deletes every expired token (``privacy/services.py``), so that
        query is left out."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class TokenScheme(OpenApiAuthenticationExtension):
    """The scheme in the OpenAPI schema: ``Authorization: Token <token>``, as before."""

    target_class = "accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication with required prefix "Token"',
        }
