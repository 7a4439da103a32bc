"""API tokens: django-rest-knox keeps only a SHA-512 digest of each token and an expiry;
this adds that a token made before its owner's last password change no longer works."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user = auth_token.user
        changed = user.password_changed_at
        if changed is not None and auth_token.created < changed:
            auth_token.delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().validate_user(auth_token)
