"""Every staff queue: urgency as a rank (critical, high, normal) then waiting time, its
filters, keyset pages stable under inserts, and query counts that do not grow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.keyset import PAGE_SIZE, BadCursor, bounded_count, keyset_page
from core.staff_filters import QUEUE_KEYS
from matching.models import CheckIn, Match
from needs.models import Need
from offers.models import Offer
from tests.conftest import client_for
from tests.factories import OfferFactory, OrganisationFactory, SectorFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db

URGENCIES = ("normal", "high", "critical")  # created in the wrong order on purpose
RANKED = ["critical", "high", "normal"]


def _ago(days: float) -> Any:
    return timezone.now() - timedelta(days=days)


def _needs_by_urgency(**extra: Any) -> dict[str, Need]:
    # The normal need waits longest: only an explicit rank puts it last.
    return {
        urgency: NeedFactory(urgency=urgency, opened_at=_ago(10 - index), **extra)
        for index, urgency in enumerate(URGENCIES)
    }


def _matches(status: str, **offer: Any) -> dict[str, Match]:
    needs = _needs_by_urgency()
    found = {}
    for urgency, need in needs.items():
        found[urgency] = Match.objects.create(
            need=need,
            offer=OfferFactory(housing=True, published=True, **offer),
            status=status,
            proposed_at=timezone.now(),
            answer_due=timezone.now() + timedelta(days=1),
        )
    return found


def _urgencies_of_needs(items: Any) -> list[str]:
    return [item.urgency for item in items]


def _page(client: Client, name: str, key: str = "page", **query: str) -> Any:
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    return response.context[key]


@pytest.fixture
def staff_client(staff: User) -> Client:
    return client_for(staff, language="en")


# --- The urgency order, list by list ---------------------------------------------------


def test_pending_offers_come_by_urgency_rank_then_waiting_time(staff_client: Client) -> None:
    goods = OfferFactory(pending=True, submitted_at=_ago(9))
    room = OfferFactory(housing=True, pending=True, submitted_at=_ago(5))
    older_room = OfferFactory(housing=True, pending=True, submitted_at=_ago(6))
    emergency = OfferFactory(
        housing=True, pending=True, housing_type="emergency", submitted_at=_ago(1)
    )
    page = _page(staff_client, "offers-staff:queue")
    assert list(page) == [emergency, older_room, room, goods]


def test_the_offer_list_and_the_call_back_list_rank_emergency_housing_first(
    staff_client: Client,
) -> None:
    due = {"by_phone": True, "status": "published", "last_confirmed_at": _ago(40)}
    goods = OfferFactory(reminder_sent_at=_ago(3), **due)
    emergency = OfferFactory(
        housing=True, housing_type="emergency", reminder_sent_at=_ago(1), **due
    )
    assert list(_page(staff_client, "offers-staff:search")) == [emergency, goods]
    assert list(_page(staff_client, "offers-staff:call-back")) == [emergency, goods]


def test_the_needs_list_is_critical_then_high_then_normal(staff_client: Client) -> None:
    _needs_by_urgency()
    assert _urgencies_of_needs(_page(staff_client, "needs-staff:list")) == RANKED


def test_the_workbench_needs_and_suggestions_are_by_urgency_rank(staff_client: Client) -> None:
    _matches(Match.Status.SUGGESTED)
    needs = _page(staff_client, "matching-staff:workbench", "needs")
    assert _urgencies_of_needs(needs) == RANKED
    suggested = _page(staff_client, "matching-staff:workbench", "suggested")
    assert [match.need.urgency for match in suggested] == RANKED


def test_proposals_awaiting_answers_are_by_urgency_rank(staff_client: Client) -> None:
    _matches(Match.Status.PROPOSED, owner=None, origin="phone")
    page = _page(staff_client, "matching-staff:awaiting")
    assert [match.need.urgency for match in page] == RANKED
    to_collect = _page(staff_client, "matching-staff:to-call", "to_collect")
    assert [match.need.urgency for match in to_collect] == RANKED


def test_check_in_alerts_are_by_urgency_rank(staff_client: Client) -> None:
    matches = _matches(Match.Status.CONFIRMED, owner=None, origin="phone")
    for index, match in enumerate(matches.values()):
        CheckIn.objects.create(
            match=match, side="resident", due_on=timezone.localdate() - timedelta(days=5 - index),
            round="week",
        )  # fmt: skip
    page = _page(staff_client, "matching-staff:to-call", "check_ins")
    assert [check.match.need.urgency for check in page] == RANKED


def test_organisations_to_verify_have_no_urgency_and_come_longest_waiting_first(
    staff_client: Client,
) -> None:
    newer = OrganisationFactory(unverified=True)
    older = OrganisationFactory(unverified=True)
    type(older).objects.filter(pk=older.pk).update(created_at=_ago(3))
    assert list(_page(staff_client, "associations-staff:queue", "queue")) == [older, newer]


# --- Filters -------------------------------------------------------------------------


def test_the_queue_filters_by_district_kind_urgency_and_age(staff_client: Client) -> None:
    north, south = SectorFactory(), SectorFactory()
    old_room = OfferFactory(housing=True, pending=True, sector=north, submitted_at=_ago(10))
    new_room = OfferFactory(housing=True, pending=True, sector=north, submitted_at=_ago(0))
    goods = OfferFactory(pending=True, sector=south, submitted_at=_ago(10))
    queue = "offers-staff:queue"
    assert list(_page(staff_client, queue, district=str(north.pk))) == [old_room, new_room]
    assert list(_page(staff_client, queue, kind="donation")) == [goods]
    assert list(_page(staff_client, queue, urgency="high")) == [old_room, new_room]
    assert list(_page(staff_client, queue, age="7")) == [old_room, goods]


def test_the_needs_list_filters_by_urgency_and_state(staff_client: Client) -> None:
    needs = _needs_by_urgency()
    NeedFactory(draft=True, urgency="critical")
    page = _page(staff_client, "needs-staff:list", urgency="critical", state="open")
    assert list(page) == [needs["critical"]]


# --- Keyset pages --------------------------------------------------------------------


def test_keyset_pages_stay_stable_when_rows_arrive_before_the_cursor() -> None:
    for days in range(10):
        OfferFactory(pending=True, submitted_at=_ago(20 - days))
    from offers.selectors import moderation_queue

    first = keyset_page(moderation_queue(), keys=QUEUE_KEYS, size=4)
    assert first.more == 6
    assert first.next_cursor
    # An urgent offer and an old one arrive: both sort before the cursor.
    OfferFactory(housing=True, housing_type="emergency", pending=True)
    OfferFactory(pending=True, submitted_at=_ago(30))
    second = keyset_page(moderation_queue(), keys=QUEUE_KEYS, cursor=first.next_cursor, size=4)
    third = keyset_page(moderation_queue(), keys=QUEUE_KEYS, cursor=second.next_cursor, size=4)
    seen = [offer.pk for page in (first, second, third) for offer in page]
    ordered = [o.pk for o in Offer.objects.pending().order_by("submitted_at") if o.title]
    assert len(seen) == len(set(seen)) == 10  # none twice, none skipped
    assert set(seen) <= set(ordered)
    assert third.next_cursor is None
    assert third.more == 0


def test_a_page_says_more_than_n_when_the_rest_is_past_the_bound() -> None:
    for _ in range(6):
        OfferFactory(pending=True)
    from offers.selectors import moderation_queue

    page = keyset_page(moderation_queue(), keys=QUEUE_KEYS, size=2, look_ahead=3)
    assert page.more == 3
    assert page.more_capped
    assert bounded_count(Offer.objects.all(), limit=4) == 4


def test_a_forged_cursor_names_no_page(staff_client: Client) -> None:
    from offers.selectors import moderation_queue

    with pytest.raises(BadCursor):
        keyset_page(moderation_queue(), keys=QUEUE_KEYS, cursor="forged")
    assert staff_client.get(reverse("offers-staff:queue"), {"after": "x"}).status_code == 404


def test_the_queue_page_says_how_many_more_and_links_the_next_page(staff_client: Client) -> None:
    for _ in range(PAGE_SIZE + 3):
        OfferFactory(pending=True)
    response = staff_client.get(reverse("offers-staff:queue"), {"kind": "donation"})
    body = response.content.decode()
    assert "3 more after this page" in body
    page = response.context["page"]
    assert "kind=donation" in page.next_query
    assert "after=" in page.next_query
    following = staff_client.get(reverse("offers-staff:queue") + "?" + page.next_query)
    assert len(following.context["page"]) == 3


# --- Query counts: pinned, the same for few rows and many ------------------------------

QUEUE_PAGES = [
    # session, user, memberships; categories and districts of the filters (the unread
    # badge comes from the cache);
    # then the rows (and their bounded "more" count when a page is full)
    ("offers-staff:queue", 7),  # and who holds which (core.claims)
    ("offers-staff:search", 6),
    ("offers-staff:call-back", 6),
    ("needs-staff:list", 8),  # the needs' districts, and the access to internal references
    ("associations-staff:queue", 8),  # their districts, the refused ones, who holds which
    ("matching-staff:awaiting", 6),
    ("matching-staff:to-call", 8),
]


def _fill(count: int) -> None:
    for _ in range(count):
        OfferFactory(pending=True)
        OrganisationFactory(unverified=True)
    _matches(Match.Status.PROPOSED, owner=None, origin="phone")


@pytest.mark.parametrize(("page", "pinned"), QUEUE_PAGES)
def test_queue_pages_make_the_same_few_queries_for_few_rows_and_many(
    page: str, pinned: int, staff_client: Client, django_assert_num_queries: Any
) -> None:
    for count in (1, 12):
        _fill(count)
        staff_client.get(reverse(page))  # the unread badge, counted once, is then cached
        with django_assert_num_queries(pinned):
            staff_client.get(reverse(page))


# --- Who may open them -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("visitor", 302),
        ("resident", 403),
        ("association_member", 403),
        ("staff", 200),
        ("coordinator", 200),
    ],
)
def test_the_proposals_awaiting_answers_are_for_staff(
    request: pytest.FixtureRequest, role: str, status: int
) -> None:
    user = None if role == "visitor" else request.getfixturevalue(role)
    response = client_for(user).get(reverse("matching-staff:awaiting"))
    assert response.status_code == status


def test_the_needs_list_keeps_its_own_filter_of_notes_to_clean(staff_client: Client) -> None:
    flagged = NeedFactory(note="x", note_flags=["email"])
    NeedFactory()
    response = staff_client.get(reverse("needs-staff:list"), {"flagged": "on"})
    assert "flagged" in response.context["filters"].fields
    assert list(response.context["page"]) == [flagged]
