"""The OpenAPI schema tells the truth about errors too: every operation documents the
error answers it can give (``core.rest.errors`` says which is which)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_Error = inline_serializer(
    "Error",
    {
        "detail": serializers.CharField(help_text="What went wrong, in the reader's language."),
        "code": serializers.CharField(
            required=False, help_text="A stable code for programs, on refusals by a rule."
        ),
    },
)
_Invalid = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": True,
        "description": "Each refused field (or ``detail``) with its messages.",
    },
    description="The request does not match what this operation accepts.",
)


_Refused = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": True,
        "description": "``detail`` and ``code`` of the rule, or each refused field.",
    },
    description="The request matches the schema, but a rule about its content refuses it.",
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=_Error, description=description)


class EntraideAutoSchema(AutoSchema):
    def _error_responses(self) -> dict[str, Any]:
        public = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        errors: dict[str, Any] = {
            "400": _Invalid,
            "406": _error("No answer in a content type the request accepts."),
            "429": _error("Too many requests: wait for the time in Retry-After."),
        }
        if not public:
            errors["401"] = _error("No valid credentials were given.")
            errors["403"] = _error("This person may not do this.")
        paginated = self._is_list_view() and self._get_paginator() is not None
        if "{" in self.path or getattr(self.view, "looks_up_ids", False):
            errors["404"] = _error("Nothing with this id that this person may see.")
        elif paginated:
            errors["404"] = _error("No page at this cursor: follow a page's next link.")
        # A rule on the content, or text no column can store (NUL) in any parameter.
        errors["422"] = _Refused
        if self.method in WRITES:
            errors["409"] = _error("A rule of the platform refuses this in the current state.")
            errors["413"] = _error("The request body is too large.")
            errors["415"] = _error("The body is not in a content type this operation reads.")
        return errors

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)  # type: ignore[arg-type]
        if direction != "response":
            return responses
        for code, response in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    response.response, code, direction=direction
                )
                responses[code]["description"] = response.description
        return responses
