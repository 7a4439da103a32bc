"""The pages of the data lifecycle, for every role, the wrong ones included."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accounts.models import Organisation, User
from core.audit import audit
from core.models import AuditEntry
from offers.models import Offer
from privacy.export import HIDDEN, NOT_EXPORTED, PERSONAL_MODELS, user_export
from privacy.services import offers_of
from tests.conftest import client_for
from tests.factories import MembershipFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["visitor", "resident", "other_resident", "member", "admin", "other_admin", "staff",
         "coordinator"]  # fmt: skip


@pytest.fixture
def people(organisation: Organisation, resident: User) -> dict[str, User | None]:
    return {
        "visitor": None,
        "resident": resident,
        "other_resident": UserFactory(email="other@example.org"),
        "member": MembershipFactory(organisation=organisation).user,
        "admin": MembershipFactory(organisation=organisation, admin=True).user,
        "other_admin": MembershipFactory(admin=True).user,
        "staff": UserFactory(email="staff@example.org", staff=True),
        "coordinator": UserFactory(email="coordinator@example.org", coordinator=True),
    }


def as_(people: dict[str, User | None], role: str) -> Client:
    return client_for(people[role])


STAFF_PAGES = ["/equipe/journal/", "/equipe/journal.csv", "/equipe/conservation/",
               "/equipe/appelants/"]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_are_for_staff_only(people: dict[str, Any], role: str, url: str) -> None:
    status = as_(people, role).get(url).status_code
    if role == "visitor":
        assert status == 302
    elif role in ("staff", "coordinator"):
        assert status == 200
    else:
        assert status == 403


@pytest.mark.parametrize("role", ROLES)
def test_erasing_an_account_on_request_is_for_coordinators(
    people: dict[str, Any], role: str
) -> None:
    status = as_(people, role).get("/equipe/comptes/effacer/").status_code
    expected = {"visitor": 302, "coordinator": 200}.get(role, 403)
    assert status == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ["/compte/mes-donnees/", "/compte/mes-donnees.json",
                                 "/compte/supprimer/"])  # fmt: skip
def test_my_data_is_for_everyone_signed_in(people: dict[str, Any], role: str, url: str) -> None:
    status = as_(people, role).get(url).status_code
    assert status == (302 if role == "visitor" else 200)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("suffix", ["donnees/", "donnees.json", "fermer/"])
def test_an_organisations_data_is_for_its_admins(
    people: dict[str, Any], organisation: Organisation, role: str, suffix: str
) -> None:
    status = as_(people, role).get(f"/associations/{organisation.pk}/{suffix}").status_code
    expected = {"visitor": 302, "admin": 200}.get(role, 404)
    assert status == expected


def test_my_data_shows_and_downloads_only_my_own(people: dict[str, Any], room: Offer) -> None:
    mine = as_(people, "resident")
    page = mine.get("/compte/mes-donnees/").content.decode()
    assert "17 impasse des Glycines" in page
    other = as_(people, "other_resident").get("/compte/mes-donnees/").content.decode()
    assert "17 impasse des Glycines" not in other
    response = mine.get("/compte/mes-donnees.json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["offers"][0]["street_address"] == "17 impasse des Glycines"
    # Secrets are never exported, whatever the account object the request holds.
    assert "password" not in data["account"][0]
    assert "md5$" not in response.content.decode()
    assert "md5$" not in page
    assert AuditEntry.objects.filter(action="privacy.export.downloaded").count() == 1


def test_the_export_holds_every_field_of_a_persons_own_records(
    confirmed: Any, resident: User
) -> None:
    """Field by field from the models: a field added to one of them appears here without
    anyone remembering it, and a secret never does."""
    from knox.models import AuthToken

    AuthToken.objects.create(user=resident)
    data = user_export(resident, offers_of(resident)).as_json()
    found: dict[type, set[str]] = {}

    def walk(value: Any, model: type | None) -> None:
        if isinstance(value, dict) and model is not None:
            found.setdefault(model, set()).update(value)

    sections = {"account": type(resident), "offers": Offer, "api_tokens": AuthToken}
    for key, model in sections.items():
        for row in data[key]:
            walk(row, model)
    matches = data["offers"][0]["matches"]
    walk(matches[0], type(confirmed))
    walk(matches[0]["check_ins"][0], confirmed.check_ins.model)
    for model, keys in found.items():
        fields = {f.name for f in model._meta.concrete_fields} - HIDDEN.get(model, set())
        assert fields <= keys, model
        assert not HIDDEN.get(model, set()) & keys


def test_every_link_to_an_account_is_exported_or_says_why_not() -> None:
    from django.apps import apps

    exported = {model._meta.label_lower for model in PERSONAL_MODELS}
    unexplained = sorted(
        f"{model._meta.label_lower}.{field.name}"
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model is User
        and model._meta.label_lower not in exported
        and (model._meta.label_lower, field.name) not in NOT_EXPORTED
    )  # fmt: skip
    assert unexplained == []


def test_a_resident_erases_their_account_from_the_page(people: dict[str, Any], room: Offer) -> None:
    client = as_(people, "resident")
    refused = client.post("/compte/supprimer/", {})
    assert 'class="error-summary"' in refused.content.decode()
    assert User.objects.filter(email="host.resident@example.org").exists()
    response = client.post("/compte/supprimer/", {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/compte/supprime/"
    assert not User.objects.filter(email="host.resident@example.org").exists()
    assert client.get("/compte/").status_code == 302  # signed out


def test_staff_cannot_erase_their_own_account_from_the_page(people: dict[str, Any]) -> None:
    client = as_(people, "staff")
    client.post("/compte/supprimer/", {"confirm": "on"})
    assert User.objects.filter(email="staff@example.org").exists()


def test_a_coordinator_erases_an_account_on_request(people: dict[str, Any], room: Offer) -> None:
    client = as_(people, "coordinator")
    response = client.post("/equipe/comptes/effacer/",
                           {"email": "HOST.resident@example.org", "confirm": "on"})  # fmt: skip
    assert response.status_code == 302
    assert not User.objects.filter(email="host.resident@example.org").exists()
    assert Offer.objects.get(pk=room.pk).owner is None


def test_staff_find_and_erase_a_callers_offers(people: dict[str, Any]) -> None:
    offer = OfferFactory(by_phone=True, caller_phone="0612345678")
    client = as_(people, "staff")
    page = client.post("/equipe/appelants/", {"phone": "06 12 34 56 78", "action": "search"})
    page = page.content.decode()
    assert f"#{offer.pk}" in page
    client.post("/equipe/appelants/", {"phone": "06 12 34 56 78", "action": "erase",
                                       "confirm": "on"})  # fmt: skip
    offer.refresh_from_db()
    assert (offer.caller_phone, offer.status) == ("", "closed")


def test_an_admin_closes_the_organisation_from_the_page(
    people: dict[str, Any], organisation: Organisation
) -> None:
    client = as_(people, "admin")
    refused = client.post(f"/associations/{organisation.pk}/fermer/", {})
    assert 'class="error-summary"' in refused.content.decode()
    response = client.post(f"/associations/{organisation.pk}/fermer/", {"confirm": "on"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.is_closed


def code(action: str) -> str:
    return f'<code class="helptext">{action}</code>'


def test_a_moderator_reads_the_teams_entries_a_coordinator_everyones(
    people: dict[str, Any],
) -> None:
    audit(actor=people["staff"], action="offers.offer.approved")
    audit(actor=people["resident"], action="associations.organisation.applied")
    moderator = as_(people, "staff").get("/equipe/journal/").content.decode()
    assert code("offers.offer.approved") in moderator
    assert code("associations.organisation.applied") not in moderator
    everyone = as_(people, "coordinator").get("/equipe/journal/").content.decode()
    assert "host.resident@example.org" in everyone


def test_the_audit_log_filters_by_actor_action_object_and_date(people: dict[str, Any]) -> None:
    audit(actor=people["staff"], action="offers.offer.approved", target=people["resident"])
    audit(actor=people["coordinator"], action="offers.offer.rejected")
    client = as_(people, "coordinator")
    by_actor = client.get("/equipe/journal/", {"actor": "staff@"}).content.decode()
    assert code("offers.offer.approved") in by_actor
    assert code("offers.offer.rejected") not in by_actor
    by_action = client.get("/equipe/journal/", {"action": "offers.offer.rejected"}).content.decode()
    assert code("offers.offer.approved") not in by_action
    assert code("offers.offer.rejected") in by_action
    by_target = client.get("/equipe/journal/", {"target": f"user {people['resident'].pk}"})
    assert code("offers.offer.rejected") not in by_target.content.decode()
    assert code("offers.offer.approved") in by_target.content.decode()
    by_date = client.get("/equipe/journal/", {"start": "2000-01-01", "end": "2000-01-02"})
    assert code("offers.offer.approved") not in by_date.content.decode()


@pytest.mark.parametrize(
    "odd", [{"actor": "#²"}, {"actor": "#99999999999999999999999"}, {"target": "offer ²"}]
)
def test_odd_audit_filters_find_nothing_rather_than_fail(
    people: dict[str, Any], odd: dict[str, str]
) -> None:
    audit(actor=people["staff"], action="offers.offer.approved", target=people["resident"])
    response = as_(people, "coordinator").get("/equipe/journal/", odd)
    assert response.status_code == 200


def test_the_audit_csv_escapes_formulas_and_names_the_actors(people: dict[str, Any]) -> None:
    evil = UserFactory(email="evil@example.org", display_name="=HYPERLINK(1)", staff=True)
    audit(actor=evil, action="offers.offer.approved", detail={"note": "+cmd"})
    response = as_(people, "coordinator").get("/equipe/journal.csv")
    body = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK(1) <evil@example.org>" in body
    assert ";=" not in body
    assert AuditEntry.objects.filter(action="privacy.audit_log.exported").exists()


def test_the_audit_page_costs_the_same_queries_for_many_entries(
    people: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for _n in range(60):
        audit(actor=people["staff"], action="offers.offer.approved", target=people["resident"])
    client = as_(people, "coordinator")
    client.get("/equipe/journal/")
    with django_assert_max_num_queries(12):
        client.get("/equipe/journal/")
