"""How the API reports errors: a domain refusal is a 400 with its explanation."""

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message), "code": exc.code}, status=400)
    return drf_exception_handler(exc, context)
