"""The JSON the API accepts: bounded in size and depth, and without NUL characters.

A body nested a thousand levels deep would reach Python's recursion limit inside the
standard library's parser, and a NUL character would reach PostgreSQL, which refuses it in
text: both are answered with a 400 before anything else reads the body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

# Deeper than any body the API documents (an object of lists of ids is 2 levels).
MAX_DEPTH = 20

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class RequestTooLarge(APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON ``text`` nests arrays and objects more than ``limit`` levels deep,
    found without parsing (brackets inside strings do not count)."""
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub('""', text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def holds_nul(value: Any) -> bool:
    """Whether a parsed JSON value holds a NUL character in any key or string."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(holds_nul(item) for item in value)
    return False


def load_json(raw: bytes, *, limit: int | None = None) -> Any:
    """Parse a JSON body, refusing what is too large, too deep, or holds a NUL character,
    with ``ValueError`` (its message can be shown to the sender)."""
    limit = limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if len(raw) > limit:
        raise OverflowError("The request body is too large.")
    text = raw.decode("utf-8")
    if too_deep(text):
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep is not accepted.")
    data = json.loads(text)
    if holds_nul(data):
        raise ValueError("Text may not contain the NUL character (\\u0000).")
    return data


class SafeJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        if stream is None:
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1)
        try:
            return load_json(raw, limit=limit)
        except OverflowError as error:
            raise RequestTooLarge(str(error)) from error
        except UnicodeDecodeError as error:
            raise ParseError("The request body is not UTF-8 text.") from error
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error
