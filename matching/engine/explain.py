"""Sentences that tell staff why a pair scores what it scores, in their language.

The only module of the engine that speaks to people, hence the only one that uses
Django's translation machinery; scoring stays free of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from core.vocabulary import SPOKEN_LANGUAGES
from matching.engine.scoring import Criterion


def explain(criterion: Criterion) -> str:
    """One sentence for one criterion, in the active language."""
    return _EXPLAINERS[criterion.name](criterion)


def _distance(criterion: Criterion) -> str:
    km, preferred = criterion.params["km"], criterion.params["preferred"]
    if km is None:
        return gettext("In a preferred district") if preferred else gettext("Distance unknown")
    shown = number_format(round(km, 1), decimal_pos=1)
    if preferred:
        return gettext("%(km)s km away, in a preferred district") % {"km": shown}
    return gettext("%(km)s km away") % {"km": shown}


def language_names(codes: Iterable[str]) -> list[str]:
    labels = {code: str(label) for code, label in SPOKEN_LANGUAGES}
    return sorted(labels.get(code, code) for code in codes)


def _languages(criterion: Criterion) -> str:
    names = language_names(criterion.params["languages"])
    if not names:
        return gettext("No language in common")
    return ngettext(
        "Shares %(count)d language: %(languages)s",
        "Shares %(count)d languages: %(languages)s",
        len(names),
    ) % {"count": len(names), "languages": ", ".join(names)}


def _dates(criterion: Criterion) -> str:
    share = criterion.params["share"]
    if share >= 1.0:
        return gettext("Covers the whole wanted period")
    if share <= 0.0:
        return gettext("Covers none of the wanted period")
    # Never round a partial cover up to 100 %, which would read as the whole period.
    percent = min(99, max(1, round(share * 100)))
    return gettext("Covers %(percent)d%% of the wanted period") % {"percent": percent}


def _urgency(criterion: Criterion) -> str:
    urgency = criterion.params["urgency"]
    if urgency == "critical":
        return gettext("Critical need: within 48 hours")
    if urgency == "high":
        return gettext("Urgent need: this week")
    return gettext("Need without particular urgency")


def _offer_waiting(criterion: Criterion) -> str:
    days = criterion.params["days"]
    return ngettext("Offer waiting for %(count)d day", "Offer waiting for %(count)d days", days) % {
        "count": days
    }


def _need_waiting(criterion: Criterion) -> str:
    days = criterion.params["days"]
    return ngettext("Need open for %(count)d day", "Need open for %(count)d days", days) % {
        "count": days
    }


def _pending(criterion: Criterion) -> str:
    count = criterion.params["count"]
    if not count:
        return gettext("No proposal pending on this offer")
    return ngettext(
        "%(count)d proposal already pending", "%(count)d proposals already pending", count
    ) % {"count": count}


_EXPLAINERS: dict[str, Callable[[Criterion], str]] = {
    "distance": _distance,
    "languages": _languages,
    "dates": _dates,
    "urgency": _urgency,
    "offer_waiting": _offer_waiting,
    "need_waiting": _need_waiting,
    "pending": _pending,
}
