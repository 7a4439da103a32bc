from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from matching.engine.explain import explain
from matching.engine.facts import CRITICAL, HIGH, NORMAL
from matching.engine.scoring import Criterion, Weights, score
from tests.matching.engine.facts_builders import NOW, SECTORS, TODAY, need, offer


def sentence(name: str, reason: str, **params: object) -> str:
    with translation.override("en"):
        return explain(Criterion(name, 1.0, 2.0, reason, dict(params)))


@pytest.mark.parametrize(
    ("km", "preferred", "expected"),
    [
        (3.24, True, "3.2 km away, in a preferred district"),
        (0.0, False, "0.0 km away"),
        (None, True, "In a preferred district"),
        (None, False, "Distance unknown"),
    ],
)
def test_distance_is_explained_in_km(km: float | None, preferred: bool, expected: str) -> None:
    assert sentence("distance", "distance", km=km, preferred=preferred) == expected


def test_shared_languages_are_named_in_alphabetical_order() -> None:
    assert sentence("languages", "", languages=("fr", "ar")) == "Shares 2 languages: Arabic, French"
    assert sentence("languages", "", languages=("uk",)) == "Shares 1 language: Ukrainian"
    assert sentence("languages", "", languages=()) == "No language in common"


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (1.0, "Covers the whole wanted period"),
        (0.5, "Covers 50% of the wanted period"),
        (0.999, "Covers 99% of the wanted period"),
        (0.0, "Covers none of the wanted period"),
    ],
)
def test_date_fit_is_explained_as_a_share(share: float, expected: str) -> None:
    assert sentence("dates", "", share=share) == expected


@pytest.mark.parametrize(
    ("urgency", "expected"),
    [
        (CRITICAL, "Critical need: within 48 hours"),
        (HIGH, "Urgent need: this week"),
        (NORMAL, "Need without particular urgency"),
    ],
)
def test_urgency_is_explained(urgency: str, expected: str) -> None:
    assert sentence("urgency", urgency, urgency=urgency) == expected


def test_waiting_times_and_pending_proposals_use_plurals() -> None:
    assert sentence("offer_waiting", "", days=41) == "Offer waiting for 41 days"
    assert sentence("offer_waiting", "", days=1) == "Offer waiting for 1 day"
    assert sentence("need_waiting", "", days=3) == "Need open for 3 days"
    assert sentence("pending", "", count=2) == "2 proposals already pending"
    assert sentence("pending", "", count=1) == "1 proposal already pending"
    assert sentence("pending", "", count=0) == "No proposal pending on this offer"


def test_every_criterion_of_a_real_score_is_explained() -> None:
    far = offer(
        sector_id=5,
        latitude=SECTORS[5][0],
        longitude=SECTORS[5][1],
        languages=frozenset({"fr", "ar"}),
        waiting_since=NOW - timedelta(days=41),
        pending_proposals=2,
    )
    wanted = need(languages=frozenset({"ar", "fr"}), urgency=CRITICAL, sector_ids=frozenset({5}))
    result = score(wanted, far, weights=Weights(), today=TODAY)
    with translation.override("en"):
        sentences = [explain(c) for c in result.criteria]
    assert sentences[0].endswith("km away, in a preferred district")
    assert sentences[1:] == [
        "Shares 2 languages: Arabic, French",
        "Covers the whole wanted period",
        "Critical need: within 48 hours",
        "Offer waiting for 41 days",
        "Need open for 3 days",
        "2 proposals already pending",
    ]
