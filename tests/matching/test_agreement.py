"""The printable hosting agreement of a confirmed housing match: for both sides and staff,
in each reader's language, one page from our own print stylesheet, naming no one who is
helped."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.models import User
from core.models import AuditEntry
from matching import services
from matching.models import Match
from needs.models import Need
from tests.matching.conftest import ASSOCIATION_PHONE, STREET_ADDRESS
from tests.matching.pages import in_english
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db

ROLES = {
    "visitor": "login",
    "resident": 200,
    "association_member": 200,
    "other_resident": 404,
    "other_member": 404,
    "staff": 200,
    "coordinator": 200,
}


def url(match: Match) -> str:
    return reverse("matching:agreement", args=[match.pk])


@pytest.mark.parametrize(("role", "expected"), ROLES.items())
def test_the_agreement_is_for_both_sides_and_staff(
    role: str, expected: object, confirmed: Match, request: pytest.FixtureRequest
) -> None:
    person = None if role == "visitor" else request.getfixturevalue(role)
    response = in_english(person).get(url(confirmed))
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


def test_there_is_no_agreement_before_both_sides_accept(
    proposed: Match, resident: User, staff: User
) -> None:
    assert in_english(resident).get(url(proposed)).status_code == 404
    assert in_english(staff).get(url(proposed)).status_code == 404


@override_settings(ENTRAIDE_PHONE_LINE="0 800 00 00 00")
def test_the_agreement_gives_dates_housing_contacts_and_follow_up(
    confirmed: Match, need: Need, association_member: User
) -> None:
    page = in_english(association_member).get(url(confirmed)).content.decode()
    start = timezone.localdate(confirmed.confirmed_at)
    for expected in (
        "Hosting agreement",
        f"need #{need.pk}",
        STREET_ADDRESS,
        "Chambre lumineuse",
        ASSOCIATION_PHONE,
        "0 800 00 00 00",
        settings.ENTRAIDE_CONTACT_EMAIL,
        "1 adult",
    ):
        assert expected in page, expected
    # The follow-up dates are those of the check-ins, a week and a month after.
    with translation.override("en"):
        for days in (7, 30):
            assert date_format(start + timedelta(days=days), "DATE_FORMAT") in page


def test_the_agreement_names_no_one_who_is_helped(
    confirmed: Match, need: Need, association_member: User
) -> None:
    Need.objects.filter(pk=need.pk).update(note="Madame K. et sa fille", internal_reference="K-12")
    page = in_english(association_member).get(url(confirmed)).content.decode()
    assert "Madame K." not in page
    assert "K-12" not in page


def test_each_look_at_the_agreement_is_audited(confirmed: Match, staff: User) -> None:
    in_english(staff).get(url(confirmed))
    entry = AuditEntry.objects.get(action="matching.match.agreement_viewed")
    assert (entry.actor, entry.detail) == (staff, {"side": "staff"})


def test_the_agreement_reads_in_arabic_right_to_left(confirmed: Match, resident: User) -> None:
    User.objects.filter(pk=resident.pk).update(preferred_language="ar")
    from tests.conftest import client_for

    page = client_for(resident).get(url(confirmed)).content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_the_agreement_prints_with_our_own_stylesheet_and_no_inline_code(
    confirmed: Match, resident: User
) -> None:
    page = in_english(resident).get(url(confirmed)).content.decode()
    assert "/static/matching/agreement.css" in page
    assert '<script src="/static/core/print.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script
    assert " style=" not in page and "<style" not in page  # noqa: PT018


def test_a_counter_need_gives_the_city_team_as_the_contact(room, staff: User) -> None:
    counter = NeedFactory(counter=True)
    match = services.match_propose(need=counter, offer=room, by=staff)
    services.match_accept(match=match, by=room.owner)
    services.match_accept(match=match, by=staff, side="association", consent=True)
    page = in_english(staff).get(url(match)).content.decode()
    assert settings.ENTRAIDE_CONTACT_EMAIL in page


def test_the_proposal_page_links_to_the_agreement_once_confirmed(
    confirmed: Match, resident: User
) -> None:
    page = in_english(resident).get(reverse("matching:proposal", args=[confirmed.pk]))
    assert url(confirmed) in page.content.decode()
