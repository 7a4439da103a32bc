import pytest
from django.test import Client, override_settings

from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TOKEN = "a-monitoring-token-of-the-city"


@pytest.fixture
def client() -> Client:
    """Health details, as a monitor with the health token reads them."""
    return Client(headers={"Authorization": f"Bearer {TOKEN}"})


@pytest.fixture(autouse=True)
def _health_token(settings: object) -> None:
    settings.ENTRAIDE_HEALTHZ_TOKEN = TOKEN  # type: ignore[attr-defined]


def test_anyone_reads_up_or_down_and_nothing_more() -> None:
    from core.heartbeat import record_heartbeat

    record_heartbeat()  # as a worker would, when tasks travel through a broker
    for anonymous in (Client(), Client(headers={"Authorization": "Bearer wrong"})):
        response = anonymous.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


def test_staff_read_which_check_says_what() -> None:
    from core.heartbeat import record_heartbeat

    record_heartbeat()
    body = client_for(UserFactory(staff=True)).get("/healthz").json()
    assert set(body["checks"]) == {"database", "cache", "broker", "worker"}
    assert "vendor" not in body["checks"]["database"]
    assert "checks" not in client_for(UserFactory()).get("/healthz").json()


def test_healthz_reports_every_check_as_json(client: Client) -> None:
    from core.heartbeat import record_heartbeat

    record_heartbeat()  # as a worker would (with eager tasks the check passes anyway)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "worker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "no-cache" in response["Cache-Control"]


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # A real connection to a port where nothing listens.
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
)
def test_healthz_answers_503_and_names_the_failing_check_when_the_cache_is_down(
    client: Client,
) -> None:
    from django.core.cache import caches

    caches["default"].close()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}
    assert body["checks"]["database"]["ok"] is True


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_answers_503_when_the_broker_is_unreachable(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_reports_the_worker_down_when_no_heartbeat_was_ever_recorded(
    client: Client,
) -> None:
    body = client.get("/healthz").json()
    assert body["checks"]["worker"] == {"ok": False, "last_heartbeat": None}


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, ENTRAIDE_WORKER_HEARTBEAT_MAX_AGE=60)
def test_healthz_reports_the_worker_down_when_its_heartbeat_is_stale(client: Client) -> None:
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from core.heartbeat import HEARTBEAT_KEY

    stale = timezone.now() - timedelta(minutes=5)
    cache.set(HEARTBEAT_KEY, {"at": stale.isoformat(), "worker": "w1"})
    worker = client.get("/healthz").json()["checks"]["worker"]
    assert worker["ok"] is False
    assert worker["age_seconds"] >= 300
