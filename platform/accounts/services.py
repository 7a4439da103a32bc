"""Writes on accounts."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import User


@transaction.atomic
def user_update_profile(
    *, user: User, display_name: str, preferred_language: str, phone: str
) -> User:
    user.display_name = display_name.strip()
    user.preferred_language = preferred_language
    user.phone = phone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "preferred_language", "phone"])
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    user.preferred_language = language


@transaction.atomic
def user_rotate_api_token(*, user: User) -> Token:
    """A new API token for ``user``; the previous one stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def user_revoke_api_token(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
