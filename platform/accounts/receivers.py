"""A password changed, set or reset through allauth's pages revokes the person's API token.

Tokens made before ``User.password_changed_at`` are refused anyway
(``accounts.authentication``), whatever changed the password; this also removes the row.
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset, password_set
from django.dispatch import receiver

from accounts.services import user_revoke_api_token


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def _revoke_api_token(*, user: Any, **kwargs: Any) -> None:
    user_revoke_api_token(user=user)
