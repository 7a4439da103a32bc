"""Suggestions for one need or one offer, the city-wide batch run and the bulk proposal of
its suggestions, and the pinned query counts of the matching lists."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Organisation, User
from core.models import Sector
from matching import retrieval, services
from matching.batch import batch_run
from matching.models import BatchRun, Match
from needs.models import Need
from offers.models import Offer
from tests.conftest import client_for
from tests.factories import OfferFactory, SectorFactory
from tests.matching.conftest import api_as
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db

S = Match.Status


def a_room(sector: Sector, **changes: object) -> Offer:
    fields = {"capacity": 2, "household_types": ["single_adult", "couple"], **changes}
    offer: Offer = OfferFactory(housing=True, published=True, sector=sector, **fields)
    return offer


@pytest.fixture
def far(db: None) -> Sector:
    """A district some 10 km from the centre."""
    return SectorFactory(
        code="far", name="Far away", centroid_latitude="45.2800", centroid_longitude="5.7245"
    )


# --- Suggestions ---------------------------------------------------------------------


def test_suggestions_for_a_need_are_the_compatible_offers_best_first_with_reasons(
    need: Need, room: Offer, sector: Sector, far: Sector, in_english: None
) -> None:
    need.sectors.set([sector])
    farther = a_room(far)
    a_room(sector, household_types=["woman_alone"])  # not welcome
    a_room(sector, capacity=2, housing_type="dwelling")  # not the housing asked for
    a_room(sector, status="pending")  # not published
    a_room(sector, capacity=1, households_at_once=1, household_types=["couple"])

    found = retrieval.suggestions_for_need(need)

    assert [suggestion.subject for suggestion in found] == [room, farther]
    assert [s.total for s in found] == sorted((s.total for s in found), reverse=True)
    assert all(s.reasons for s in found)
    assert any("km away" in reason or "district" in reason for reason in found[0].reasons)


def test_sql_reads_for_a_household_only_the_rooms_whose_host_welcomes_it(
    need: Need, sector: Sector
) -> None:
    welcoming = a_room(sector)
    a_room(sector, household_types=["woman_alone"])
    a_room(sector, household_types=[])
    facts = retrieval.need_facts(need)
    assert list(retrieval.candidate_offers(need, facts)) == [welcoming]
    need.household_type = ""  # nobody can say it is welcome
    assert list(retrieval.candidate_offers(need, retrieval.need_facts(need))) == []


def test_units_held_count_the_two_offers_of_a_combination_once() -> None:
    rows = [(1, 1, None), (1, 2, None), (2, 1, "c"), (2, 1, "c"), (3, 1, "d")]
    assert retrieval.units_held_by_need(rows) == {1: 3, 2: 1, 3: 1}
    # Counted as confirmed only once both offers of a combination are.
    assert retrieval.units_held_by_need(rows, whole=2) == {1: 3, 2: 1}


def test_a_suggestion_s_reasons_read_in_english(need: Need, room: Offer, in_english: None) -> None:
    need.urgency = Need.Urgency.CRITICAL
    need.save()
    (suggestion,) = retrieval.suggestions_for_need(need)
    assert "Critical need: within 48 hours" in suggestion.reasons


def test_a_need_whose_household_is_already_proposed_gets_no_suggestion(
    proposed: Match, need: Need, sector: Sector
) -> None:
    a_room(sector)
    assert retrieval.suggestions_for_need(need) == []


def test_an_offer_with_nothing_left_is_not_suggested(
    proposed: Match, room: Offer, organisation: Organisation
) -> None:
    other = NeedFactory(organisation=organisation)
    assert room not in [s.subject for s in retrieval.suggestions_for_need(other)]


def test_suggestions_for_an_offer_are_the_compatible_needs_best_first(
    room: Offer, organisation: Organisation, in_english: None
) -> None:
    normal = NeedFactory(organisation=organisation)
    critical = NeedFactory(organisation=organisation, critical=True)
    NeedFactory(organisation=organisation, adults=2, children=3, household_type="family")
    NeedFactory(organisation=organisation, household_type="woman_alone")
    NeedFactory(organisation=organisation, draft=True)
    NeedFactory(organisation=organisation, donation=True)

    found = retrieval.suggestions_for_offer(room)

    assert [s.subject for s in found] == [critical, normal]
    assert found[0].total > found[1].total
    assert all(s.reasons for s in found)


def test_the_suggestions_api_gives_scores_and_reasons(need: Need, room: Offer, staff: User) -> None:
    rows = api_as(staff).get(f"/api/v1/matching/suggestions/?need={need.pk}").json()
    assert [(row["need"], row["offer"]) for row in rows] == [(need.pk, room.pk)]
    assert rows[0]["reasons"]
    assert rows[0]["score"] > 0


def test_the_suggestions_api_wants_a_need_or_an_offer(staff: User) -> None:
    assert api_as(staff).get("/api/v1/matching/suggestions/").status_code == 422
    assert api_as(staff).get("/api/v1/matching/suggestions/?need=x").status_code == 400


# --- Batch ---------------------------------------------------------------------------


def test_a_batch_run_writes_suggestions_within_the_capacities(
    room: Offer, organisation: Organisation, sector: Sector, donation, goods_need
) -> None:
    for _ in range(3):
        NeedFactory(organisation=organisation)
    blankets = donation(quantity=10)
    for quantity in (4, 6, 5):
        goods_need(quantity=quantity)

    run = batch_run()

    suggestions = Match.objects.filter(batch=run)
    assert run.suggestions == suggestions.count() > 0
    assert set(suggestions.values_list("status", flat=True)) == {S.SUGGESTED}
    assert sum(m.units for m in suggestions.filter(offer=room)) <= 1
    assert sum(m.units for m in suggestions.filter(offer=blankets)) <= 10
    for match in suggestions:
        assert match.units <= retrieval.need_units(match.need)
    assert services.offer_remaining(room) == 1  # suggestions hold nothing


def test_a_batch_run_covers_critical_needs_first(room: Offer, organisation: Organisation) -> None:
    NeedFactory(organisation=organisation)
    critical = NeedFactory(organisation=organisation, critical=True)
    NeedFactory(organisation=organisation)

    run = batch_run()

    assert list(Match.objects.values_list("need", "offer")) == [(critical.pk, room.pk)]
    assert (run.critical_covered, run.critical_units, run.high_covered) == (1, 1, 0)
    assert run.proven


def test_a_new_batch_run_replaces_the_suggestions_not_proposed(
    room: Offer, need: Need, sector: Sector, organisation: Organisation, staff: User
) -> None:
    other_room = a_room(sector)
    NeedFactory(organisation=organisation)
    first = batch_run()
    kept = Match.objects.filter(batch=first).first()
    services.match_propose(need=kept.need, offer=kept.offer, by=staff)

    second = batch_run()

    assert Match.objects.filter(status=S.SUGGESTED, batch=first).count() == 0
    assert set(Match.objects.filter(status=S.SUGGESTED).values_list("batch", flat=True)) <= {
        second.pk
    }
    assert Match.objects.get(pk=kept.pk).status == S.PROPOSED
    assert BatchRun.objects.count() == 2
    assert other_room.pk in set(Match.objects.values_list("offer", flat=True))


def test_a_batch_run_after_a_partial_proposal_does_not_break(
    donation, goods_need, staff: User
) -> None:
    blankets, need = donation(quantity=10), goods_need(quantity=6)
    services.match_propose(need=need, offer=blankets, by=staff, units=2)
    batch_run()
    assert services.held(offer=blankets) == 2


def test_the_staff_run_the_batch_from_the_workbench(room: Offer, need: Need, staff: User) -> None:
    response = client_for(staff).post(reverse("matching-staff:run-batch"))
    assert response.status_code == 302
    assert BatchRun.objects.get().started_by == staff
    assert Match.objects.get().status == S.SUGGESTED


# --- Bulk proposal -------------------------------------------------------------------


def test_staff_propose_the_ticked_suggestions_and_hear_which_no_longer_fit(
    room: Offer, sector: Sector, organisation: Organisation, staff: User, in_english: None
) -> None:
    a_room(sector)
    for _ in range(3):
        NeedFactory(organisation=organisation)
    batch_run()
    ticked = list(Match.objects.filter(status=S.SUGGESTED).order_by("pk"))
    assert len(ticked) == 2
    gone = ticked[1]
    Offer.objects.filter(pk=gone.offer_id).update(status=Offer.Status.PAUSED)
    User.objects.filter(pk=staff.pk).update(preferred_language="en")
    staff.refresh_from_db()

    response = client_for(staff).post(
        reverse("matching-staff:propose-selected"), {"match": [m.pk for m in ticked]}
    )

    assert response.status_code == 302
    assert Match.objects.get(pk=ticked[0].pk).status == S.PROPOSED
    assert Match.objects.get(pk=gone.pk).status == S.SUGGESTED
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert texts == ["1 proposal sent.", "1 suggestion no longer fits and was left aside."]


def test_unticked_suggestions_stay_suggestions(room: Offer, need: Need, staff: User) -> None:
    batch_run()
    client_for(staff).post(reverse("matching-staff:propose-selected"), {"match": []})
    assert Match.objects.get().status == S.SUGGESTED


def test_proposing_from_a_need_page_keeps_the_suggestion_s_reasons(
    need: Need, room: Offer, staff: User
) -> None:
    response = client_for(staff).post(
        reverse("matching-staff:propose"), {"need": need.pk, "offer": room.pk}
    )
    match = Match.objects.get()
    assert response["Location"] == reverse("matching-staff:match", args=[match.pk])
    assert (match.status, match.proposed_by) == (S.PROPOSED, staff)
    assert match.criteria
    assert match.score > 0


def test_proposing_never_redirects_to_another_site(need: Need, room: Offer, staff: User) -> None:
    response = client_for(staff).post(
        reverse("matching-staff:propose"),
        {"need": need.pk, "offer": room.pk, "next": "https://evil.example.net/"},
    )
    assert not response["Location"].startswith("https://evil.example.net")


# --- Query counts --------------------------------------------------------------------


def make_mine(count: int, resident: User, organisation: Organisation, sector: Sector,
              staff: User) -> None:  # fmt: skip
    """``count`` proposals on rooms of ``resident`` for needs of ``organisation``, and as
    many suggestions (which nobody but staff sees)."""
    for _ in range(count):
        need = NeedFactory(organisation=organisation)
        services.match_propose(need=need, offer=a_room(sector, owner=resident), by=staff)
        other = NeedFactory(organisation=organisation)
        services.match_suggest(need=other, offer=a_room(sector), score=1, criteria=[])


@pytest.mark.parametrize("count", [1, 8])
def test_my_proposals_page_makes_few_queries(
    count: int, django_assert_max_num_queries, resident: User, organisation: Organisation,
    sector: Sector, staff: User, association_member: User,
) -> None:  # fmt: skip
    make_mine(count, resident, organisation, sector, staff)
    for person in (resident, association_member):
        client = client_for(person)
        with django_assert_max_num_queries(6):  # session, user, memberships, matches...
            assert client.get(reverse("matching:mine")).status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_the_workbench_makes_few_queries(
    count: int, django_assert_max_num_queries, resident: User, organisation: Organisation,
    sector: Sector, staff: User,
) -> None:  # fmt: skip
    make_mine(count, resident, organisation, sector, staff)
    batch_run()
    client = client_for(staff)
    # the base page, the filters' choices, needs to place and their claims, suggestions
    # with their offers, districts and categories (read for the page's rows only), runs
    with django_assert_max_num_queries(13):
        assert client.get(reverse("matching-staff:workbench")).status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_the_match_api_makes_few_queries(
    count: int, django_assert_max_num_queries, resident: User, organisation: Organisation,
    sector: Sector, staff: User, association_member: User,
) -> None:  # fmt: skip
    make_mine(count, resident, organisation, sector, staff)
    for person in (resident, association_member, staff):
        client = api_as(person)
        with django_assert_max_num_queries(2):  # memberships, matches
            assert client.get("/api/v1/matches/").status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_the_match_list_costs_one_query_for_staff(
    count: int, django_assert_num_queries, resident: User, organisation: Organisation,
    sector: Sector, staff: User,
) -> None:  # fmt: skip
    make_mine(count, resident, organisation, sector, staff)
    client = api_as(staff)
    with django_assert_num_queries(1):  # the page of rows, the need's reference joined in
        response = client.get("/api/v1/matches/")
    assert len(response.json()["results"]) == 2 * count


@pytest.mark.parametrize("count", [1, 8])
def test_the_suggestions_for_a_need_cost_the_same_queries_for_few_or_many_offers(
    count: int, django_assert_num_queries, need: Need, sector: Sector, staff: User,
) -> None:  # fmt: skip
    for _ in range(count):
        a_room(sector)
    client = api_as(staff)
    url = f"/api/v1/matching/suggestions/?need={need.pk}"
    client.get(url)  # districts and categories are read once per process
    # The same number for one candidate or many: retrieval reads them in bulk.
    with django_assert_num_queries(PINNED_SUGGESTION_QUERIES):
        response = client.get(url)
    assert len(response.json()) == count


# The need; its districts; its matches; the nearest ring's ids and bounds; their rows.
PINNED_SUGGESTION_QUERIES = 5


# --- Plans kept whole ------------------------------------------------------------------


def test_every_batch_suggestion_stores_its_units_and_its_reasons(
    room: Offer, need: Need, donation, goods_need
) -> None:
    blankets, wanted = donation(quantity=10), goods_need(quantity=4)
    run = batch_run()
    suggestions = list(Match.objects.filter(batch=run))
    assert run.suggestions == len(suggestions) == 2
    assert all(match.criteria for match in suggestions)
    assert Match.objects.get(batch=run, need=wanted, offer=blankets).units == 4
    assert {c["name"] for c in suggestions[0].criteria} >= {"distance", "urgency", "dates"}


def test_proposing_a_batch_suggestion_proposes_exactly_its_units(
    donation, goods_need, staff: User
) -> None:
    blankets = donation(quantity=5)
    goods_need(quantity=3), goods_need(quantity=4)
    batch_run()
    planned = {m.need_id: m.units for m in Match.objects.filter(status=S.SUGGESTED)}
    client_for(staff).post(
        reverse("matching-staff:propose-selected"),
        {"match": list(Match.objects.filter(status=S.SUGGESTED).values_list("pk", flat=True))},
    )
    proposed = {m.need_id: m.units for m in Match.objects.filter(status=S.PROPOSED)}
    assert proposed == planned
    assert sum(proposed.values()) == 5
    assert services.held(offer=blankets) == 5


def test_an_allocation_on_a_pair_already_proposed_goes_to_the_remaining_units(
    donation, goods_need, staff: User
) -> None:
    # A need of 8 with 4 already proposed from donor A: the other 4 come from donor B.
    donor_a, donor_b, need = donation(quantity=10), donation(quantity=4), goods_need(quantity=8)
    services.match_propose(need=need, offer=donor_a, by=staff, units=4)
    run = batch_run()
    stored = list(Match.objects.filter(batch=run).values_list("need_id", "offer_id", "units"))
    assert stored == [(need.pk, donor_b.pk, 4)]
    assert run.suggestions == len(stored)


def test_a_household_too_large_for_any_offer_is_offered_two_rooms_at_one_address(
    resident: User, sector: Sector, organisation: Organisation, staff: User
) -> None:
    home = {"owner": resident, "street_address": "12 rue des Lilas", "postcode": "38000"}
    first = a_room(sector, capacity=4, household_types=["family"], **home)
    second = a_room(sector, capacity=3, household_types=["family"], **home)
    family = NeedFactory(organisation=organisation, adults=2, children=5, household_type="family",
                         critical=True)  # fmt: skip
    run = batch_run()
    planned = list(Match.objects.filter(batch=run))
    assert {m.offer_id for m in planned} == {first.pk, second.pk}
    assert len({m.combination for m in planned}) == 1
    assert planned[0].combination is not None
    assert all(m.need_id == family.pk for m in planned)
    assert run.critical_covered == 1

    client_for(staff).post(reverse("matching-staff:propose-selected"), {"match": [planned[0].pk]})

    assert set(Match.objects.filter(need=family).values_list("status", flat=True)) == {S.PROPOSED}


def test_declining_one_offer_of_a_combination_cancels_the_other(
    resident: User, sector: Sector, organisation: Organisation, staff: User,
    association_member: User,
) -> None:  # fmt: skip
    home = {"owner": resident, "street_address": "3 place Verdun", "postcode": "38000"}
    a_room(sector, capacity=4, household_types=["family"], **home)
    a_room(sector, capacity=3, household_types=["family"], **home)
    NeedFactory(organisation=organisation, adults=2, children=5, household_type="family")
    batch_run()
    first, second = Match.objects.filter(status=S.SUGGESTED).order_by("pk")
    services.match_propose_suggestion(match=first, by=staff)
    services.match_decline(match=Match.objects.get(pk=first.pk), by=resident, reason="")
    assert Match.objects.get(pk=second.pk).status == S.CANCELLED


@pytest.mark.parametrize("ending", ["offer closed", "staff cancel", "expired"])
def test_a_combination_is_never_split_whatever_ends_one_of_its_offers(
    resident: User, sector: Sector, organisation: Organisation, staff: User, ending: str
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from offers import services as offer_services

    home = {"owner": resident, "street_address": "5 rue Berlioz", "postcode": "38000"}
    a_room(sector, capacity=4, household_types=["family"], **home)
    a_room(sector, capacity=3, household_types=["family"], **home)
    NeedFactory(organisation=organisation, adults=2, children=5, household_type="family")
    batch_run()
    first, second = Match.objects.filter(status=S.SUGGESTED).order_by("pk")
    services.match_propose_suggestion(match=first, by=staff)
    if ending == "offer closed":
        offer_services.offer_close(offer=first.offer, by=resident)
    elif ending == "staff cancel":
        services.match_cancel(match=Match.objects.get(pk=first.pk), by=staff)
    else:
        services.matches_expire_unanswered(now=timezone.now() + timedelta(days=30))
    assert Match.objects.get(pk=first.pk).status in (S.CANCELLED, S.EXPIRED)
    assert Match.objects.get(pk=second.pk).status in (S.CANCELLED, S.EXPIRED)


def test_the_row_limit_never_costs_a_need_one_of_its_top_suggestions(
    need: Need, sector: Sector, far: Sector, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ten rooms nearby, just published; three farther that waited long and speak the
    # household's languages: with 3 rows per read, the best are beyond the first read.
    from datetime import timedelta

    from django.utils import timezone

    need.sectors.set([sector])
    need.languages = ["ar", "fr", "uk"]
    need.save()
    for _ in range(10):
        a_room(sector, published_at=timezone.now(), languages=[])
    long_ago = timezone.now() - timedelta(days=90)
    best = {
        a_room(far, published_at=long_ago, languages=["ar", "fr", "uk"], capacity=1)
        for _ in range(3)
    }
    everything = retrieval.suggestions_for_need(need, 3)  # 13 offers: read in one go
    monkeypatch.setattr(retrieval, "RETRIEVAL_LIMIT", 3)

    found = retrieval.suggestions_for_need(need, 3)

    assert {s.subject for s in found} == {s.subject for s in everything} == best
    first_read = retrieval.nearest_candidates(need, retrieval.need_facts(need), 3)
    assert not best & {Offer.objects.get(pk=o.id) for o in first_read}  # beyond the limit


def test_an_interpreter_is_suggested_only_with_a_language_in_common(
    organisation: Organisation, sector: Sector, in_english: None
) -> None:
    from core.models import Category

    interpreting = Category.objects.get(code="interpreting")
    arabic = OfferFactory(published=True, sector=sector, kind="skill", category=interpreting,
                          quantity=None, capacity=1, languages=["ar", "fr"])  # fmt: skip
    tigrinya = OfferFactory(published=True, sector=sector, kind="skill", category=interpreting,
                            quantity=None, capacity=1, languages=["ti", "fr"])  # fmt: skip
    need = NeedFactory(organisation=organisation, skill=True, languages=["ti"])
    assert [s.subject for s in retrieval.suggestions_for_need(need)] == [tigrinya]
    assert retrieval.pair_problems(need, arabic) == ["no language in common, which this help needs"]
