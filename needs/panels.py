"""Sections other apps add to a need's page, without ``needs`` importing them.

The matching app shows there the proposals and matches of the need (with their states,
answer dates and history); ``needs`` must never import ``matching``, so matching registers
a panel in its ``AppConfig.ready()`` and the need page renders whatever is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from needs.models import Need


@dataclass(frozen=True)
class NeedPanel:
    key: str
    template: str
    # The template's context for this request and need, or None to show nothing.
    context: Callable[[HttpRequest, Need], dict[str, Any] | None]
    order: int = 100


_panels: dict[str, NeedPanel] = {}


def register_need_panel(panel: NeedPanel) -> NeedPanel:
    _panels[panel.key] = panel
    return panel


def panels_for(request: HttpRequest, need: Need) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of every registered panel that has something to show."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request, need)
        if context is not None:
            shown.append((panel.template, context))
    return shown
