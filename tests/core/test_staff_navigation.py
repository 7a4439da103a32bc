"""Staff get their own menu (queues with a live count, search, workbench, urgent calls,
statistics), not the resident's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from tests.conftest import client_for
from tests.factories import OfferFactory

pytestmark = pytest.mark.django_db

STAFF_ITEMS = ("Staff area", "Search", "Workbench", "Urgent calls", "Statistics")
RESIDENT_ITEMS = ("My offers", "My proposals")


def _menu(user: User) -> str:
    page = client_for(user, language="en").get(reverse("home")).content.decode()
    return page.split('class="site-nav"')[1].split("</nav>")[0]


@pytest.mark.parametrize("role", ["staff", "coordinator"])
def test_staff_see_the_staff_menu_and_not_the_residents(
    request: pytest.FixtureRequest, role: str
) -> None:
    menu = _menu(request.getfixturevalue(role))
    assert 'aria-label="Staff menu"' in menu
    assert all(item in menu for item in STAFF_ITEMS)
    assert not any(item in menu for item in RESIDENT_ITEMS)
    assert reverse("staff-counts") in menu  # the live count, loaded after the page


@pytest.mark.parametrize("role", ["resident", "association_member"])
def test_residents_keep_their_menu(request: pytest.FixtureRequest, role: str) -> None:
    menu = _menu(request.getfixturevalue(role))
    assert all(item in menu for item in RESIDENT_ITEMS)
    assert "Workbench" not in menu


def test_the_menu_count_adds_up_what_waits(staff: User) -> None:
    for _ in range(3):
        OfferFactory(pending=True)
    body = client_for(staff, language="en").get(reverse("staff-counts")).content.decode()
    assert '<span class="badge">3<span class="visually-hidden"> waiting</span></span>' in body


@pytest.mark.parametrize(
    ("role", "status"),
    [("visitor", 302), ("resident", 403), ("association_member", 403), ("staff", 200),
     ("coordinator", 200)],
)  # fmt: skip
def test_the_menu_count_is_for_staff(
    request: pytest.FixtureRequest, role: str, status: int
) -> None:
    user = None if role == "visitor" else request.getfixturevalue(role)
    assert client_for(user).get(reverse("staff-counts")).status_code == status
