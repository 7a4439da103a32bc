"""The ``oidc_provider`` fixture: the test identity provider, started once per session.

A pytest plugin (listed in ``tests/conftest.py``). The provider runs in a subprocess
(``python -m tests.oidc_provider.serve``) on a port the OS chooses; the fixture waits for
its ``READY`` line, and stops it at the end of the session.
"""

from __future__ import annotations

import copy
import os
import re
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from tests.oidc_provider.serve import EMAIL, PASSWORD, USERNAME

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60
CALLBACK_PATH = "/compte/oidc/ville/login/callback/"
STAFF_GROUP = "entraide-moderateurs"
COORDINATOR_GROUP = "entraide-coordination"


@dataclass
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    control_secret: str
    username: str = USERNAME
    password: str = PASSWORD
    email: str = EMAIL

    def control(self, **order: Any) -> None:
        response = requests.post(
            f"{self.issuer.removesuffix('/o')}/control/",
            json=order,
            headers={"X-Control-Secret": self.control_secret},
            timeout=10,
        )
        response.raise_for_status()

    def set_groups(self, *groups: str) -> None:
        self.control(username=self.username, groups=list(groups))

    def allow_redirect(self, base_url: str) -> None:
        self.control(client_id=self.client_id, redirect_uri=base_url.rstrip("/") + CALLBACK_PATH)

    def fault(self, mode: str) -> None:
        self.control(fault=mode)

    def entraide_settings(self) -> dict[str, Any]:
        """What ``override_settings`` needs for Entraide to sign in through this provider,
        as the environment would configure it (see ``entraide/settings.py``)."""
        from django.conf import settings

        oidc = {
            **settings.ENTRAIDE_OIDC,
            "issuer": self.issuer,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "name": "Compte Ville",
            "staff_groups": [STAFF_GROUP],
            "coordinator_groups": [COORDINATOR_GROUP],
        }
        providers = {
            "openid_connect": {
                **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
                "APPS": [
                    {
                        "provider_id": "ville",
                        "name": oidc["name"],
                        "client_id": self.client_id,
                        "secret": self.client_secret,
                        "settings": {
                            "server_url": self.issuer,
                            "scope": oidc["scopes"],
                            "verified_email": True,
                        },
                    }
                ],
            }
        }
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"].append(self.issuer.removesuffix("/o"))
        return {
            "CONTENT_SECURITY_POLICY": policy,
            "ENTRAIDE_OIDC_ISSUER": self.issuer,
            "ENTRAIDE_OIDC": oidc,
            "SOCIALACCOUNT_PROVIDERS": providers,
        }

    def sign_in(self, client: Client, *, next_url: str = "") -> Any:
        """The whole code flow, with Django's test client as the browser on Entraide's side
        and ``requests`` on the provider's: returns Entraide's answer to the callback."""
        start = "/compte/oidc/ville/login/" + (f"?next={next_url}" if next_url else "")
        answer = client.post(start)
        assert answer.status_code == 302, answer
        location = answer["Location"]
        browser = requests.Session()
        origin = self.issuer.removesuffix("/o")
        for _hop in range(10):
            if urlsplit(location).path == CALLBACK_PATH:
                back = urlsplit(location)
                return client.get(f"{back.path}?{back.query}")
            url = location if location.startswith("http") else origin + location
            reply = browser.get(url, allow_redirects=False, timeout=10)
            if reply.status_code == 200 and urlsplit(url).path == "/login/":
                reply = self._submit_credentials(browser, url, reply.text)
            assert reply.status_code == 302, (url, reply.status_code, reply.text[:500])
            location = reply.headers["Location"]
        raise AssertionError("The provider never sent the browser back to Entraide.")

    def _submit_credentials(self, browser: requests.Session, url: str, page: str) -> Any:
        fields = dict(re.findall(r'name="(csrfmiddlewaretoken|next)" value="([^"]*)"', page))
        return browser.post(
            url,
            data={
                **{name: value.replace("&amp;", "&") for name, value in fields.items()},
                "username": self.username,
                "password": self.password,
            },
            headers={"Referer": url},
            allow_redirects=False,
            timeout=10,
        )


def _private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    folder = tmp_path_factory.mktemp("oidc-provider")
    client_id, client_secret = "entraide-" + secrets.token_hex(4), secrets.token_urlsafe(32)
    control_secret = secrets.token_urlsafe(32)
    environment = {
        **os.environ,
        "OIDC_TEST_RSA_KEY": _private_key(),
        "OIDC_TEST_CLIENT_ID": client_id,
        "OIDC_TEST_CLIENT_SECRET": client_secret,
        "OIDC_TEST_CONTROL_SECRET": control_secret,
        "OIDC_TEST_DATABASE": str(folder / "provider.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "CACHE_URL"):
        environment.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.serve"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    issuer = _wait_until_ready(process)
    try:
        yield Provider(
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            control_secret=control_secret,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _wait_until_ready(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    lines: list[str] = []
    ready: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("READY "):
                ready.append(line.split()[1])
                break
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    if not ready:
        process.kill()
        pytest.fail("The test identity provider did not start:\n" + "".join(lines[-40:]))
    # Keep draining its output so that the pipe never fills up and blocks it.
    threading.Thread(target=lambda: [None for _ in process.stdout or []], daemon=True).start()
    return ready[0]
