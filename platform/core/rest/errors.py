"""How the API reports errors, in one place.

- 400: the request does not match what the schema says the operation accepts (a missing
  field, a wrong type, a value out of its documented range, a body that is not an
  object): the fields and their messages.
- 422: the request matches the schema but a rule about its content refuses it, one the
  schema cannot say (a housing offer needs an address, a donation does not; a phone number
  needs 6 to 15 digits; a district id names no district): the same body as a 400.
- 409: the request is fine but the current state refuses it (a transition the lifecycle
  does not allow, a proposal already answered or expired, the last bed already taken).
- 403: the person may not do this (``PermissionError``, or a ``DomainError`` coded
  ``forbidden``).
Refusals by a rule carry ``detail`` (the sentence the pages show) and ``code`` (stable, for
programs). Never a 500.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
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
        "not_failed", "not_optional", "no_recipients",
    }
)  # fmt: skip


# DRF's error codes for what the schema itself says (types, presence, lengths, ranges,
# choices): breaking one is a 400. When every code is another one (a validator's
# "invalid_phone", a related id that names nothing), a rule on the content refused it: a 422.
SCHEMA_CODES = frozenset(
    {
        "required", "null", "blank", "invalid", "empty", "not_a_list", "not_a_dict",
        "max_length", "min_length", "max_value", "min_value", "max_string_length",
        "invalid_choice", "incorrect_type", "incorrect_json_type", "incorrect_match",
        "parse_error", "date",
        "datetime", "overflow", "max_digits", "max_decimal_places", "max_whole_digits",
    }
)  # fmt: skip


class Unprocessable(APIException):
    """A view's own rule about how parameters go together (one of two is required)."""

    status_code = 422
    default_detail = "This combination of parameters is not accepted."
    default_code = "unprocessable"


def _codes(tree: Any) -> set[str]:
    if isinstance(tree, dict):
        return set().union(*(_codes(value) for value in tree.values()))
    if isinstance(tree, list):
        return set().union(*(_codes(value) for value in tree))
    return {str(tree)}


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
        # A model's own validation, run by a service: a rule on the content.
        return Response({"detail": exc.messages, "code": "invalid_content"}, status=422)
    response = drf_exception_handler(exc, context)
    # A body breaking the schema somewhere is a 400, even if a rule refuses another field.
    is_rule = isinstance(exc, ValidationError) and not _codes(exc.get_codes()) & SCHEMA_CODES
    if response is not None and is_rule:
        response.status_code = 422
    code = getattr(getattr(exc, "detail", None), "code", None)
    if response is not None and isinstance(response.data, dict) and code is not None:
        response.data.setdefault("code", code)
    if response is not None and isinstance(response.data, list):
        # ``ValidationError("...")`` gives a bare list: every error body is an object.
        response.data = {"detail": response.data}
    return response
