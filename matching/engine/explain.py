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
    measured_from = criterion.params.get("from", "preferred")
    if preferred:
        return gettext("In a preferred district")
    if km is None:
        return gettext("Distance unknown")
    shown = number_format(round(km, 1), decimal_pos=1)
    if measured_from == "organisation":
        return gettext("%(km)s km from the nearest district the association serves") % {"km": shown}
    return gettext("%(km)s km from the nearest preferred district") % {"km": shown}


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
        return gettext("Covers all that is left of the wanted period")
    if share <= 0.0:
        return gettext("Covers none of what is left of the wanted period")
    # Never round a partial cover up to 100 %, which would read as the whole period.
    percent = min(99, max(1, round(share * 100)))
    nights = criterion.params.get("nights")
    if nights is None or criterion.params.get("open_ended"):
        return gettext("Covers %(percent)d%% of what is left of the wanted period") % {
            "percent": percent
        }
    return ngettext(
        "Covers %(percent)d%% of what is left of the wanted period (%(count)d night)",
        "Covers %(percent)d%% of what is left of the wanted period (%(count)d nights)",
        nights,
    ) % {"percent": percent, "count": nights}


def _bed_fit(criterion: Criterion) -> str:
    people, beds = criterion.params["people"], criterion.params["beds"]
    who = ngettext("%(count)d person", "%(count)d people", people) % {"count": people}
    where = ngettext("%(count)d bed", "%(count)d beds", beds) % {"count": beds}
    return gettext("%(people)s for %(beds)s") % {"people": who, "beds": where}


def _urgency(criterion: Criterion) -> str:
    urgency = criterion.params["urgency"]
    if urgency == "critical":
        return gettext("Critical need: within 48 hours")
    if urgency == "high":
        return gettext("Urgent need: this week")
    return gettext("Need without particular urgency")


def _offer_waiting(criterion: Criterion) -> str:
    days, confirmed = criterion.params["days"], criterion.params.get("confirmed_days")
    published = ngettext(
        "Offer published %(count)d day ago", "Offer published %(count)d days ago", days
    ) % {"count": days}
    if confirmed is None or confirmed >= days:
        return published
    return ngettext(
        "%(published)s; availability confirmed %(count)d day ago",
        "%(published)s; availability confirmed %(count)d days ago",
        confirmed,
    ) % {"published": published, "count": confirmed}


def _need_waiting(criterion: Criterion) -> str:
    days = criterion.params["days"]
    return ngettext(
        "Need published %(count)d day ago", "Need published %(count)d days ago", days
    ) % {"count": days}


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
    "bed_fit": _bed_fit,
    "urgency": _urgency,
    "offer_waiting": _offer_waiting,
    "need_waiting": _need_waiting,
    "pending": _pending,
}
