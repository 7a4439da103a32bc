"""How the API reports errors, in one place.

- 400: the request does not match what the operation accepts (a missing field, a wrong
  type, a bad cursor, a body that is not an object): the fields and their messages.
- 422: the request matches the schema but a rule about its content refuses it, one the
  schema cannot say (a housing offer needs an address, a donation does not; a reason is
  required; a text looks like it holds a phone number).
- 409: the request is fine but the current state refuses it (a transition the lifecycle
  does not allow, a proposal already answered or expired, the last bed already taken).
- 403: the person may not do this (``PermissionError``, or a ``DomainError`` coded
  ``forbidden``).
Refusals by a rule carry ``detail`` (the sentence the pages show) and ``code`` (stable, for
programs). Never a 500.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError

# Codes of DomainError that are about the state of things, not the request's content.
CONFLICT_CODES = frozenset(
    {
        "transition_refused", "answered", "expired", "withdrawn", "nothing_left",
        "already_proposed", "already_verified", "already_refused", "already_member",
        "not_editable", "not_verified", "not_published", "not_refused", "vetting_incomplete",
        "owned", "last_admin", "invitation_invalid", "not_housing", "limit_reached",
        "not_failed", "not_optional",
    }
)  # fmt: skip


def domain_error_status(error: DomainError) -> int:
    if error.code == "forbidden":
        return 403
    return 409 if error.code in CONFLICT_CODES else 422


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(
            {"detail": str(exc.message), "code": exc.code}, status=domain_error_status(exc)
        )
    if isinstance(exc, PermissionError):
        return drf_exception_handler(PermissionDenied(str(exc)), context)
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError({"detail": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # ``ValidationError("...")`` gives a bare list: every error body is an object.
        response.data = {"detail": response.data}
    return response
