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
    ("km", "preferred", "measured_from", "expected"),
    [
        (0.0, True, "preferred", "In a preferred district"),
        (3.24, False, "preferred", "3.2 km from the nearest preferred district"),
        (1.0, False, "organisation", "1.0 km from the nearest district the association serves"),
        (None, True, None, "In a preferred district"),
        (None, False, None, "Distance unknown"),
    ],
)
def test_distance_is_explained_as_the_distance_to_the_nearest_district(
    km: float | None, preferred: bool, measured_from: str | None, expected: str
) -> None:
    params = {"km": km, "preferred": preferred, "from": measured_from}
    assert sentence("distance", "distance", **params) == expected


def test_shared_languages_are_named_in_alphabetical_order() -> None:
    assert sentence("languages", "", languages=("fr", "ar")) == "Shares 2 languages: Arabic, French"
    assert sentence("languages", "", languages=("uk",)) == "Shares 1 language: Ukrainian"
    assert sentence("languages", "", languages=()) == "No language in common"


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (1.0, "Covers all that is left of the wanted period"),
        (0.5, "Covers 50% of what is left of the wanted period (15 nights)"),
        (0.999, "Covers 99% of what is left of the wanted period (15 nights)"),
        (0.0, "Covers none of what is left of the wanted period"),
    ],
)
def test_date_fit_is_explained_as_a_share_of_what_is_left(share: float, expected: str) -> None:
    assert sentence("dates", "", share=share, nights=15, open_ended=False) == expected
    if 0 < share < 1:
        open_ended = sentence("dates", "", share=share, nights=15, open_ended=True)
        assert open_ended == expected.replace(" (15 nights)", "")


def test_bed_fit_is_explained_in_people_and_beds() -> None:
    assert sentence("bed_fit", "", people=6, beds=7) == "6 people for 7 beds"
    assert sentence("bed_fit", "", people=1, beds=1) == "1 person for 1 bed"


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
    assert sentence("offer_waiting", "", days=41) == "Offer published 41 days ago"
    assert sentence("offer_waiting", "", days=1) == "Offer published 1 day ago"
    assert sentence("need_waiting", "", days=3) == "Need published 3 days ago"
    assert sentence("pending", "", count=2) == "2 proposals already pending"
    assert sentence("pending", "", count=1) == "1 proposal already pending"
    assert sentence("pending", "", count=0) == "No proposal pending on this offer"


def test_an_offer_s_wait_counts_from_publication_and_says_when_it_was_confirmed() -> None:
    both = sentence("offer_waiting", "", days=131, confirmed_days=64)
    assert both == "Offer published 131 days ago; availability confirmed 64 days ago"
    assert sentence("offer_waiting", "", days=5, confirmed_days=5) == "Offer published 5 days ago"


def test_every_criterion_of_a_real_score_is_explained() -> None:
    far = offer(
        sector_id=5,
        latitude=SECTORS[5][0],
        longitude=SECTORS[5][1],
        languages=frozenset({"fr", "ar"}),
        waiting_since=NOW - timedelta(days=41),
        pending_proposals=2,
    )
    wanted = need(languages=frozenset({"ar", "fr"}), urgency=CRITICAL, sector_ids=frozenset({5}),
                  places=(SECTORS[5],))  # fmt: skip
    result = score(wanted, far, weights=Weights(), today=TODAY)
    with translation.override("en"):
        sentences = [explain(c) for c in result.criteria]
    assert sentences == [
        "In a preferred district",
        "Shares 2 languages: Arabic, French",
        "Covers all that is left of the wanted period",
        "1 person for 2 beds",
        "Critical need: within 48 hours",
        "Offer published 41 days ago",
        "Need published 3 days ago",
        "2 proposals already pending",
    ]
