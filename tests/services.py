"""Helpers for tests that need the real services (PostgreSQL, Redis, a Celery worker).

Locally, such a test is skipped when a service is missing; in CI (``ENTRAIDE_REQUIRE_SERVICES=1``,
set by ``.ci/run``) it fails instead, so that nothing is silently left out.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def services_required() -> bool:
    return os.environ.get("ENTRAIDE_REQUIRE_SERVICES", "") == "1"


def unavailable(reason: str) -> NoReturn:
    if services_required():
        pytest.fail(f"Required in CI but unavailable: {reason}")
    pytest.skip(reason)
