"""Small helpers that views and API views share to read requests safely."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django.db import models
from django.http import Http404, HttpRequest
from rest_framework.request import Request

from accounts.http import AuthenticatedRequest
from accounts.models import User

__all__ = ["BIGINT_MAX", "AuthenticatedRequest", "account", "object_or_404", "parse_id"]

# Ids are PostgreSQL bigints: ASCII digits only ("²".isdigit() is true in Python, and int()
# refuses it), and no more than the column holds.
_DIGITS = re.compile(r"[0-9]{1,19}")
BIGINT_MAX = 2**63 - 1

M = TypeVar("M", bound=models.Model)


def account(request: HttpRequest | Request) -> User:
    """The signed-in person of a request that passed an authentication check."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionError("This needs a signed-in person.")
    return user


def parse_id(value: Any, *, allow_zero: bool = False) -> int | None:
    """``value`` as a database id (a positive bigint), or None if it is not one."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    if number > BIGINT_MAX or (number == 0 and not allow_zero):
        return None
    return number


def object_or_404(queryset: models.QuerySet[M] | type[M], value: Any) -> M:
    """The object whose id ``value`` (a request parameter) names, or a 404 when the value
    is missing, not an id, or names nothing ``queryset`` holds: the same answer whether
    the object does not exist or is not the reader's."""
    manager = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    pk = parse_id(value)
    found = manager.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise Http404
    return found
