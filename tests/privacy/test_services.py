"""A person's erasure, a caller's erasure, an organisation closed by its admins."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import models
from django.db.models.functions import Cast

from accounts.models import Membership, Organisation, User
from accounts.services import user_rotate_api_token
from associations.models import Invitation, PublicListing
from core.errors import DomainError
from core.models import AuditEntry
from matching import services as matching
from matching.models import Match
from needs.models import Need
from notifications.models import Notification, NotificationPreference
from offers.models import Offer
from privacy.services import caller_erase, organisation_close, user_erase
from tests.conftest import client_for
from tests.factories import MembershipFactory, OfferFactory, UserFactory
from tests.matching.conftest import RESIDENT_EMAIL, STREET_ADDRESS
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db


def rows_naming(user_id: int, texts: list[str]) -> list[str]:
    """Every row of every table that holds the person's account id in a link to an
    account, or one of ``texts`` in a text or JSON field."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is User:
                if model._default_manager.filter(**{field.attname: user_id}).exists():
                    found.append(f"{model._meta.label}.{field.name}")
            elif isinstance(field, models.CharField | models.TextField | models.JSONField):
                as_text = model._default_manager.annotate(
                    _as_text=Cast(field.name, models.TextField())
                )
                for text in texts:
                    if as_text.filter(_as_text__icontains=text).exists():
                        found.append(f"{model._meta.label}.{field.name} holds {text!r}")
    return found


def test_erasure_leaves_no_row_that_names_the_person_and_no_live_proposal(
    proposed: Match, resident: User, staff: User, client: Any
) -> None:
    offer = proposed.offer
    user_rotate_api_token(user=resident)
    NotificationPreference.objects.create(user=resident, sms=True)
    client.force_login(resident)
    user_id = resident.pk
    user_erase(user=resident, by=resident)
    assert not User.objects.filter(pk=user_id).exists()
    assert rows_naming(user_id, [RESIDENT_EMAIL, "11 22 33 44", STREET_ADDRESS]) == []
    assert not Match.objects.filter(offer=offer, status__in=Match.HOLDING).exists()
    assert Match.objects.get(pk=proposed.pk).status == "cancelled"
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id")]


def test_the_other_side_is_told_the_proposal_no_longer_stands(
    proposed: Match, resident: User, association_member: User
) -> None:
    user_erase(user=resident, by=resident)
    told = Notification.objects.filter(recipient=association_member, type="matching.withdrawn")
    assert told.exists()


def test_a_completed_match_stays_completed_without_the_residents_contact(
    confirmed: Match, resident: User, association_member: User
) -> None:
    matching.match_complete(match=confirmed, by=association_member, outcome="went_well")
    user_erase(user=resident, by=resident)
    match = Match.objects.get(pk=confirmed.pk)
    assert match.status == "completed"
    contact = matching.match_contact(match=match, by=association_member)
    assert set(contact.values()) == {""}
    page = client_for(association_member).get(f"/mises-en-relation/{match.pk}/").content.decode()
    assert RESIDENT_EMAIL not in page
    assert STREET_ADDRESS not in page
    assert "Terminé" in page
    assert "no longer kept" in page or "plus conservé" in page


def test_the_counts_of_the_association_and_the_city_stay_true(
    confirmed: Match, resident: User, association_member: User
) -> None:
    matching.match_complete(match=confirmed, by=association_member, outcome="went_well")
    before = (Offer.objects.count(), Match.objects.filter(status="completed").count(),
              Need.objects.filter(status="fulfilled").count())  # fmt: skip
    user_erase(user=resident, by=resident)
    after = (Offer.objects.count(), Match.objects.filter(status="completed").count(),
             Need.objects.filter(status="fulfilled").count())  # fmt: skip
    assert before == after


def test_erasure_removes_email_records_memberships_and_messages(
    association_member: User, organisation: Organisation
) -> None:
    pk = association_member.pk
    Invitation.objects.create(
        organisation=organisation, email=association_member.email, role="member"
    )
    user_erase(user=association_member, by=association_member)
    assert not EmailAddress.objects.filter(user_id=pk).exists()
    assert not Membership.objects.filter(user_id=pk).exists()
    assert not Invitation.objects.filter(email=association_member.email).exists()
    [entry] = AuditEntry.objects.filter(action="privacy.account.erased")
    assert entry.detail["by"] == "self"
    assert entry.actor is None


def test_offers_taken_by_phone_with_the_persons_email_are_erased_too(resident: User) -> None:
    phone_offer = OfferFactory(
        by_phone=True, caller_email=RESIDENT_EMAIL, caller_phone="0699887766"
    )
    user_erase(user=resident, by=resident)
    phone_offer.refresh_from_db()
    assert (phone_offer.caller_email, phone_offer.status) == ("", "closed")


def test_a_staff_member_cannot_erase_their_own_account(staff: User) -> None:
    with pytest.raises(DomainError):
        user_erase(user=staff, by=staff)


def test_only_a_coordinator_erases_someone_else(
    resident: User, staff: User, coordinator: User
) -> None:
    with pytest.raises(PermissionError):
        user_erase(user=resident, by=staff)
    user_erase(user=resident, by=coordinator)
    entry = AuditEntry.objects.get(action="privacy.account.erased")
    assert (entry.actor, entry.detail["by"]) == (coordinator, "coordinator")


def test_a_plain_delete_of_an_account_with_offers_is_refused(resident: User, room: Offer) -> None:
    """Erasure goes through the service: a cascade would destroy the match history."""
    with pytest.raises(models.ProtectedError):
        resident.delete()


# --- A caller ------------------------------------------------------------------------------


def test_staff_erase_a_callers_offers_found_by_their_phone(staff: User) -> None:
    mine = OfferFactory(by_phone=True, caller_phone="0611111111", caller_name="Jeanne")
    other = OfferFactory(by_phone=True, caller_phone="0622222222")
    erasure = caller_erase(phone="06 11 11 11 11", by=staff)
    mine.refresh_from_db()
    other.refresh_from_db()
    assert erasure.offers_anonymised == 1
    assert (mine.caller_phone, mine.caller_name, mine.title, mine.status) == ("", "", "", "closed")
    assert other.caller_phone == "0622222222"
    entry = AuditEntry.objects.get(action="privacy.caller.erased")
    assert "0611111111" not in str(entry.detail)


def test_a_caller_unknown_is_a_clear_refusal(staff: User) -> None:
    with pytest.raises(DomainError):
        caller_erase(email="nobody@example.org", by=staff)


def test_only_staff_erase_a_caller(resident: User) -> None:
    with pytest.raises(PermissionError):
        caller_erase(phone="0611111111", by=resident)


# --- An organisation -----------------------------------------------------------------------


def test_an_admin_closes_their_organisation(
    proposed: Match, organisation: Organisation, resident: User
) -> None:
    admin = MembershipFactory(organisation=organisation, admin=True).user
    PublicListing.objects.create(organisation=organisation, listed=True, phone="04 76 00 00 00")
    done = NeedFactory(organisation=organisation, status="fulfilled", internal_reference="DOS-9")
    closure = organisation_close(organisation=organisation, by=admin)
    organisation.refresh_from_db()
    assert organisation.is_closed
    assert not organisation.is_verified
    assert (organisation.contact_email, organisation.contact_phone) == ("", "")
    assert not organisation.memberships.exists()
    assert PublicListing.objects.get(organisation=organisation).listed is False
    assert Match.objects.get(pk=proposed.pk).status == "cancelled"
    assert Notification.objects.filter(recipient=resident, type="matching.withdrawn").exists()
    done.refresh_from_db()
    assert (done.internal_reference, done.status) == ("", "closed")
    assert closure.needs_closed == 2
    assert not Organisation.objects.verified().filter(pk=organisation.pk).exists()


def test_a_member_who_is_not_admin_cannot_close_it(
    organisation: Organisation, association_member: User
) -> None:
    with pytest.raises(DomainError):
        organisation_close(organisation=organisation, by=association_member)
    assert UserFactory  # the fixtures' factories stay importable
