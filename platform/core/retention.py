"""Where the privacy notice reads the retention periods from, without core importing the
app that owns them (``privacy`` registers itself in its ``AppConfig.ready``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

_source: list[Callable[[], Sequence[Any]]] = []


def register_retention_source(source: Callable[[], Sequence[Any]]) -> None:
    _source[:] = [source]


def retention_rules() -> Sequence[Any]:
    """The rules (what, period, when it starts, then, why), or none if no app gives them."""
    return _source[0]() if _source else ()
