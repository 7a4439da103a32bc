"""The one place that reads the process environment.

Every setting Entraide takes from outside goes through :class:`Environment`, which
parses strictly and raises :class:`ImproperlyConfigured` with the variable's name on a
bad value, so that a typo in a deployment stops the process at start-up instead of
quietly running with a default. It also remembers which names were read, so a test can
check that every variable a deployment file sets is one the settings understand.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Environment:
    def __init__(self, environ_: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ_ is None else environ_
        self.names_read: set[str] = set()

    def _raw(self, name: str) -> str | None:
        self.names_read.add(name)
        value = self._environ.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def is_set(self, name: str) -> bool:
        return self._raw(name) is not None

    def string(self, name: str, default: str | None = None, *, required: bool = False) -> str:
        value = self._raw(name)
        if value is None:
            if required or default is None:
                raise ImproperlyConfigured(f"The environment variable {name} must be set.")
            return default
        return value

    def optional_str(self, name: str) -> str | None:
        return self._raw(name)

    def boolean(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean; use one of true/false, yes/no, on/off, 1/0."
        )

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self._raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
        return number

    def strings(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self._raw(name)
        if value is None:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def rate(self, name: str, default: str) -> str:
        """A rate limit as DRF reads it: "number/period", period s, m, h or d."""
        value = self._raw(name) or default
        number, _slash, period = value.partition("/")
        if not (number.isascii() and number.isdigit() and int(number) > 0) or (
            period[:1] not in {"s", "m", "h", "d"}
        ):
            raise ImproperlyConfigured(
                f"{name}={value!r} is not a rate such as 120/m (per s, m, h or d)."
            )
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self._raw(name)
        if value is None:
            return default
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
        return value

    def database(self, name: str) -> dict[str, Any] | None:
        value = self._raw(name)
        if value is None:
            return None
        if urlsplit(value).scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
            raise ImproperlyConfigured(
                f"{name} must be a postgres:// or sqlite:// URL, not {_redact(value)!r}."
            )
        try:
            return environ.Env.db_url_config(value)
        except Exception as error:
            raise ImproperlyConfigured(f"{name} cannot be parsed: {error}") from None

    def redis_url(self, name: str) -> str | None:
        value = self._raw(name)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
            raise ImproperlyConfigured(
                f"{name} must look like redis://host:6379/0, not {_redact(value)!r}."
            )
        return value

    def email(self, name: str) -> dict[str, Any] | None:
        value = self._raw(name)
        if value is None:
            return None
        try:
            config = environ.Env.email_url_config(value)
        except Exception as error:
            raise ImproperlyConfigured(f"{name} cannot be parsed: {error}") from None
        if not config.get("EMAIL_BACKEND"):
            raise ImproperlyConfigured(f"{name} has an unknown scheme: {_redact(value)!r}.")
        return config


def strong_secret(value: str, *, length: int = 50, distinct: int = 20, bits: float = 200) -> bool:
    """Whether ``value`` looks like a random secret: long enough, with enough different
    characters, and enough Shannon entropy in its characters ("abcde" × 10 is 50
    characters of 2.3 bits each: 116 bits, refused), and not Django's placeholder."""
    if len(value) < length or len(set(value)) < distinct or value.startswith("django-insecure"):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy * len(value) >= bits


def redis_sibling_database(url: str, offset: int = 1) -> str:
    """The same Redis server one database number further (broker on n, cache on n+1).

    The cache lives apart from the broker so that clearing it can never drop queued tasks.
    """
    parts = urlsplit(url)
    current = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{current + offset}"))


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
