"""Authentication backends that refuse a staff password when the city's single sign-on
is the only way in for staff (``ENTRAIDE_STAFF_LOCAL_PASSWORDS=false``).

Both paths that check a password go through here: allauth's sign-in form and Django's
admin login. The e-mailed code does not check a password; the account adapter refuses it.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import backends

from accounts import roles


class ModelBackend(backends.ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and roles.may_sign_in_locally(user)


class AllauthBackend(AuthenticationBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and roles.may_sign_in_locally(user)
