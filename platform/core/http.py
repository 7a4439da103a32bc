from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


def account(request: HttpRequest | Request) -> User:
    """The signed-in person of a request that passed an authentication check."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionError("This needs a signed-in person.")
    return user


class AuthenticatedRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user has an account."""

    user: User
