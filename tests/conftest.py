from __future__ import annotations

import time
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from accounts.models import User
from tests.factories import MembershipFactory, UserFactory
from tests.parallel import own_redis_databases

pytest_plugins = ["tests.celery_worker", "tests.browser.fixtures", "tests.oidc_provider.fixture"]

# Tests make accounts by the thousand: a password needs no slow hashing there. The real
# hasher (PBKDF2, Django's default) is what the settings keep for everyone else.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _fast_passwords() -> Iterator[None]:
    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        yield


@pytest.fixture(scope="session", autouse=True)
def _suggestions_read_in_sql() -> Iterator[None]:
    """The offers' snapshot (matching/offer_index.py) is built in a background thread,
    on a connection that sees none of a test's rows: tests that want it build it."""
    with override_settings(ENTRAIDE_MATCHING_OFFER_INDEX=False):
        yield


@pytest.fixture(scope="session", autouse=True)
def _own_redis_per_parallel_worker() -> Iterator[None]:
    """In parallel runs, each worker on its own Redis databases (``tests.parallel``)."""
    yield from own_redis_databases()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test database, with every other session on it ended before it is
    dropped: a worker or a server process that has just exited can linger a moment in
    PostgreSQL, and ``DROP DATABASE`` refuses a database somebody is still on."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    others = " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid)" + others)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # a terminated backend takes a moment to go
            cursor.execute("SELECT count(*)" + others)
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.05)
    connection.close()


@pytest.fixture(autouse=True)
def _fresh_reference_caches() -> Iterator[None]:
    """Matching and the API cache districts and categories per process: each test reads
    its own."""
    from core import reference
    from matching import retrieval

    retrieval.clear_caches()
    reference.clear()
    yield
    retrieval.clear_caches()
    reference.clear()


@pytest.fixture(scope="module")
def demo_city(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo city (``seed_demo``), loaded once for a module whose tests only read it.

    It lives in a transaction opened around the module's tests: each test runs in a
    savepoint inside it (pytest-django's ``db``), and the whole is rolled back at the end,
    so no other module ever sees it. Returns what the command printed.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        printed = StringIO()
        call_command("seed_demo", stdout=printed)
        yield printed.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate limits and throttles live in the cache: each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def resident(db: None) -> User:
    return UserFactory(email="resident@example.org")


@pytest.fixture
def other_resident(db: None) -> User:
    return UserFactory(email="other.resident@example.org")


@pytest.fixture
def association_member(db: None) -> User:
    return MembershipFactory(user__email="member@example.org").user


@pytest.fixture
def association_admin(db: None) -> User:
    return MembershipFactory(user__email="admin@example.org", admin=True).user


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(email="staff@example.org", staff=True)


@pytest.fixture
def coordinator(db: None) -> User:
    return UserFactory(email="coordinator@example.org", coordinator=True)


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run tasks in this process even when a broker is configured (REDIS_URL), for tests
    about what a task does rather than how it travels."""
    from entraide.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _tasks_travel_only_in_service_tests(request: pytest.FixtureRequest) -> None:
    """Only tests marked ``services`` or ``chaos`` send tasks through the broker to a
    worker; every other test runs its tasks in-process, with or without REDIS_URL."""
    if not (
        request.node.get_closest_marker("services") or request.node.get_closest_marker("chaos")
    ):
        request.getfixturevalue("eager_tasks")


@pytest.fixture
def in_english() -> Iterator[None]:
    """Domain messages read in English, whatever the default language (French)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def client_for(user: User | None, *, language: str | None = None) -> Client:
    """A client signed in as ``user`` (anonymous for None); with ``language``, pages speak
    it (the language cookie, as the switcher sets it) whatever the person prefers."""
    client = Client()
    if user is not None:
        client.force_login(user)
    if language is not None:
        from django.conf import settings

        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client
