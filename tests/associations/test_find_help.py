"""The public "Find help" page and what associations choose to show on it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from accounts.models import Membership, User
from associations import services
from associations.models import PublicListing
from core.errors import DomainError
from core.models import AuditEntry
from tests.conftest import client_for
from tests.factories import MembershipFactory, OrganisationFactory, SectorFactory, UserFactory

pytestmark = [pytest.mark.django_db]
PAGE = "/trouver-de-l-aide/"
ROLES = ["visitor", "resident", "member_a", "admin_a", "admin_b", "staff", "coordinator"]


@pytest.fixture
def city(db: None) -> dict[str, Any]:
    north, south = SectorFactory(name="Nord", position=1), SectorFactory(name="Sud", position=2)
    org_a = OrganisationFactory(
        name="Accueil A",
        contact_name="Jeanne Privée",
        contact_email="prive-a@example.org",
        contact_phone="04 99 99 99 01",
    )
    org_b = OrganisationFactory(name="Bénévoles B")
    people: dict[str, User | None] = {
        "visitor": None,
        "resident": UserFactory(email="resident@example.org"),
        "member_a": MembershipFactory(
            organisation=org_a, user__email="benevole.a@example.org", user__phone="06 11 22 33 44"
        ).user,
        "admin_a": MembershipFactory(
            organisation=org_a,
            user__email="admin.a@example.org",
            user__phone="06 55 66 77 88",
            role=Membership.Role.ADMIN,
        ).user,
        "admin_b": MembershipFactory(
            organisation=org_b, user__email="admin.b@example.org", role=Membership.Role.ADMIN
        ).user,
        "staff": UserFactory(email="staff@example.org", staff=True),
        "coordinator": UserFactory(email="coord@example.org", coordinator=True),
    }
    return {"north": north, "south": south, "org_a": org_a, "org_b": org_b, "people": people}


def listed(city: dict[str, Any], org: str = "org_a", **fields: Any) -> PublicListing:
    organisation = city[org]
    admin = city["people"]["admin_a" if org == "org_a" else "admin_b"]
    values: dict[str, Any] = {
        "listed": True,
        "help_kinds": ["food", "rights"],
        "sectors": [city["north"]],
        "phone": "04 76 12 34 56",
        "email": "accueil@asso-a.example.org",
        "address": "3 place Publique",
        "opening_hours": "Lundi 9 h – 12 h",
        "languages": ["fr", "ps"],
        "summary": "Accueil de jour.",
        **fields,
    }
    return services.listing_update(organisation=organisation, by=admin, **values)


# --- The public page ---------------------------------------------------------------------


def test_the_page_shows_the_public_contact_of_listed_verified_associations(
    client: Client, city: dict[str, Any]
) -> None:
    listed(city)
    page = client.get(PAGE).content.decode()
    assert "Accueil A" in page
    assert "04 76 12 34 56" in page
    assert "accueil@asso-a.example.org" in page
    assert "3 place Publique" in page
    assert "Lundi 9 h – 12 h" in page


def test_an_association_that_did_not_opt_in_is_not_shown(
    client: Client, city: dict[str, Any]
) -> None:
    listed(city, listed=False)
    assert "Accueil A" not in client.get(PAGE).content.decode()


def test_an_association_that_is_no_longer_verified_is_not_shown(
    client: Client, city: dict[str, Any]
) -> None:
    listed(city)
    type(city["org_a"]).objects.filter(pk=city["org_a"].pk).update(verified_at=None)
    assert "Accueil A" not in client.get(PAGE).content.decode()


def test_no_member_contact_and_no_private_contact_ever_appears(
    client: Client, city: dict[str, Any]
) -> None:
    listed(city)
    listed(city, "org_b", email="bonjour@b.example.org", phone="04 76 00 00 77")
    private = [
        "benevole.a@example.org",
        "admin.a@example.org",
        "admin.b@example.org",
        "06 11 22 33 44",
        "06 55 66 77 88",
        "prive-a@example.org",
        "04 99 99 99 01",
        "Jeanne Privée",
    ]
    for language in ["fr", "en", "ar", "fa-af", "ps", "ti", "ru", "tr", "bn", "ln", "uk"]:
        client.cookies["django_language"] = language
        page = client.get(PAGE).content.decode()
        assert [text for text in private if text in page] == [], language
        for kind in ("", "food", "housing"):
            filtered = client.get(PAGE, {"kind": kind, "sector": city["north"].pk}).content
            assert [text for text in private if text in filtered.decode()] == []


def test_each_association_appears_once_with_its_districts(
    client: Client, city: dict[str, Any]
) -> None:
    listed(city, sectors=[city["north"], city["south"]])
    listed(city, "org_b", sectors=[], email="bonjour@b.example.org", phone="")
    page = client.get(PAGE, headers={"Accept-Language": "en"}).content.decode()
    assert page.count("Accueil A") == 1
    card = page[page.index("Accueil A") : page.index("Bénévoles B")]
    assert "Nord" in card
    assert "Sud" in card
    assert "Everywhere in the city" in page[page.index("Bénévoles B") :]


def test_filtering_by_district_keeps_the_associations_of_the_whole_city(
    client: Client, city: dict[str, Any]
) -> None:
    listed(city)
    listed(city, "org_b", sectors=[], email="bonjour@b.example.org", phone="")
    page = client.get(PAGE, {"sector": city["south"].pk}).content.decode()
    assert "Accueil A" not in page
    assert "Bénévoles B" in page


def test_filtering_by_kind_of_help(client: Client, city: dict[str, Any]) -> None:
    listed(city)
    listed(city, "org_b", help_kinds=["housing"], email="bonjour@b.example.org", phone="")
    page = client.get(PAGE, {"kind": "housing"}).content.decode()
    assert "Bénévoles B" in page
    assert "Accueil A" not in page


def test_the_page_shows_the_city_line_its_hours_and_the_counter(client: Client) -> None:
    with override_settings(
        ENTRAIDE_PHONE_LINE="0 800 00 00 00",
        ENTRAIDE_PHONE_HOURS="Lundi–vendredi 9 h – 17 h",
        ENTRAIDE_COUNTER_ADDRESS="Hôtel de ville, 1 place de la Mairie",
        ENTRAIDE_COUNTER_HOURS="Mardi et jeudi 14 h – 17 h",
        ENTRAIDE_COUNTER_ACCESS="Tram A, arrêt Mairie ; entrée de plain-pied",
    ):
        page = client.get(PAGE).content.decode()
    assert 'href="tel:0800000000"' in page
    for text in ["Lundi–vendredi 9 h – 17 h", "Hôtel de ville", "Mardi et jeudi", "Tram A"]:
        assert text in page


def test_the_page_reads_the_same_number_of_queries_whatever_the_count(
    client: Client, city: dict[str, Any], django_assert_num_queries: Any
) -> None:
    listed(city)
    listed(city, "org_b", email="bonjour@b.example.org", phone="")
    for _ in range(5):
        organisation = OrganisationFactory()
        admin = MembershipFactory(organisation=organisation, role=Membership.Role.ADMIN).user
        services.listing_update(
            organisation=organisation,
            by=admin,
            listed=True,
            help_kinds=["food"],
            sectors=[city["north"], city["south"]],
            email=f"org{organisation.pk}@example.org",
        )
    # listings, their districts, the districts of the filter form
    with django_assert_num_queries(3):
        assert client.get(PAGE).status_code == 200


def test_the_home_page_leads_to_find_help(client: Client) -> None:
    assert f'href="{PAGE}"' in client.get("/").content.decode()


# --- What an association chooses ---------------------------------------------------------


def test_a_member_s_own_email_is_refused_as_public_contact(city: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as refused:
        listed(city, email="Benevole.A@example.org")
    assert refused.value.code == "member_contact"


def test_a_member_s_own_phone_is_refused_as_public_contact(city: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as refused:
        listed(city, phone="+33 6 11 22 33 44")
    assert refused.value.code == "member_contact"


def test_a_listing_needs_a_kind_of_help_and_a_way_to_reach_it(city: dict[str, Any]) -> None:
    with pytest.raises(DomainError):
        listed(city, help_kinds=[])
    with pytest.raises(DomainError):
        listed(city, phone="", email="", address="")
    listed(city, listed=False, help_kinds=[], phone="", email="", address="")


@pytest.mark.parametrize("role", ["member_a", "admin_b", "staff", "coordinator", "resident"])
def test_only_the_organisation_s_admins_choose_its_listing(city: dict[str, Any], role: str) -> None:
    with pytest.raises(DomainError):
        services.listing_update(
            organisation=city["org_a"],
            by=city["people"][role],
            listed=True,
            help_kinds=["food"],
            sectors=[],
            email="x@example.org",
        )


def test_a_listing_change_is_audited(city: dict[str, Any]) -> None:
    listed(city)
    entry = AuditEntry.objects.get(action="associations.listing.updated")
    assert entry.actor == city["people"]["admin_a"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("visitor", 302),
        ("resident", 403),
        ("member_a", 403),
        ("admin_a", 200),
        ("admin_b", 403),
        ("staff", 403),
        ("coordinator", 403),
    ],
)
def test_the_listing_page_opens_to_the_organisation_s_admins_only(
    city: dict[str, Any], role: str, expected: int
) -> None:
    url = f"/associations/{city['org_a'].pk}/page-publique/"
    assert client_for(city["people"][role]).get(url).status_code == expected
    response = client_for(city["people"][role]).post(url, {"listed": "on"})
    assert response.status_code == (400 if expected == 200 else expected)


def test_an_admin_lists_the_organisation_from_its_page(city: dict[str, Any]) -> None:
    url = f"/associations/{city['org_a'].pk}/page-publique/"
    response = client_for(city["people"]["admin_a"]).post(
        url,
        {
            "listed": "on",
            "help_kinds": ["food", "health"],
            "sectors": [city["south"].pk],
            "phone": "04 76 12 34 56",
            "opening_hours": "Mercredi",
            "languages": ["ti"],
        },
    )
    assert response.status_code == 302
    listing = PublicListing.objects.get(organisation=city["org_a"])
    assert (listing.listed, listing.help_kinds, listing.languages) == (
        True,
        ["food", "health"],
        ["ti"],
    )
    assert list(listing.sectors.all()) == [city["south"]]


def test_the_listing_form_shows_the_refusal_of_a_member_s_phone(city: dict[str, Any]) -> None:
    url = f"/associations/{city['org_a'].pk}/page-publique/"
    response = client_for(city["people"]["admin_a"]).post(
        url, {"listed": "on", "help_kinds": ["food"], "phone": "06 55 66 77 88"}
    )
    assert response.status_code == 400
    assert not PublicListing.objects.filter(organisation=city["org_a"], listed=True).exists()


def test_a_coordinator_takes_an_organisation_off_the_page_in_the_admin_site_audited(
    client: Client, city: dict[str, Any]
) -> None:
    listing = listed(city)
    coordinator = city["people"]["coordinator"]
    url = f"/admin/associations/publiclisting/{listing.pk}/change/"
    assert client_for(city["people"]["staff"]).get(url).status_code == 302  # not the admin

    response = client_for(coordinator).post(url, {})  # "listed" unticked
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.listed is False
    entry = AuditEntry.objects.get(action="associations.listing.moderated")
    assert (entry.actor, entry.detail) == (coordinator, {"listed": False})
    assert "Accueil A" not in client.get(PAGE).content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [("visitor", 200), ("resident", 200), ("member_a", 200), ("staff", 200), ("coordinator", 200)],
)
def test_the_find_help_page_is_public(city: dict[str, Any], role: str, expected: int) -> None:
    assert client_for(city["people"][role]).get(PAGE).status_code == expected
