"""The demo's links follow the address it was started on: ``make run PORT=8101`` gives
links to 8101 in e-mails, and the notification centre links to the page being browsed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def base_urls_of_make_run(*arguments: str, **environment: str) -> set[str]:
    """What ``make run`` would give its commands as ENTRAIDE_BASE_URL (each command is
    replaced by ``printenv``; the install step is taken as done)."""
    env = {k: v for k, v in os.environ.items() if k != "ENTRAIDE_BASE_URL"} | environment
    make = shutil.which("make") or "make"
    command = [make, "-s", "-o", ".venv/.installed", "run", *arguments]
    command.append("MANAGE=printenv ENTRAIDE_BASE_URL #")
    done = subprocess.run(  # noqa: S603 (our own Makefile, fixed arguments)
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is needed")


def test_make_run_on_another_port_gives_links_to_that_port() -> None:
    assert base_urls_of_make_run("PORT=8101") == {"http://127.0.0.1:8101"}


def test_make_run_on_all_interfaces_gives_links_to_the_local_address() -> None:
    assert base_urls_of_make_run("HOST=0.0.0.0", "PORT=8102") == {"http://127.0.0.1:8102"}


def test_an_address_given_in_the_environment_wins() -> None:
    found = base_urls_of_make_run("PORT=8101", ENTRAIDE_BASE_URL="https://entraide.example.org")
    assert found == {"https://entraide.example.org"}
