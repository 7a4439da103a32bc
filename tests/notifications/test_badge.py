"""The cached unread badge (notifications/badge.py): a count never outlives a write."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from accounts.models import User
from notifications import badge, selectors, services
from tests.notifications.factories import in_app_call

pytestmark = pytest.mark.django_db


def test_the_count_is_read_once_then_served_from_the_cache(
    resident: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    in_app_call(resident, "Premier", key="1")
    with django_assert_num_queries(1):
        assert selectors.unread_count(resident) == 1
    with django_assert_num_queries(0):
        assert selectors.unread_count(resident) == 1


def test_a_count_taken_while_a_message_arrived_is_not_served_after_it(resident: User) -> None:
    def count_racing_a_write() -> int:
        # Another request creates a message after this one read the version and before
        # its count returns: the count it stores is already old.
        badge.unread_changed([resident.pk])
        return 0

    assert badge.cached_count(resident.pk, count_racing_a_write) == 0
    assert badge.cached_count(resident.pk, lambda: 1) == 1


def test_a_count_taken_before_the_commit_is_dropped_when_it_commits(
    resident: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        in_app_call(resident, "Premier", key="1")
        # A request on another connection cannot see the new row yet, and caches 0.
        assert badge.cached_count(resident.pk, lambda: 0) == 0

    assert selectors.unread_count(resident) == 1


def test_a_lost_version_means_a_recount(resident: User) -> None:
    assert badge.cached_count(resident.pk, lambda: 3) == 3
    cache.clear()  # an evicted or restarted cache
    assert badge.cached_count(resident.pk, lambda: 5) == 5


def test_reading_nothing_new_keeps_the_cached_count(
    resident: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    first = in_app_call(resident, "Premier", key="1")
    services.notification_mark_read(notification=first, user=resident)
    assert selectors.unread_count(resident) == 0
    services.notification_mark_read(notification=first, user=resident)  # already read
    with django_assert_num_queries(0):
        assert selectors.unread_count(resident) == 0
