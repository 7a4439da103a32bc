"""The launch playbook (docs/playbook.fr.md, docs/playbook.en.md) and its page in the app
(``/equipe/lancement/``): every setting and every page they name exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve

from core.launch import launch_steps
from offers import services as offer_services
from tests.conftest import client_for
from tests.test_deployment_files import production_settings

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOKS = [ROOT / "docs" / "playbook.fr.md", ROOT / "docs" / "playbook.en.md"]
SETTING = re.compile(r"\b(?:ENTRAIDE|DJANGO)_[A-Z0-9_]+\b")
PAGE = re.compile(r"`(/[^`\s]*)`")
# Pages that other work in progress adds (the public statistics of issue 13): the playbook
# says "see ..." for them. Re-check after merging, then remove them from here.
ELSEWHERE = {"/statistiques/"}
# The practices of the guide that the launch must cover (fiches 1, 2, 3, 5, 7, 8, 9, 10).
FICHES = {"1", "2", "3", "5", "7", "8", "9", "10"}


def names_read_by_the_settings() -> set[str]:
    from entraide import settings as module

    return set(module.env.names_read) | set(production_settings()["names_read"])


def settings_named(path: Path) -> set[str]:
    return set(SETTING.findall(path.read_text()))


def pages_named(path: Path) -> set[str]:
    return {match.split("?")[0] for match in PAGE.findall(path.read_text())}


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda path: path.name)
def test_every_setting_the_playbook_names_is_read_by_the_settings(playbook: Path) -> None:
    named = settings_named(playbook)
    assert len(named) > 10
    assert sorted(named - names_read_by_the_settings()) == []


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda path: path.name)
def test_every_page_the_playbook_names_exists(playbook: Path) -> None:
    missing = []
    for page in sorted(pages_named(playbook) - ELSEWHERE):
        try:
            resolve(page.replace("<id>", "1"))
        except Resolver404:
            missing.append(page)
    assert len(pages_named(playbook)) > 15
    assert missing == []


def test_the_french_and_english_playbooks_name_the_same_settings_and_pages() -> None:
    french, english = PLAYBOOKS
    assert settings_named(french) == settings_named(english)
    assert pages_named(french) == pages_named(english)


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda path: path.name)
def test_the_playbook_covers_every_fiche_and_a_first_week(playbook: Path) -> None:
    text = playbook.read_text()
    cited = set(re.findall(r"\(fiches? ([\d ,et and]+)\)", text))
    numbers = {number for group in cited for number in re.findall(r"\d+", group)}
    assert numbers >= FICHES
    assert re.search(r"^## (The first week|La première semaine)$", text, re.M)


# --- The launch page ---------------------------------------------------------------------


def test_every_setting_the_launch_page_names_is_read_by_the_settings(db: None) -> None:
    named = {name for step in launch_steps() for name in step.settings}
    assert sorted(named - names_read_by_the_settings()) == []


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("visitor", 302),
        ("resident", 403),
        ("other_resident", 403),
        ("association_member", 403),
        ("association_admin", 403),
        ("staff", 200),
        ("coordinator", 200),
    ],
)
def test_the_launch_page_opens_to_city_staff_only(
    request: pytest.FixtureRequest, role: str, expected: int
) -> None:
    user = None if role == "visitor" else request.getfixturevalue(role)
    assert client_for(user).get("/equipe/lancement/").status_code == expected


def test_the_launch_page_links_only_to_pages_that_exist(staff: Any) -> None:
    page = client_for(staff).get("/equipe/lancement/").content.decode()
    links = re.findall(r'<a href="(/[^"]*)"', page)
    assert len(links) > 15
    for link in links:
        resolve(link.split("?")[0])


def test_the_launch_page_ticks_what_is_in_place(staff: Any, coordinator: Any) -> None:
    def states() -> dict[int, bool | None]:
        return {step.number: step.done for step in launch_steps()}

    assert states()[1] is False
    assert states()[3] is False
    with override_settings(
        ENTRAIDE_PHONE_LINE="0 800 00 00 00", ENTRAIDE_COUNTER_ADDRESS="Hôtel de ville"
    ):
        assert states()[1] is True
    offer_services.host_charter_publish(by=coordinator, texts={"fr": "Charte"})
    assert states()[3] is True
    assert states()[4] is None  # a decision the app cannot see
    page = client_for(staff, language="en").get("/equipe/lancement/").content.decode()
    assert "Charter version 1 in force" in page


def test_the_staff_home_leads_to_the_launch_page(staff: Any) -> None:
    assert 'href="/equipe/lancement/"' in client_for(staff).get("/equipe/").content.decode()
