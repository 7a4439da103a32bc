"""The writes on offers: creating and editing, the city staff's moderation and vetting,
each moderation act audited and told to the owner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError
from core.models import AuditEntry, Sector
from notifications.models import Notification
from notifications.registry import Channel
from offers import services
from offers.models import HousingCheck, Offer, OfferTransition
from tests.factories import HousingCheckFactory, OfferFactory, UserFactory
from tests.offers.helpers import content

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
Status = Offer.Status


def audited(offer: Offer, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, target_id=str(offer.pk)))


def told(user: User, type_name: str) -> list[str]:
    """The channels ``user`` was sent message ``type_name`` on."""
    return sorted(
        Notification.objects.filter(recipient=user, type=type_name).values_list(
            "channel", flat=True
        )
    )


BOTH = sorted([Channel.EMAIL, Channel.IN_APP])


# --- Creating and editing ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["housing", "donation", "skill"])
def test_a_new_offer_is_a_draft_whose_creation_is_logged(
    resident: User, sector: Sector, kind: str
) -> None:
    offer = services.offer_create(owner=resident, kind=kind, data=content(kind, sector))

    assert (offer.status, offer.owner, offer.origin) == (Status.DRAFT, resident, "web")
    log = OfferTransition.objects.get(subject=offer)
    assert (log.from_status, log.to_status, log.by) == ("", Status.DRAFT, resident)


def test_a_new_offer_is_written_in_its_owners_language(sector: Sector) -> None:
    owner = UserFactory(preferred_language="uk")
    offer = services.offer_create(owner=owner, kind="donation", data=content("donation", sector))
    assert offer.language == "uk"


def test_an_invalid_offer_is_refused_in_words_and_not_saved(resident: User, sector: Sector) -> None:
    data = content("housing", sector, street_address="  ")

    with pytest.raises(DomainError, match="needs the address") as refusal:
        services.offer_create(owner=resident, kind="housing", data=data)

    assert refusal.value.code == "invalid_offer"
    assert not Offer.objects.exists()


def test_an_offer_cannot_be_given_its_status_or_owner_as_content(
    resident: User, sector: Sector
) -> None:
    data = content("donation", sector, status=Status.PUBLISHED)
    with pytest.raises(ValueError, match="status"):
        services.offer_create(owner=resident, kind="donation", data=data)
    assert not Offer.objects.exists()


def test_an_owner_editing_a_published_offer_sends_it_back_to_review(
    owned: Callable[..., Offer], resident: User
) -> None:
    offer = owned(published=True)
    before = offer.submitted_at

    services.offer_update(offer=offer, by=resident, data={"title": "Draps et couettes"})

    offer.refresh_from_db()
    assert (offer.status, offer.title) == (Status.PENDING, "Draps et couettes")
    assert before is not None
    assert offer.submitted_at is not None
    assert offer.submitted_at > before
    log = OfferTransition.objects.get(subject=offer)
    assert (log.from_status, log.to_status, log.note) == (
        Status.PUBLISHED,
        Status.PENDING,
        "edited",
    )


def test_staff_correcting_a_published_offer_keep_it_published(
    owned: Callable[..., Offer], staff: User
) -> None:
    offer = owned(published=True)
    services.offer_update(offer=offer, by=staff, data={"title": "Draps"})
    offer.refresh_from_db()
    assert (offer.status, offer.title) == (Status.PUBLISHED, "Draps")


@pytest.mark.parametrize("status", [Status.DRAFT, Status.PENDING, Status.REJECTED])
def test_editing_an_offer_not_yet_published_keeps_its_status(
    owned: Callable[..., Offer], resident: User, status: str
) -> None:
    offer = owned(**({status: True} if status != Status.DRAFT else {}))
    services.offer_update(offer=offer, by=resident, data={"quantity": 9})
    offer.refresh_from_db()
    assert (offer.status, offer.quantity) == (status, 9)


def test_an_invalid_edit_changes_nothing(owned: Callable[..., Offer], resident: User) -> None:
    offer = owned(published=True)
    with pytest.raises(DomainError):
        services.offer_update(offer=offer, by=resident, data={"quantity": 0})
    offer.refresh_from_db()
    assert (offer.status, offer.quantity) == (Status.PUBLISHED, 5)


def test_an_incomplete_draft_cannot_be_sent_for_review(
    owned: Callable[..., Offer], resident: User
) -> None:
    offer = owned()
    Offer.objects.filter(pk=offer.pk).update(quantity=None)
    offer.refresh_from_db()
    with pytest.raises(DomainError, match="how many"):
        services.offer_submit(offer=offer, by=resident)
    offer.refresh_from_db()
    assert offer.status == Status.DRAFT


# --- Vetting housing offers --------------------------------------------------------


@pytest.fixture
def housing(owned: Callable[..., Offer]) -> Offer:
    return owned(housing=True, pending=True)


def test_a_housing_offer_cannot_be_published_before_its_vetting_is_complete(
    housing: Offer, staff: User
) -> None:
    with pytest.raises(DomainError, match="Phone call with the host, Visit") as refusal:
        services.offer_approve(offer=housing, by=staff)

    assert refusal.value.code == "vetting_incomplete"
    housing.refresh_from_db()
    assert housing.status == Status.PENDING
    assert not audited(housing, "offers.offer.approved")
    assert not Notification.objects.exists()


def test_a_housing_offer_is_published_once_every_required_check_is_recorded(
    housing: Offer, staff: User
) -> None:
    today = timezone.localdate()
    services.housing_check_record(offer=housing, step="phone_call", done_on=today, by=staff)
    with pytest.raises(DomainError, match="Visit"):
        services.offer_approve(offer=housing, by=staff)

    services.housing_check_record(offer=housing, step="visit", done_on=today, by=staff)
    services.offer_approve(offer=housing, by=staff)

    housing.refresh_from_db()
    assert housing.status == Status.PUBLISHED


def test_only_the_vetting_steps_of_the_settings_are_required(
    housing: Offer, staff: User, settings: Any
) -> None:
    settings.ENTRAIDE_HOUSING_VETTING_STEPS = ["phone_call"]
    assert services.missing_housing_checks(housing) == ["phone_call"]

    HousingCheckFactory(offer=housing, step="phone_call")
    services.offer_approve(offer=housing, by=staff)

    housing.refresh_from_db()
    assert housing.status == Status.PUBLISHED
    assert not housing.housing_checks.filter(step="visit").exists()


def test_without_vetting_steps_a_housing_offer_is_published_at_once(
    housing: Offer, staff: User, settings: Any
) -> None:
    settings.ENTRAIDE_HOUSING_VETTING_STEPS = []
    services.offer_approve(offer=housing, by=staff)
    housing.refresh_from_db()
    assert housing.status == Status.PUBLISHED


def test_goods_and_skills_need_no_vetting(owned: Callable[..., Offer], staff: User) -> None:
    for offer in (owned(pending=True), owned(pending=True, skill=True)):
        assert services.missing_housing_checks(offer) == []
        services.offer_approve(offer=offer, by=staff)


def test_a_check_cannot_be_dated_in_the_future(housing: Offer, staff: User) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(DomainError, match="future"):
        services.housing_check_record(offer=housing, step="visit", done_on=tomorrow, by=staff)
    assert not HousingCheck.objects.exists()
    assert not audited(housing, "offers.offer.vetting_recorded")


def test_a_check_done_in_the_past_is_recorded_once_per_step_and_audited(
    housing: Offer, staff: User, coordinator: User
) -> None:
    last_week = timezone.localdate() - timedelta(days=7)
    services.housing_check_record(offer=housing, step="visit", done_on=last_week, by=staff)
    services.housing_check_record(
        offer=housing, step="visit", done_on=last_week, by=coordinator, note="Revisité"
    )

    check = HousingCheck.objects.get(offer=housing)
    assert (check.step, check.done_on, check.done_by, check.note) == (
        "visit",
        last_week,
        coordinator,
        "Revisité",
    )
    entries = audited(housing, "offers.offer.vetting_recorded")
    assert [(entry.actor, entry.detail) for entry in entries] == [
        (coordinator, {"step": "visit"}),
        (staff, {"step": "visit"}),
    ]


def test_only_housing_offers_are_vetted_and_only_by_known_steps(
    owned: Callable[..., Offer], housing: Offer, staff: User
) -> None:
    today = timezone.localdate()
    with pytest.raises(DomainError, match="Only housing"):
        services.housing_check_record(
            offer=owned(pending=True), step="visit", done_on=today, by=staff
        )
    with pytest.raises(DomainError, match="Unknown"):
        services.housing_check_record(offer=housing, step="background", done_on=today, by=staff)
    assert not HousingCheck.objects.exists()


# --- Moderation --------------------------------------------------------------------


@pytest.fixture
def pending(owned: Callable[..., Offer]) -> Offer:
    return owned(pending=True)


def test_approving_publishes_audits_and_tells_the_owner(
    pending: Offer, resident: User, staff: User
) -> None:
    Offer.objects.filter(pk=pending.pk).update(moderation_message="Une ancienne question")

    services.offer_approve(offer=pending, by=staff)

    pending.refresh_from_db()
    assert pending.status == Status.PUBLISHED
    assert pending.published_at is not None
    assert pending.last_confirmed_at == pending.published_at
    assert pending.moderation_message == ""
    assert [entry.actor for entry in audited(pending, "offers.offer.approved")] == [staff]
    assert told(resident, "offers.offer_published") == BOTH


def test_a_refusal_needs_a_reason(pending: Offer, staff: User) -> None:
    with pytest.raises(DomainError, match="reason") as refusal:
        services.offer_reject(offer=pending, by=staff, reason="   ")
    assert refusal.value.code == "no_reason"
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    assert not audited(pending, "offers.offer.rejected")


def test_a_refusal_keeps_its_reason_for_the_owner_audits_and_tells_them(
    pending: Offer, resident: User, staff: User
) -> None:
    services.offer_reject(offer=pending, by=staff, reason="  Les dates manquent.  ")

    pending.refresh_from_db()
    assert (pending.status, pending.moderation_message) == (Status.REJECTED, "Les dates manquent.")
    assert OfferTransition.objects.get(subject=pending).note == "Les dates manquent."
    assert [entry.actor for entry in audited(pending, "offers.offer.rejected")] == [staff]
    assert told(resident, "offers.offer_rejected") == BOTH


def test_a_question_needs_words(pending: Offer, staff: User) -> None:
    with pytest.raises(DomainError, match="question") as refusal:
        services.offer_request_information(offer=pending, by=staff, question="")
    assert refusal.value.code == "no_question"
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_asking_for_information_sends_the_offer_back_to_its_owner_with_the_question(
    pending: Offer, resident: User, staff: User
) -> None:
    services.offer_request_information(offer=pending, by=staff, question="Jusqu'à quand ?")

    pending.refresh_from_db()
    assert (pending.status, pending.moderation_message) == (Status.DRAFT, "Jusqu'à quand ?")
    assert [entry.actor for entry in audited(pending, "offers.offer.information_requested")] == [
        staff
    ]
    assert told(resident, "offers.information_requested") == BOTH


def test_an_owner_answering_a_question_sends_the_offer_back_for_review(
    pending: Offer, resident: User, staff: User
) -> None:
    services.offer_request_information(offer=pending, by=staff, question="Combien ?")
    services.offer_update(offer=pending, by=resident, data={"quantity": 12})
    services.offer_submit(offer=pending, by=resident)
    pending.refresh_from_db()
    assert (pending.status, pending.quantity) == (Status.PENDING, 12)


def test_a_second_decision_on_the_same_offer_is_a_second_message(
    pending: Offer, resident: User, staff: User
) -> None:
    services.offer_reject(offer=pending, by=staff, reason="Trop vague.")
    services.offer_submit(offer=pending, by=resident)
    services.offer_reject(offer=pending, by=staff, reason="Toujours trop vague.")
    assert told(resident, "offers.offer_rejected") == sorted(BOTH * 2)


def test_an_offer_taken_by_phone_is_moderated_without_telling_anyone(staff: User) -> None:
    offer = OfferFactory(by_phone=True)
    services.offer_approve(offer=offer, by=staff)
    offer.refresh_from_db()
    assert offer.status == Status.PUBLISHED
    assert not Notification.objects.exists()


def test_only_staff_see_a_contact(owned: Callable[..., Offer], resident: User) -> None:
    with pytest.raises(PermissionError):
        services.offer_contact_reveal(offer=owned(), by=resident)
    assert not AuditEntry.objects.filter(action="offers.offer.contact_viewed").exists()


def test_the_owner_is_told_in_their_own_language(staff: User, sector: Sector) -> None:
    owner = UserFactory(preferred_language="en")
    offer = OfferFactory(owner=owner, pending=True, sector=sector)
    services.offer_approve(offer=offer, by=staff)
    languages = set(
        Notification.objects.filter(type="offers.offer_published").values_list(
            "language", flat=True
        )
    )
    assert languages == {"en"}


# --- What a fuzzer tried -----------------------------------------------------------


def test_a_refusal_reason_of_a_megabyte_is_refused_and_nothing_stored(
    owned: Callable[..., Offer], staff: User
) -> None:
    offer = owned(pending=True)
    with pytest.raises(DomainError, match="under 1000 characters"):
        services.offer_reject(offer=offer, by=staff, reason="x" * 1_000_000)
    offer.refresh_from_db()
    assert (offer.status, offer.moderation_message) == (Offer.Status.PENDING, "")


def test_bidi_overrides_are_removed_from_what_staff_read(resident: User, sector: Sector) -> None:
    offer = services.offer_create(
        owner=resident,
        kind="donation",
        data={**content("donation", sector), "title": "\u202eseniatuoc\u202c 3 couvertures"},
    )
    assert offer.title == "seniatuoc 3 couvertures"
    assert "\u202e" not in offer.description


@pytest.mark.parametrize("days_ago", [366, 365 * 126])
def test_a_housing_check_older_than_a_year_is_refused(
    owned: Callable[..., Offer], staff: User, days_ago: int
) -> None:
    offer = owned(housing=True, pending=True)
    old = timezone.localdate() - timedelta(days=days_ago)
    with pytest.raises(DomainError, match="more than a year old"):
        services.housing_check_record(offer=offer, step="visit", done_on=old, by=staff)
    assert not offer.housing_checks.exists()


def test_an_availability_years_ahead_is_refused(resident: User, sector: Sector) -> None:
    far = timezone.localdate() + timedelta(days=365 * 6)
    with pytest.raises(DomainError, match="at most 5 years"):
        services.offer_create(
            owner=resident,
            kind="housing",
            data={**content("housing", sector), "available_until": far},
        )
