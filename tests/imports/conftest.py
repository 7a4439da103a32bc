from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _quick_passwords(settings: pytest.FixtureRequest) -> None:
    """Accounts are made by the dozen here: hash their passwords quickly (tests only)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
