from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from accounts.models import Membership, User
from core.models import AuditEntry, Category
from needs.models import Need
from tests.conftest import client_for
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.django_db]

REF_A = "DOSSIER-A-001"
REF_B = "DOSSIER-B-002"
ROLES = ["visitor", "resident", "member_a", "admin_a", "member_b", "staff", "coordinator"]


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    org_a = OrganisationFactory(name="Association A")
    org_b = OrganisationFactory(name="Association B")
    people: dict[str, User | None] = {
        "visitor": None,
        "resident": UserFactory(email="resident@example.org"),
        "member_a": MembershipFactory(organisation=org_a, user__email="ma@example.org").user,
        "admin_a": MembershipFactory(
            organisation=org_a, user__email="aa@example.org", role=Membership.Role.ADMIN
        ).user,
        "member_b": MembershipFactory(organisation=org_b, user__email="mb@example.org").user,
        "staff": UserFactory(email="staff@example.org", staff=True),
        "coordinator": UserFactory(email="coord@example.org", coordinator=True),
    }
    need_a = NeedFactory(organisation=org_a, internal_reference=REF_A, critical=True)
    need_b = NeedFactory(organisation=org_b, internal_reference=REF_B)
    return {"org_a": org_a, "org_b": org_b, "people": people, "need_a": need_a, "need_b": need_b}


def as_(world: dict[str, Any], role: str) -> Client:
    return client_for(world["people"][role])


EXPECTED_DETAIL_OF_A = {
    "visitor": 302,
    "resident": 404,
    "member_a": 200,
    "admin_a": 200,
    "member_b": 404,
    "staff": 200,
    "coordinator": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_the_public_page_is_open_to_everyone_and_shows_counts_only(
    world: dict[str, Any], role: str
) -> None:
    response = as_(world, role).get("/besoins/")
    assert response.status_code == 200
    page = response.content.decode()
    assert REF_A not in page
    assert REF_B not in page
    assert world["need_a"].note not in page
    assert "Association A" not in page


@pytest.mark.parametrize("role", ROLES)
def test_a_need_page_is_seen_by_its_association_and_staff_only(
    world: dict[str, Any], role: str
) -> None:
    response = as_(world, role).get(f"/besoins/{world['need_a'].pk}/")
    assert response.status_code == EXPECTED_DETAIL_OF_A[role]
    if response.status_code == 200:
        assert (REF_A in response.content.decode()) == (role in {"member_a", "admin_a"})


@pytest.mark.parametrize("role", ROLES)
def test_the_edit_page_follows_the_same_rule(world: dict[str, Any], role: str) -> None:
    response = as_(world, role).get(f"/besoins/{world['need_a'].pk}/modifier/")
    assert response.status_code == EXPECTED_DETAIL_OF_A[role]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("visitor", 302),
        ("resident", 403),
        ("member_a", 200),
        ("admin_a", 200),
        ("member_b", 200),
        ("staff", 403),
        ("coordinator", 403),
    ],
)
def test_the_association_list_shows_only_its_own_needs(
    world: dict[str, Any], role: str, expected: int
) -> None:
    for query in ("", "?status=open", "?urgency=critical", "?kind=housing", "?ordering=-id"):
        response = as_(world, role).get(f"/besoins/association/{query}")
        assert response.status_code == expected
        if expected == 200:
            page = response.content.decode()
            assert REF_B not in page if role != "member_b" else REF_A not in page
            assert f"/besoins/{world['need_b'].pk}/" not in page or role == "member_b"


def test_the_association_list_filters_by_state_and_urgency(world: dict[str, Any]) -> None:
    NeedFactory(organisation=world["org_a"], internal_reference="DRAFT-REF", draft=True)
    client = as_(world, "member_a")
    page = client.get("/besoins/association/?status=draft").content.decode()
    assert "DRAFT-REF" in page
    assert REF_A not in page
    page = client.get("/besoins/association/?urgency=critical").content.decode()
    assert REF_A in page
    assert "DRAFT-REF" not in page


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("visitor", 302),
        ("resident", 403),
        ("member_a", 200),
        ("member_b", 200),
        ("staff", 403),
    ],
)
def test_the_first_step_is_for_members(world: dict[str, Any], role: str, expected: int) -> None:
    assert as_(world, role).get("/besoins/nouveau/").status_code == expected
    assert as_(world, role).get("/besoins/nouveau/housing/").status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("visitor", 302),
        ("resident", 403),
        ("member_a", 403),
        ("admin_a", 403),
        ("member_b", 403),
        ("staff", 200),
        ("coordinator", 200),
    ],
)
def test_staff_pages_are_for_staff(world: dict[str, Any], role: str, expected: int) -> None:
    client = as_(world, role)
    assert client.get("/equipe/besoins/").status_code == expected
    assert client.get("/equipe/besoins/nouveau/").status_code == expected
    assert client.get(f"/equipe/besoins/{world['need_a'].pk}/note/").status_code == expected


def test_staff_list_never_shows_internal_references(world: dict[str, Any]) -> None:
    page = as_(world, "staff").get("/equipe/besoins/").content.decode()
    assert "Association A" in page
    assert REF_A not in page
    assert REF_B not in page


def test_another_association_cannot_close_a_need(world: dict[str, Any]) -> None:
    response = as_(world, "member_b").post(f"/besoins/{world['need_a'].pk}/cloturer/")
    assert response.status_code == 404
    world["need_a"].refresh_from_db()
    assert world["need_a"].status == Need.Status.OPEN


def test_a_member_posts_a_housing_need_step_by_step(world: dict[str, Any]) -> None:
    client = as_(world, "member_a")
    response = client.post("/besoins/nouveau/", {"kind": "housing"})
    assert response.status_code == 302
    assert response["Location"] == "/besoins/nouveau/housing/"
    details = {
        "urgency": "critical",
        "housing_types": ["emergency", "room"],
        "adults": "1",
        "children": "2",
        "household_type": "family",
        "languages": ["uk"],
        "note": "Trois nuits, puis une place en structure. Tél 06 12 34 56 78",
        "internal_reference": "NOTRE-42",
    }
    # The writer is warned before anything is saved...
    warned = client.post("/besoins/nouveau/housing/", details)
    assert warned.status_code == 200
    assert "keep_as_written" in warned.content.decode()
    assert not Need.objects.filter(internal_reference="NOTRE-42").exists()
    # ...and may keep the text as written: it is saved, flagged for staff.
    response = client.post("/besoins/nouveau/housing/", {**details, "keep_as_written": "on"})
    assert response.status_code == 302, response.content.decode()
    need = Need.objects.get(internal_reference="NOTRE-42")
    assert need.organisation == world["org_a"]
    assert need.status == Need.Status.DRAFT
    assert need.note_flags == ["phone"]
    review = client.get(response["Location"])
    assert "NOTRE-42" in review.content.decode()
    client.post(f"/besoins/{need.pk}/publier/")
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_the_details_step_shows_errors_in_a_summary(world: dict[str, Any]) -> None:
    response = as_(world, "member_a").post(
        "/besoins/nouveau/housing/", {"urgency": "critical", "adults": "0", "children": "0"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert not Need.objects.filter(status="draft").exists()


def test_staff_enter_a_counter_need(world: dict[str, Any]) -> None:
    client = as_(world, "staff")
    response = client.post("/equipe/besoins/nouveau/", {"origin": "counter", "kind": "donation"})
    assert response.status_code == 302
    assert response["Location"] == "/besoins/nouveau/donation/?origine=counter"

    response = client.post(
        response["Location"],
        {
            "urgency": "high",
            "category": Category.objects.get(code="bedding").pk,
            "quantity": "2",
            "adults": "1",
            "children": "0",
        },
    )
    assert response.status_code == 302
    need = Need.objects.get(origin=Need.Origin.COUNTER)
    assert need.organisation is None
    assert need.created_by == world["people"]["staff"]


def test_staff_for_an_unverified_organisation_is_refused(world: dict[str, Any]) -> None:
    pending = OrganisationFactory(unverified=True)
    response = as_(world, "staff").get(
        f"/besoins/nouveau/housing/?origine=staff_for_association&organisation={pending.pk}"
    )
    assert response.status_code == 404


def test_a_member_cannot_use_the_staff_intake_parameters(world: dict[str, Any]) -> None:
    response = as_(world, "member_a").get("/besoins/nouveau/housing/?origine=counter")
    assert response.status_code == 403


def test_staff_clean_a_note_and_it_is_audited(world: dict[str, Any]) -> None:
    need = world["need_a"]
    need.note = "Appeler le 06 12 34 56 78"
    need.note_flags = ["phone"]
    need.save()
    client = as_(world, "staff")
    assert "Appeler le 06" in client.get(f"/equipe/besoins/{need.pk}/note/").content.decode()
    response = client.post(f"/equipe/besoins/{need.pk}/note/", {"note": "Appeler l'association"})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.note_flags == []
    assert AuditEntry.objects.filter(action="needs.note.cleaned").count() == 1
    assert AuditEntry.objects.filter(action="needs.note.viewed").exists()


def test_the_staff_list_filters_flagged_notes(world: dict[str, Any]) -> None:
    NeedFactory(organisation=world["org_b"], note="x", note_flags=["email"])
    page = as_(world, "staff").get("/equipe/besoins/?flagged=on").content.decode()
    assert page.count('class="flag"') == 1


def test_list_pages_have_a_bounded_number_of_queries(
    world: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for _ in range(15):
        NeedFactory(organisation=world["org_a"])
        NeedFactory(organisation=world["org_b"], donation=True)
    member, staff = as_(world, "member_a"), as_(world, "staff")
    with django_assert_max_num_queries(14):
        assert member.get("/besoins/association/").status_code == 200
    with django_assert_max_num_queries(12):
        assert staff.get("/equipe/besoins/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client_for(None).get("/besoins/").status_code == 200


def test_the_public_page_counts_open_needs_by_kind_and_urgency(
    world: dict[str, Any], in_english: None
) -> None:
    NeedFactory(organisation=world["org_b"], donation=True, critical=True)
    NeedFactory(organisation=world["org_b"], donation=True, status=Need.Status.CLOSED)
    NeedFactory(organisation=world["org_b"], draft=True)
    page = client_for(None).get("/besoins/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Open needs: fewer than 5" in page  # three: a small count is never published
    assert "Bedding" in page
    for _number in range(20):
        NeedFactory(organisation=world["org_b"], donation=True)
        NeedFactory(organisation=world["org_b"], donation=True, urgency="high")
    page = client_for(None).get("/besoins/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "fewer than 5" in page  # the critical ones
    shown = [int(n) for n in re.findall(r"<td>(\d+)</td>", page)]
    assert all(n == 0 or n >= 5 for n in shown)


def test_the_public_page_and_the_statistics_cannot_be_read_together_to_find_a_count(
    world: dict[str, Any],
) -> None:
    # One critical and three normal housing needs, many skills: what the two pages publish
    # comes from one protected table (needs.selectors.public_needs_table).
    Need.objects.all().delete()
    for urgency, count in (("critical", 1), ("normal", 3)):
        for _number in range(count):
            NeedFactory(organisation=world["org_b"], urgency=urgency)
    for urgency, count in (("critical", 15), ("high", 15), ("normal", 9)):
        for _number in range(count):
            NeedFactory(organisation=world["org_b"], skill=True, urgency=urgency)
    from needs.selectors import public_needs_table
    from reports.statistics import needs_now

    table = public_needs_table()
    assert needs_now() == table.cells
    assert table.cells[("housing", "normal")].status == "fewer"
    assert not table.cells[("skill", "normal")].shown or not table.cells[("all", "all")].shown


def test_the_public_page_speaks_the_visitors_language(world: dict[str, Any]) -> None:
    NeedFactory(organisation=world["org_b"], donation=True)
    client = client_for(None)
    client.cookies["django_language"] = "uk"
    page = client.get("/besoins/").content.decode()
    assert 'lang="uk"' in page
    assert Category.objects.get(code="bedding").name_uk in page


def test_action_messages_speak_the_language_of_the_request(world: dict[str, Any]) -> None:
    need = NeedFactory(organisation=world["org_a"], draft=True)
    client = as_(world, "member_a")
    client.cookies["django_language"] = "en"
    response = client.post(f"/besoins/{need.pk}/publier/", follow=True)
    assert "The need is published." in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "", "99999999999999999999999"])
def test_staff_entering_a_need_for_an_organisation_that_is_not_an_id_get_a_404(
    staff: User, value: str
) -> None:
    response = client_for(staff).get(
        "/besoins/nouveau/housing/",
        {"origine": "staff_for_association", "organisation": value},
    )
    assert response.status_code == 404
