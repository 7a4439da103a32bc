"""Neither side sees how to reach the other before both accept; afterwards each does,
and each look is audited. Staff pages of matching never show where a host lives."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from core.models import AuditEntry
from matching.models import Match
from tests.conftest import client_for
from tests.matching.conftest import (
    ASSOCIATION_EMAIL,
    ASSOCIATION_PHONE,
    RESIDENT_EMAIL,
    RESIDENT_PHONE,
    STREET_ADDRESS,
    api_as,
)

pytestmark = pytest.mark.django_db

# What each side must not see of the other before both accepted.
OTHER_SIDE = {
    "resident": (ASSOCIATION_PHONE, ASSOCIATION_EMAIL),
    "association_member": (RESIDENT_PHONE, RESIDENT_EMAIL, STREET_ADDRESS),
}
CONTACT_VIEWED = "matching.match.contact_viewed"


def everything_shown_to(user: User, match: Match) -> str:
    """The text of every matching page and API response ``user`` can open for ``match``,
    with the notifications they were sent."""
    pages, api = client_for(user), api_as(user)
    responses = [
        pages.get(reverse("matching:mine")),
        pages.get(reverse("matching:proposal", args=[match.pk])),
        pages.get(reverse("notifications:inbox")),
        api.get("/api/v1/matches/"),
        api.get(f"/api/v1/matches/{match.pk}/"),
        api.get(f"/api/v1/matches/{match.pk}/contact/"),
    ]
    return "\n".join(response.content.decode() for response in responses)


@pytest.mark.parametrize("side", ["resident", "association_member"])
def test_before_both_accept_no_side_sees_the_other_s_contact(
    side: str, proposed: Match, request: pytest.FixtureRequest
) -> None:
    shown = everything_shown_to(request.getfixturevalue(side), proposed)
    for secret in OTHER_SIDE[side]:
        assert secret not in shown
    assert not AuditEntry.objects.filter(action=CONTACT_VIEWED).exists()


def test_after_one_side_accepted_the_contacts_are_still_hidden(
    proposed: Match, resident: User, association_member: User
) -> None:
    client_for(resident).post(reverse("matching:answer", args=[proposed.pk, "accept"]))
    for side, user in (("resident", resident), ("association_member", association_member)):
        shown = everything_shown_to(user, proposed)
        assert not [secret for secret in OTHER_SIDE[side] if secret in shown]


def test_the_contact_api_refuses_before_confirmation(proposed: Match, resident: User) -> None:
    assert api_as(resident).get(f"/api/v1/matches/{proposed.pk}/contact/").status_code == 403


def test_once_confirmed_the_resident_sees_the_association_s_contact_and_it_is_audited(
    confirmed: Match, resident: User
) -> None:
    page = client_for(resident).get(reverse("matching:proposal", args=[confirmed.pk]))
    assert ASSOCIATION_PHONE in page.content.decode()
    assert ASSOCIATION_EMAIL in page.content.decode()
    entry = AuditEntry.objects.get(action=CONTACT_VIEWED)
    assert (entry.actor, entry.target_id, entry.detail) == (
        resident,
        str(confirmed.pk),
        {"side": "resident"},
    )


def test_once_confirmed_the_association_sees_the_host_s_contact_and_address(
    confirmed: Match, association_member: User
) -> None:
    page = client_for(association_member).get(reverse("matching:proposal", args=[confirmed.pk]))
    for secret in (RESIDENT_PHONE, RESIDENT_EMAIL, STREET_ADDRESS):
        assert secret in page.content.decode()
    assert AuditEntry.objects.filter(action=CONTACT_VIEWED, actor=association_member).exists()


def test_each_look_at_a_contact_through_the_api_is_audited(
    confirmed: Match, resident: User, association_member: User
) -> None:
    url = f"/api/v1/matches/{confirmed.pk}/contact/"
    assert api_as(resident).get(url).json()["email"] == ASSOCIATION_EMAIL
    seen = api_as(association_member).get(url).json()
    assert (seen["phone"], seen["street_address"]) == (RESIDENT_PHONE, STREET_ADDRESS)
    api_as(resident).get(url)
    assert AuditEntry.objects.filter(action=CONTACT_VIEWED).count() == 3


def test_the_match_api_never_holds_a_contact(confirmed: Match, resident: User) -> None:
    body = api_as(resident).get(f"/api/v1/matches/{confirmed.pk}/").content.decode()
    assert not [secret for secret in OTHER_SIDE["resident"] if secret in body]


def test_staff_pages_of_matching_never_show_the_host_s_address(
    confirmed: Match, staff: User
) -> None:
    pages = client_for(staff)
    urls = [
        reverse("matching-staff:workbench"),
        reverse("matching-staff:need", args=[confirmed.need_id]),
        reverse("matching-staff:offer", args=[confirmed.offer_id]),
        reverse("matching-staff:match", args=[confirmed.pk]),
    ]
    for url in urls:
        response = pages.get(url)
        assert response.status_code == 200
        assert STREET_ADDRESS not in response.content.decode(), url


def test_the_staff_suggestions_of_a_need_never_show_the_host_s_address(
    need, room, staff: User
) -> None:
    page = client_for(staff).get(reverse("matching-staff:need", args=[need.pk]))
    assert room.title in page.content.decode()  # suggested, with its facts
    assert STREET_ADDRESS not in page.content.decode()
