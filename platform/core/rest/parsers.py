"""The JSON the API accepts: bounded in size and depth, and without NUL characters.

A body nested a thousand levels deep would reach Python's recursion limit inside the
standard library's parser (a 400, it is not JSON we read), and a NUL character or half a
surrogate pair would reach PostgreSQL, which cannot store it in text (a 422, the JSON is
well formed but its text is refused): both are answered before anything else reads it.
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
_SURROGATE = re.compile("[\ud800-\udfff]")


class RequestTooLarge(APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "too_large"


class UnreadableText(APIException):
    """Well-formed JSON whose text no database column can store: a rule on the content."""

    status_code = 422
    default_detail = "Text may not contain the NUL character (\\u0000) or half a surrogate pair."
    default_code = "unreadable"


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


def unreadable(text: str) -> bool:
    """Whether ``text`` holds what PostgreSQL cannot store: NUL, or a lone surrogate."""
    return "\x00" in text or _SURROGATE.search(text) is not None


def holds_unreadable(value: Any) -> bool:
    """Whether a parsed JSON value holds unreadable text in any key or string."""
    if isinstance(value, str):
        return unreadable(value)
    if isinstance(value, Mapping):
        return any(holds_unreadable(k) or holds_unreadable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_unreadable(item) for item in value)
    return False


class UnreadableError(ValueError):
    pass


def load_json(raw: bytes, *, limit: int | None = None) -> Any:
    """Parse a JSON body, refusing what is too large (``OverflowError``), too deep or not
    JSON (``ValueError``), or holds unreadable text (``UnreadableError``); each message
    can be shown to the sender."""
    limit = limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if len(raw) > limit:
        raise OverflowError("The request body is too large.")
    text = raw.decode("utf-8")
    if too_deep(text):
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep is not accepted.")
    data = json.loads(text)
    if holds_unreadable(data):
        raise UnreadableError(UnreadableText.default_detail)
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
        except UnreadableError as error:
            raise UnreadableText() from error
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from error
