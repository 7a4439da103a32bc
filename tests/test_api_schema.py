import pytest
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db
def test_the_openapi_schema_is_served_and_describes_the_api(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/me/", "/api/v1/me/token/", "/api/v1/sectors/"} <= set(schema["paths"])
    security = schema["components"]["securitySchemes"]
    assert {"tokenAuth", "cookieAuth"} <= set(security)


def test_the_schema_is_valid_and_generates_without_warnings(tmp_path: object) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", f"{tmp_path}/s.yml")


@pytest.mark.django_db
def test_the_api_docs_are_served_from_our_own_origin(client: Client) -> None:
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()
