"""Writes on accounts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from knox.models import AuthToken

from accounts import roles
from accounts.models import User
from accounts.signals import role_changed


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
def user_rotate_api_token(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for ``user`` and its text, which is shown once and never stored
    (only its digest is); the previous token stops working at once. It expires after
    ``ENTRAIDE_API_TOKEN_DAYS`` days, and when the password changes."""
    AuthToken.objects.filter(user=user).delete()
    return AuthToken.objects.create(user=user)


@transaction.atomic
def user_revoke_api_token(*, user: User) -> None:
    AuthToken.objects.filter(user=user).delete()


def user_api_token(user: User) -> AuthToken | None:
    """The person's live token (its expiry for the account page), if any."""
    return AuthToken.objects.filter(user=user).order_by("-created").first()


@transaction.atomic
def user_set_role(*, user: User, role: str, by: User | None, source: str) -> bool:
    """Give ``user`` a city role (resident, staff, coordinator); a change is announced
    (``accounts.signals.role_changed``) and audited by core as ``accounts.user.role_changed``.

    ``source`` says who decided, for example ``oidc`` (the city's identity provider, at
    sign-in). Returns whether the role changed.
    """
    if role not in User.Role.values:
        raise ValueError(f"Unknown role {role!r}")
    previous = User.objects.select_for_update().values_list("role", flat=True).get(pk=user.pk)
    user.role = role
    if previous == role:
        return False
    User.objects.filter(pk=user.pk).update(role=role)
    role_changed.send(sender=User, user=user, previous=previous, role=role, by=by, source=source)
    return True


def groups_in_claims(claims: dict[str, Any], claim: str) -> list[str]:
    """The groups named by ``claim`` (dotted for a nested claim) in an ID token or a
    userinfo answer: a list of strings, or one string; anything else counts as none."""
    value: Any = claims
    for part in claim.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def user_sync_role_from_groups(*, user: User, groups: Iterable[str]) -> bool:
    """At each sign-in through the city's provider the role follows its groups: a group
    added gives the role, a group removed takes it away."""
    return user_set_role(user=user, role=roles.role_from_groups(groups), by=None, source="oidc")
