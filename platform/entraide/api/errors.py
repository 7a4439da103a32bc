"""How the API reports errors: a domain refusal is a 400 with its explanation; a service
refusing someone who is not allowed (``PermissionError``) is a 403, never a 500."""

from typing import Any

from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message), "code": exc.code}, status=400)
    if isinstance(exc, PermissionError):
        return drf_exception_handler(PermissionDenied(str(exc)), context)
    return drf_exception_handler(exc, context)
