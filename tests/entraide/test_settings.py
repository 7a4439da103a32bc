"""The settings in their two modes, each loaded in a fresh process with a chosen environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENVIRONMENT = {
    "DJANGO_ENV": "production",
    "DATABASE_URL": "postgres://entraide:secret@db.internal:5432/entraide",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "DJANGO_SECRET_KEY": "prod-7fQ2xL9vWm4TzR8kBn3Hs6Jd1Yc5Pg0eAu" * 2,
    "DJANGO_ALLOWED_HOSTS": "entraide.example.org",
    "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.org:587",
    "ENTRAIDE_CONTACT_EMAIL": "entraide@example.org",
}
PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "database": str(settings.DATABASES["default"]["NAME"]),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "email": settings.EMAIL_BACKEND,
    "email_path": getattr(settings, "EMAIL_FILE_PATH", ""),
    "debug": settings.DEBUG,
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "hsts": getattr(settings, "SECURE_HSTS_SECONDS", 0),
}))
"""


def _clean_environment(tmp_path: Path, extra: dict[str, str]) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "SYSTEMROOT", "VIRTUAL_ENV"}
    environment = {key: value for key, value in os.environ.items() if key in keep}
    environment.update({"DJANGO_SETTINGS_MODULE": "entraide.settings"})
    environment.setdefault("ENTRAIDE_VAR_DIR", str(tmp_path / "var"))
    environment.update(extra)
    return environment


def _run(code: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_with_no_environment_the_demo_runs_on_sqlite_eager_tasks_and_mail_files(
    tmp_path: Path,
) -> None:
    result = _run(PROBE, _clean_environment(tmp_path, {}))
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["database"] == str(tmp_path / "var" / "entraide.sqlite3")
    assert loaded["eager"] is True
    assert loaded["email"] == "django.core.mail.backends.filebased.EmailBackend"
    assert loaded["email_path"] == str(tmp_path / "var" / "mail")
    assert loaded["debug"] is True


def test_with_no_environment_a_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    environment = _clean_environment(tmp_path, {})
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _run(code, environment).stdout.strip()
    second = _run(code, environment).stdout.strip()
    assert len(first) >= 50
    assert first == second
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_production_uses_postgresql_redis_and_secure_cookies(tmp_path: Path) -> None:
    result = _run(PROBE, _clean_environment(tmp_path, PRODUCTION_ENVIRONMENT))
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["eager"] is False
    assert loaded["broker"] == "redis://redis.internal:6379/0"
    assert loaded["cache"] == "core.cache.RedisCache"  # Django's, one client per pool
    assert loaded["cache_location"] == "redis://redis.internal:6379/1"
    assert loaded["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["debug"] is False
    assert loaded["session_secure"] is True
    assert loaded["hsts"] >= 31_536_000


WARM_UP_PROBE = """
import json, sys
import entraide.wsgi
from django.db import connections
print(json.dumps({
    "connections": [alias for alias in connections if connections[alias].connection is not None],
    "views": [name for name in ("offers.api", "matching.api", "offers.views")
              if name in sys.modules],
}))
"""


def test_the_web_application_loads_its_views_before_a_request_and_opens_no_connection(
    tmp_path: Path,
) -> None:
    """gunicorn --preload loads the application once, in the master process, and forks
    each worker from it: what it loads (the URLconf, every view, the catalogues) is
    ready in each new worker, and a connection opened there would be shared by all of
    them. Here the database and Redis are names that do not resolve."""
    result = _run(WARM_UP_PROBE, _clean_environment(tmp_path, PRODUCTION_ENVIRONMENT))
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded == {"connections": [], "views": ["offers.api", "matching.api", "offers.views"]}


@pytest.mark.parametrize(
    "missing",
    ["DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "EMAIL_URL"],
)
def test_production_refuses_to_start_without_a_required_variable(
    tmp_path: Path, missing: str
) -> None:
    environment = {k: v for k, v in PRODUCTION_ENVIRONMENT.items() if k != missing}
    result = _run(PROBE, _clean_environment(tmp_path, environment))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    environment = {**PRODUCTION_ENVIRONMENT, "DJANGO_SECRET_KEY": "too-short"}
    result = _run(PROBE, _clean_environment(tmp_path, environment))
    assert "DJANGO_SECRET_KEY must be at least 50" in result.stderr


@pytest.mark.parametrize(
    "secret",
    [
        "abcde" * 10,  # 50 characters, 5 different ones
        "django-insecure-" + "x1y2z3w4" * 6,  # Django's placeholder
        "a1B2c3D4e5" * 5,  # a short pattern repeated
    ],
)
def test_production_refuses_a_secret_key_of_low_entropy(tmp_path: Path, secret: str) -> None:
    environment = {**PRODUCTION_ENVIRONMENT, "DJANGO_SECRET_KEY": secret}
    result = _run(PROBE, _clean_environment(tmp_path, environment))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be at least 50 random characters" in result.stderr


@pytest.mark.parametrize("hosts", ["*", "entraide.example.org,*", "."])
def test_production_refuses_to_answer_any_host(tmp_path: Path, hosts: str) -> None:
    environment = {**PRODUCTION_ENVIRONMENT, "DJANGO_ALLOWED_HOSTS": hosts}
    result = _run(PROBE, _clean_environment(tmp_path, environment))
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must name the site's hosts" in result.stderr


def test_production_refuses_debug(tmp_path: Path) -> None:
    environment = {**PRODUCTION_ENVIRONMENT, "DJANGO_DEBUG": "true"}
    result = _run(PROBE, _clean_environment(tmp_path, environment))
    assert "DJANGO_DEBUG cannot be true" in result.stderr


def test_a_misspelt_boolean_stops_the_start_with_the_variable_name(tmp_path: Path) -> None:
    result = _run(PROBE, _clean_environment(tmp_path, {"DJANGO_DEBUG": "yes please"}))
    assert result.returncode != 0
    assert "DJANGO_DEBUG='yes please' is not a boolean" in result.stderr


def test_the_deployment_checklist_reports_nothing_in_production(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=_clean_environment(tmp_path, PRODUCTION_ENVIRONMENT),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


OIDC_PROBE = """
import json
from django.conf import settings
apps = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
print(json.dumps({
    "apps": apps,
    "form_action": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"],
    "staff_groups": settings.ENTRAIDE_OIDC["staff_groups"],
}))
"""
OIDC_ENVIRONMENT = {
    "ENTRAIDE_OIDC_ISSUER": "https://sso.ville.example/realms/agents/",
    "ENTRAIDE_OIDC_CLIENT_ID": "entraide",
    "ENTRAIDE_OIDC_CLIENT_SECRET": "s3cret",
    "ENTRAIDE_OIDC_STAFF_GROUPS": "entraide-moderateurs, entraide-accueil",
}


def test_the_city_provider_is_configured_from_the_environment(tmp_path: Path) -> None:
    result = _run(OIDC_PROBE, _clean_environment(tmp_path, OIDC_ENVIRONMENT))
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    (app,) = probe["apps"]
    assert app["client_id"] == "entraide"
    assert app["settings"]["server_url"] == "https://sso.ville.example/realms/agents"
    assert probe["staff_groups"] == ["entraide-moderateurs", "entraide-accueil"]
    assert "https://sso.ville.example" in probe["form_action"]


def test_without_an_issuer_no_provider_is_offered(tmp_path: Path) -> None:
    result = _run(OIDC_PROBE, _clean_environment(tmp_path, {}))
    assert json.loads(result.stdout)["apps"] == []


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ("ENTRAIDE_OIDC_CLIENT_SECRET", "ENTRAIDE_OIDC_CLIENT_SECRET must be set"),
        ("ENTRAIDE_OIDC_STAFF_GROUPS", "ENTRAIDE_OIDC_STAFF_GROUPS"),
    ],
)
def test_an_incomplete_provider_configuration_stops_the_start(
    tmp_path: Path, drop: str, message: str
) -> None:
    environment = {k: v for k, v in OIDC_ENVIRONMENT.items() if k != drop}
    result = _run(OIDC_PROBE, _clean_environment(tmp_path, environment))
    assert result.returncode != 0
    assert message in result.stderr


def test_staff_passwords_cannot_be_turned_off_without_a_provider(tmp_path: Path) -> None:
    environment = {"ENTRAIDE_STAFF_LOCAL_PASSWORDS": "false"}
    result = _run(OIDC_PROBE, _clean_environment(tmp_path, environment))
    assert result.returncode != 0
    assert "needs ENTRAIDE_OIDC_ISSUER" in result.stderr
