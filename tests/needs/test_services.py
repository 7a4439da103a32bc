from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.models import Organisation, User
from core.errors import DomainError
from core.models import AuditEntry, Category
from needs import services
from needs.models import Need, NeedTransition
from tests.factories import MembershipFactory, OrganisationFactory, SectorFactory, UserFactory
from tests.needs.factories import NeedFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
Status = Need.Status


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(name="Accueil A")


@pytest.fixture
def member(organisation: Organisation) -> User:
    return MembershipFactory(organisation=organisation, user__email="a@example.org").user


def housing(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "housing",
        "urgency": "critical",
        "adults": 1,
        "children": 2,
        "household_type": "family",
        "housing_types": ["emergency"],
        **extra,
    }


def test_a_member_creates_a_draft_with_the_household_size_and_an_audit_entry(
    member: User, organisation: Organisation
) -> None:
    need = services.need_create(by=member, organisation=organisation, **housing())
    assert need.status == Status.DRAFT
    assert need.household_size == 3
    assert need.origin == Need.Origin.ASSOCIATION
    assert AuditEntry.objects.filter(action="needs.need.created", target_id=str(need.pk)).exists()


def test_someone_outside_the_organisation_cannot_post_for_it(organisation: Organisation) -> None:
    outsider = MembershipFactory().user
    with pytest.raises(DomainError):
        services.need_create(by=outsider, organisation=organisation, **housing())


def test_a_member_of_an_unverified_organisation_cannot_post() -> None:
    pending = OrganisationFactory(unverified=True)
    member = MembershipFactory(organisation=pending).user
    with pytest.raises(DomainError):
        services.need_create(by=member, organisation=pending, **housing())


def test_staff_enter_a_need_met_at_a_counter_without_organisation(staff: User) -> None:
    need = services.need_create(
        by=staff, organisation=None, origin=Need.Origin.COUNTER, **housing()
    )
    assert need.organisation is None
    entry = AuditEntry.objects.get(action="needs.need.created", target_id=str(need.pk))
    assert entry.detail["origin"] == "counter"


def test_staff_enter_a_need_for_a_verified_organisation(
    staff: User, organisation: Organisation
) -> None:
    need = services.need_create(
        by=staff,
        organisation=organisation,
        origin=Need.Origin.STAFF_FOR_ASSOCIATION,
        **housing(),
    )
    assert need.origin == Need.Origin.STAFF_FOR_ASSOCIATION
    assert need.organisation == organisation


def test_a_member_cannot_pretend_to_be_staff(member: User) -> None:
    with pytest.raises(DomainError):
        services.need_create(by=member, organisation=None, origin=Need.Origin.COUNTER, **housing())


def test_goods_need_a_category_of_their_kind(member: User, organisation: Organisation) -> None:
    skill = Category.objects.get(code="interpreting")
    with pytest.raises(DomainError, match="category"):
        services.need_create(
            by=member, organisation=organisation, kind="donation", category=skill, quantity=2
        )
    bedding = Category.objects.get(code="bedding")
    need = services.need_create(
        by=member, organisation=organisation, kind="donation", category=bedding, quantity=2
    )
    assert need.category == bedding
    assert need.housing_types == []


def test_dates_must_be_in_order(member: User, organisation: Organisation) -> None:
    import datetime

    with pytest.raises(DomainError, match="end date"):
        services.need_create(
            by=member,
            organisation=organisation,
            **housing(
                wanted_from=datetime.date(2030, 5, 2), wanted_until=datetime.date(2030, 5, 1)
            ),
        )


# --- Lifecycle -------------------------------------------------------------------------


def test_publishing_opens_a_draft_and_logs_the_transition(
    member: User, organisation: Organisation
) -> None:
    need = services.need_create(by=member, organisation=organisation, **housing())
    services.need_publish(need=need, by=member)
    need.refresh_from_db()
    assert need.status == Status.OPEN
    assert need.opened_at is not None
    log = NeedTransition.objects.get(subject=need)
    assert (log.from_status, log.to_status, log.by) == ("draft", "open", member)


@pytest.mark.parametrize(
    ("path", "end"),
    [
        (["publish", "fulfil"], Status.FULFILLED),
        (["publish", "close"], Status.CLOSED),
        (["publish", "fulfil", "close"], Status.CLOSED),
        (["cancel"], Status.CANCELLED),
        (["publish", "cancel"], Status.CANCELLED),
        (["close"], Status.CANCELLED),  # closing a draft cancels it
    ],
)
def test_allowed_paths_reach_their_state(
    member: User, organisation: Organisation, path: list[str], end: str
) -> None:
    need = NeedFactory(organisation=organisation, draft=True)
    actions = {
        "publish": services.need_publish,
        "fulfil": services.need_mark_fulfilled,
        "close": services.need_close,
        "cancel": services.need_cancel,
    }
    for name in path:
        need = actions[name](need=need, by=member)
    need.refresh_from_db()
    assert need.status == end
    assert NeedTransition.objects.filter(subject=need).count() == len(path)


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (Status.DRAFT, services.need_mark_fulfilled),
        (Status.CLOSED, services.need_publish),
        (Status.CLOSED, services.need_reopen),
        (Status.CANCELLED, services.need_close),
        (Status.FULFILLED, services.need_publish),
        (Status.OPEN, services.need_publish),
    ],
)
def test_refused_transitions_change_nothing_and_log_nothing(
    member: User, organisation: Organisation, start: str, action: Any
) -> None:
    need = NeedFactory(organisation=organisation, status=start)
    with pytest.raises(DomainError):
        action(need=need, by=member)
    need.refresh_from_db()
    assert need.status == start
    assert not NeedTransition.objects.filter(subject=need).exists()


def test_every_state_has_a_row_in_the_transition_table() -> None:
    assert set(Need.TRANSITIONS) == set(Status.values)
    for targets in Need.TRANSITIONS.values():
        assert targets <= set(Status.values)


def test_an_expired_need_can_be_reopened(member: User, organisation: Organisation) -> None:
    need = NeedFactory(organisation=organisation)
    services.need_expire(need=need)
    services.need_reopen(need=need, by=member)
    need.refresh_from_db()
    assert need.status == Status.OPEN
    assert [t.to_status for t in need.transitions.all()] == ["expired", "open"]


def test_matching_moves_a_need_between_open_and_matched(organisation: Organisation) -> None:
    need = NeedFactory(organisation=organisation)
    services.need_record_matching(need=need, to=Status.PARTLY_MATCHED)
    services.need_record_matching(need=need, to=Status.MATCHED)
    need.refresh_from_db()
    assert need.status == Status.MATCHED


def test_another_association_cannot_move_a_need(organisation: Organisation) -> None:
    need = NeedFactory(organisation=organisation)
    other = MembershipFactory().user
    with pytest.raises(DomainError):
        services.need_close(need=need, by=other)


def test_a_closed_need_cannot_be_edited(member: User, organisation: Organisation) -> None:
    need = NeedFactory(organisation=organisation, status=Status.CLOSED)
    with pytest.raises(DomainError):
        services.need_update(need=need, by=member, urgency="high")


# --- The note flag -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "flags"),
    [
        ("Famille de quatre, cherche une chambre.", []),
        ("Joindre la famille au 06 12 34 56 78.", ["phone"]),
        ("Écrire à famille.dupont@example.org", ["email"]),
        ("Passeport 12AB34567 perdu", ["document"]),
        ("titre de séjour en cours", ["immigration"]),
        ("Famille Dupont, musulmans, sans papiers", ["full_name", "immigration", "religion"]),
        ("née le 12/03/1990", ["birth_date"]),
        ("Disponible à partir du 12/03, deux nuits", []),
        ("Tél +33 6 12 34 56 78, mail x@y.fr", ["email", "phone"]),
    ],
)
def test_the_note_flag_records_kinds_of_personal_detail_only(
    member: User, organisation: Organisation, note: str, flags: list[str]
) -> None:
    need = services.need_create(by=member, organisation=organisation, note=note, **housing())
    need.refresh_from_db()
    assert need.note_flags == flags
    for entry in AuditEntry.objects.all():
        assert note not in str(entry.detail)


def test_staff_clean_a_flagged_note_with_an_audited_edit(
    staff: User, member: User, organisation: Organisation
) -> None:
    need = services.need_create(
        by=member, organisation=organisation, note="Appeler le 06 12 34 56 78", **housing()
    )
    assert need.note_flags == ["phone"]
    services.need_clean_note(need=need, by=staff, note="Appeler l'association.")
    need.refresh_from_db()
    assert need.note_flags == []
    entry = AuditEntry.objects.get(action="needs.note.cleaned")
    assert entry.detail == {"flags_before": ["phone"], "flags_after": []}
    assert "06 12" not in str(entry.detail)


def test_only_staff_clean_notes(member: User, organisation: Organisation) -> None:
    need = NeedFactory(organisation=organisation)
    with pytest.raises(DomainError):
        services.need_clean_note(need=need, by=member, note="")


def test_staff_editing_a_need_never_overwrite_the_internal_reference(
    staff: User, organisation: Organisation
) -> None:
    need = NeedFactory(organisation=organisation, internal_reference="DOSSIER-7")
    services.need_update(need=need, by=staff, internal_reference="", urgency="high")
    need.refresh_from_db()
    assert need.internal_reference == "DOSSIER-7"
    assert need.urgency == "high"
    assert AuditEntry.objects.filter(action="needs.need.updated_by_staff").exists()


def test_a_resident_is_never_allowed(organisation: Organisation) -> None:
    resident = UserFactory()
    need = NeedFactory(organisation=organisation)
    with pytest.raises(DomainError):
        services.need_update(need=need, by=resident, urgency="high")


def test_the_daily_task_expires_open_needs_past_their_end(organisation: Organisation) -> None:
    import datetime

    from needs.tasks import expire_needs

    past = NeedFactory(organisation=organisation, wanted_until=datetime.date(2020, 1, 1))
    future = NeedFactory(organisation=organisation, wanted_until=datetime.date(2099, 1, 1))
    draft = NeedFactory(
        organisation=organisation, draft=True, wanted_until=datetime.date(2020, 1, 1)
    )
    assert expire_needs() == 1
    statuses = {n.pk: n.status for n in Need.objects.all()}
    assert statuses == {past.pk: "expired", future.pk: "open", draft.pk: "draft"}


def test_the_staff_digest_counts_open_critical_needs_and_notes_to_clean(
    organisation: Organisation,
) -> None:
    from notifications.digest import digest_counts

    NeedFactory(organisation=organisation, critical=True)
    NeedFactory(organisation=organisation, critical=True, status=Status.CLOSED)
    NeedFactory(organisation=organisation, note_flags=["phone"])
    OrganisationFactory(unverified=True)
    counts = {row["key"]: row for row in digest_counts()}
    assert counts["needs.open_critical"]["count"] == 1
    assert counts["needs.notes_to_clean"]["count"] == 1
    assert counts["accounts.organisations_to_verify"]["count"] == 1
    assert counts["accounts.organisations_to_verify"]["url"] == "/equipe/associations/"


def test_a_need_wanted_until_a_past_date_cannot_be_published(
    organisation: Organisation, member: User
) -> None:
    need = NeedFactory(draft=True, organisation=organisation)
    Need.objects.filter(pk=need.pk).update(wanted_until=date(2001, 1, 1))
    need.refresh_from_db()
    with pytest.raises(DomainError, match="already past"):
        services.need_publish(need=need, by=member)
    need.refresh_from_db()
    assert need.status == Status.DRAFT


def test_a_need_wanted_years_ahead_is_refused(organisation: Organisation, member: User) -> None:
    with pytest.raises(DomainError, match="at most 5 years"):
        services.need_create(
            by=member, organisation=organisation, **housing(wanted_from=date(2099, 1, 1))
        )


def test_a_maximum_distance_needs_a_district_to_measure_from(
    member: User, organisation: Organisation
) -> None:
    with pytest.raises(DomainError, match="maximum distance needs a place to measure from"):
        services.need_create(by=member, organisation=organisation, max_distance_km=3,
                             **housing())  # fmt: skip
    sector = SectorFactory()
    need = services.need_create(by=member, organisation=organisation, max_distance_km=3,
                                sectors=[sector], **housing())  # fmt: skip
    with pytest.raises(DomainError, match="maximum distance"):
        services.need_update(need=need, by=member, sectors=[])


def test_the_organisation_s_districts_are_a_place_to_measure_from(
    member: User, organisation: Organisation
) -> None:
    organisation.sectors.set([SectorFactory()])
    need = services.need_create(by=member, organisation=organisation, max_distance_km=3,
                                **housing())  # fmt: skip
    assert need.max_distance_km == 3


def test_no_pets_is_recorded(member: User, organisation: Organisation) -> None:
    need = services.need_create(by=member, organisation=organisation, no_pets=True, **housing())
    assert Need.objects.get(pk=need.pk).no_pets


def test_the_form_refuses_a_maximum_distance_without_districts_next_to_the_field() -> None:
    from needs.forms import NeedForm

    data = {"urgency": "normal", "adults": 1, "children": 0, "household_type": "single_adult",
            "housing_types": ["room"], "max_distance_km": 2}  # fmt: skip
    form = NeedForm(data, kind="housing")
    assert not form.is_valid()
    assert "max_distance_km" in form.errors
    assert NeedForm(data, kind="housing", located_elsewhere=True).is_valid()
