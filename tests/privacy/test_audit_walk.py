"""Every staff page and API operation that returns a contact field or a flagged note writes
exactly one audit entry: the walk below goes through each of them as the reader they are
for, and counts the entries the read wrote."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Organisation, User
from associations.models import Invitation
from core.models import AuditEntry
from imports.models import ImportJob
from matching.models import Match
from tests.factories import OfferFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    confirmed: Match, staff: User, coordinator: User, organisation: Organisation
) -> dict[str, Any]:
    flagged = NeedFactory(organisation=organisation, note="Famille Diallo, sans papiers",
                          note_flags=["full_name", "immigration"])  # fmt: skip
    counter = NeedFactory(counter=True, note="musulmans pratiquants", note_flags=["religion"])
    Invitation.objects.create(organisation=organisation, email="invitee@example.org", role="member")
    job = ImportJob.objects.create(
        target="offers", status="checked", file_name="a.csv", file_format="csv",
        headers=["nom"], report={"errors": [{"row": 2, "messages": ["x"], "values": ["Jeanne"]}]},
        created_by=staff,
    )  # fmt: skip
    return {
        "match": confirmed,
        "offer": confirmed.offer,
        "phone_offer": OfferFactory(by_phone=True),
        "organisation": organisation,
        "flagged": flagged,
        "counter": counter,
        "job": job,
        "staff": staff,
        "coordinator": coordinator,
        "member": confirmed.need.organisation.memberships.first().user,
        "resident": confirmed.offer.owner,
    }


def page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


Read = tuple[str, str, Callable[[dict[str, Any]], Any]]

# (reader, action expected, the read)
READS: list[Read] = [
    ("staff", "offers.offer.contact_viewed",
     lambda w: page(w["staff"]).post(f"/equipe/offres/{w['offer'].pk}/contact/")),
    ("staff", "offers.offer.contact_viewed",
     lambda w: api(w["staff"]).get(f"/api/v1/offers/{w['phone_offer'].pk}/contact/")),
    ("staff", "associations.contact.viewed",
     lambda w: page(w["staff"]).get(f"/equipe/associations/{w['organisation'].pk}/")),
    ("staff", "associations.contact.viewed",
     lambda w: page(w["staff"]).get(f"/associations/{w['organisation'].pk}/")),
    ("staff", "associations.contact.viewed",
     lambda w: api(w["staff"]).get(f"/api/v1/organisations/{w['organisation'].pk}/")),
    ("staff", "needs.note.viewed", lambda w: page(w["staff"]).get(f"/besoins/{w['flagged'].pk}/")),
    ("staff", "needs.note.viewed",
     lambda w: page(w["staff"]).get(f"/besoins/{w['flagged'].pk}/modifier/")),
    ("staff", "needs.note.viewed",
     lambda w: page(w["staff"]).get(f"/equipe/besoins/{w['flagged'].pk}/note/")),
    ("staff", "needs.note.viewed",
     lambda w: api(w["staff"]).get(f"/api/v1/needs/{w['flagged'].pk}/")),
    ("staff", "needs.note.viewed",
     lambda w: api(w["staff"]).get(f"/api/v1/needs/{w['counter'].pk}/")),
    ("staff", "needs.note.listed", lambda w: api(w["staff"]).get("/api/v1/needs/")),
    ("staff", "matching.match.agreement_viewed",
     lambda w: page(w["staff"]).get(f"/mises-en-relation/{w['match'].pk}/accord/")),
    ("member", "matching.match.contact_viewed",
     lambda w: page(w["member"]).get(f"/mises-en-relation/{w['match'].pk}/")),
    ("resident", "matching.match.contact_viewed",
     lambda w: api(w["resident"]).get(f"/api/v1/matches/{w['match'].pk}/contact/")),
    ("staff", "imports.error_report.downloaded",
     lambda w: page(w["staff"]).get(f"/equipe/imports/{w['job'].pk}/lignes-ecartees.csv")),
    ("staff", "privacy.caller.exported",
     lambda w: page(w["staff"]).post("/equipe/appelants/",
                                     {"phone": "0612345678", "action": "export"})),
    ("coordinator", "accounts.user.listed_in_admin",
     lambda w: page(w["coordinator"]).get("/admin/accounts/user/")),
    ("coordinator", "accounts.user.viewed_in_admin",
     lambda w: page(w["coordinator"]).get(f"/admin/accounts/user/{w['resident'].pk}/change/")),
    ("coordinator", "accounts.organisation.listed_in_admin",
     lambda w: page(w["coordinator"]).get("/admin/accounts/organisation/")),
    ("coordinator", "accounts.organisation.viewed_in_admin",
     lambda w: page(w["coordinator"]).get(
         f"/admin/accounts/organisation/{w['organisation'].pk}/change/")),
    ("coordinator", "needs.need.listed_in_admin",
     lambda w: page(w["coordinator"]).get("/admin/needs/need/")),
    ("coordinator", "needs.need.viewed_in_admin",
     lambda w: page(w["coordinator"]).get(f"/admin/needs/need/{w['flagged'].pk}/change/")),
    ("coordinator", "associations.invitation.listed_in_admin",
     lambda w: page(w["coordinator"]).get("/admin/associations/invitation/")),
    ("coordinator", "offers.hostcharteracceptance.listed_in_admin",
     lambda w: page(w["coordinator"]).get("/admin/offers/hostcharteracceptance/")),
]  # fmt: skip


@pytest.mark.parametrize(("reader", "action", "read"), READS, ids=[f"{a}#{i}" for i, (_r, a, _f)
                         in enumerate(READS)])  # fmt: skip
def test_each_read_of_personal_data_writes_exactly_one_audit_entry(
    world: dict[str, Any], reader: str, action: str, read: Callable[[dict[str, Any]], Any]
) -> None:
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    response = read(world)
    assert response.status_code < 400, response.content[:500]
    written = AuditEntry.objects.exclude(pk__in=before)
    assert [entry.action for entry in written] == [action]
    assert written.get().actor == world[reader]


def test_a_list_entry_names_the_flagged_needs_it_showed(world: dict[str, Any]) -> None:
    api(world["staff"]).get("/api/v1/needs/")
    entry = AuditEntry.objects.get(action="needs.note.listed")
    assert set(entry.detail["needs"]) == {world["flagged"].pk, world["counter"].pk}


def test_a_need_without_flag_read_by_staff_writes_nothing(world: dict[str, Any]) -> None:
    plain = NeedFactory(organisation=world["organisation"], note="Deux adultes.")
    before = AuditEntry.objects.count()
    api(world["staff"]).get(f"/api/v1/needs/{plain.pk}/")
    page(world["staff"]).get(f"/besoins/{plain.pk}/")
    assert AuditEntry.objects.count() == before


def test_the_association_reading_its_own_flagged_note_writes_nothing(world: dict[str, Any]) -> None:
    before = AuditEntry.objects.count()
    api(world["member"]).get(f"/api/v1/needs/{world['flagged'].pk}/")
    assert AuditEntry.objects.count() == before
