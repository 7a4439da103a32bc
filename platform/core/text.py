"""Free text as the platform keeps it: bounded, and without characters that can deceive.

Bidirectional override and isolate controls (U+202A–U+202E, U+2066–U+2069) can make a
title read differently from what it holds ("Trojan Source"): they are removed from every
line of text staff or residents read. The marks U+200E and U+200F, which Arabic text
legitimately uses, stay.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from core.errors import DomainError

# Refusal reasons, questions to a resident, decline and cancel reasons, notes of a change.
REASON_MAX_LENGTH = 1000

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(text: str) -> str:
    return _BIDI_CONTROLS.sub("", text)


def clean_line(text: str) -> str:
    """A single line (a title, a name): bidi controls removed, spaces trimmed."""
    return without_bidi_controls(text).strip()


def clean_reason(text: str, *, max_length: int = REASON_MAX_LENGTH) -> str:
    """A reason or a question someone will read: trimmed, bidi controls removed, and
    refused with a ``DomainError`` past ``max_length`` characters."""
    text = without_bidi_controls(text).strip()
    if len(text) > max_length:
        raise DomainError(
            _("Keep it under %(count)d characters (this text has %(length)d).")
            % {"count": max_length, "length": len(text)},
            code="too_long",
        )
    return text
