"""The nightly purge: what is past its period is anonymised, what is inside it untouched,
and the figures are the same before and after."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Organisation, User
from associations.models import Invitation
from core.audit import audit
from core.models import AuditEntry
from imports.models import ImportJob
from matching import services as matching
from matching.models import Match, MatchTransition
from needs.models import Need, NeedTransition
from notifications.models import Notification
from notifications.services import notify
from offers.models import HousingCheck, Offer, OfferTransition
from privacy.services import PURGE_ACTION, purge_run
from tests.conftest import client_for
from tests.factories import HousingCheckFactory, OfferFactory, UserFactory
from tests.needs.factories import NeedFactory
from tests.privacy.conftest import age, ago

pytestmark = pytest.mark.django_db


def closed_offer(owner: User, *, months: int, **fields: object) -> Offer:
    offer: Offer = OfferFactory(
        housing=True,
        owner=owner,
        status="closed",
        title="Chambre près du parc",
        description="Au calme, deuxième étage.",
        street_address="12 rue des Tilleuls",
        postcode="38000",
        **fields,
    )
    OfferTransition.objects.create(
        subject=offer, from_status="published", to_status="closed", by=owner,
        note="Je déménage.", at=ago(months=months),
    )  # fmt: skip
    HousingCheckFactory(offer=offer, note="Visite: grand appartement, deux chats.")
    age(offer, ago(months=months))
    return offer


# --- Offers -----------------------------------------------------------------------------


def test_a_closed_offer_past_its_period_is_anonymised(resident: User) -> None:
    offer = closed_offer(resident, months=13)
    purge_run()
    offer.refresh_from_db()
    assert (offer.title, offer.description, offer.street_address, offer.postcode) == ("",) * 4
    assert offer.owner is None
    assert offer.anonymised_at is not None
    # What the figures read stays.
    assert (offer.kind, offer.status, offer.capacity) == ("housing", "closed", 1)
    assert offer.created_at is not None
    transition = OfferTransition.objects.get(subject=offer)
    assert (transition.note, transition.by) == ("", None)
    assert HousingCheck.objects.get(offer=offer).note == ""


def test_a_closed_offer_inside_its_period_is_untouched(resident: User) -> None:
    offer = closed_offer(resident, months=11)
    purge_run()
    offer.refresh_from_db()
    assert offer.street_address == "12 rue des Tilleuls"
    assert offer.owner == resident
    assert offer.anonymised_at is None


@pytest.mark.parametrize("status", ["expired", "rejected"])
def test_expired_and_refused_offers_are_anonymised_too(resident: User, status: str) -> None:
    offer = closed_offer(resident, months=13)
    Offer.objects.filter(pk=offer.pk).update(status=status)
    purge_run()
    offer.refresh_from_db()
    assert offer.street_address == ""


def test_a_live_offer_is_never_anonymised_however_old(resident: User) -> None:
    offer = closed_offer(resident, months=30)
    Offer.objects.filter(pk=offer.pk).update(status="published")
    purge_run()
    offer.refresh_from_db()
    assert offer.street_address == "12 rue des Tilleuls"


def test_an_offer_whose_stay_still_runs_keeps_its_address(confirmed: Match) -> None:
    Offer.objects.filter(pk=confirmed.offer_id).update(status="closed", updated_at=ago(months=13))
    purge_run()
    assert Offer.objects.get(pk=confirmed.offer_id).street_address != ""


def test_a_callers_contact_goes_three_months_after_the_offer_ended(staff: User) -> None:
    old = OfferFactory(by_phone=True, status="rejected", caller_email="jeanne@example.org")
    recent = OfferFactory(by_phone=True, status="rejected", caller_email="paul@example.org")
    age(old, ago(months=4))
    age(recent, ago(months=2))
    purge_run()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.caller_name, old.caller_phone, old.caller_email) == ("", "", "")
    assert old.title != ""  # the rest of the offer follows the offers' own period
    assert recent.caller_phone == "0612345678"


# --- Needs and matches -------------------------------------------------------------------


def test_a_closed_need_past_its_period_is_anonymised(organisation: Organisation) -> None:
    need = NeedFactory(
        organisation=organisation, status="closed", note="Famille Diallo, 06 12 34 56 78",
        accessibility="Rez-de-chaussée", internal_reference="DOSSIER-12",
    )  # fmt: skip
    NeedTransition.objects.create(
        subject=need, from_status="open", to_status="closed", note="Relogés", at=ago(months=13)
    )
    age(need, ago(months=13))
    purge_run()
    need.refresh_from_db()
    assert (need.note, need.internal_reference, need.accessibility) == ("", "", "")
    assert need.note_flags == []
    assert need.anonymised_at is not None
    assert (need.status, need.household_size, need.organisation) == ("closed", 1, organisation)
    assert NeedTransition.objects.get(subject=need).note == ""


def test_a_need_inside_its_period_or_still_open_is_untouched(organisation: Organisation) -> None:
    recent = NeedFactory(organisation=organisation, status="fulfilled", note="Deux adultes.")
    age(recent, ago(months=11))
    open_need = NeedFactory(organisation=organisation, note="Deux adultes.")
    age(open_need, ago(months=30))
    purge_run()
    assert Need.objects.get(pk=recent.pk).note == "Deux adultes."
    assert Need.objects.get(pk=open_need.pk).note == "Deux adultes."


def test_a_declined_match_past_its_period_loses_its_reasons(
    proposed: Match, association_member: User
) -> None:
    matching.match_decline(match=proposed, by=association_member, reason="La famille est partie.")
    age(proposed, ago(months=13))
    purge_run()
    proposed.refresh_from_db()
    assert proposed.decline_reason == ""
    assert proposed.proposed_by is None
    assert proposed.anonymised_at is not None
    assert proposed.status == "declined"
    assert proposed.proposed_at is not None
    assert set(MatchTransition.objects.filter(subject=proposed).values_list("note", flat=True)) == {
        ""
    }


def test_a_declined_match_inside_its_period_keeps_its_reason(
    proposed: Match, association_member: User
) -> None:
    matching.match_decline(match=proposed, by=association_member, reason="La famille est partie.")
    age(proposed, ago(months=11))
    purge_run()
    proposed.refresh_from_db()
    assert proposed.decline_reason == "La famille est partie."


# --- Messages, invitations, imports, sessions, tokens, the audit log ----------------------


def message(user: User, key: str, months: int) -> Notification:
    [row] = [
        row
        for row in notify(
            type="offers.offer_published",
            key=key,
            recipient=user,
            context={"offer_id": 1, "title": "Chambre", "url": "/offres/1/"},
        )
        if row.channel == "in_app"
    ]
    age(row, ago(months=months), field="created_at")
    return row


def test_a_message_past_its_period_loses_what_it_said_and_to_whom(resident: User) -> None:
    old = message(resident, "old", months=4)
    recent = message(resident, "recent", months=2)
    purge_run()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.context, old.recipient, old.address) == ({}, None, "")
    assert old.idempotency_key == f"purged:{old.pk}"
    assert (old.type, old.channel, old.status) == ("offers.offer_published", "in_app", "sent")
    assert recent.context["title"] == "Chambre"
    assert recent.recipient == resident


def test_a_message_still_being_sent_is_kept(resident: User) -> None:
    row = Notification.objects.create(
        address="caller@example.org", type="offers.takeover_invitation", channel="email",
        language="fr", idempotency_key="waiting", status="queued",
    )  # fmt: skip
    age(row, ago(months=4), field="created_at")
    purge_run()
    assert Notification.objects.get(pk=row.pk).address == "caller@example.org"


def test_an_answered_invitation_goes_after_its_period(organisation: Organisation) -> None:
    old = Invitation.objects.create(
        organisation=organisation, email="old@example.org", role="member",
        accepted_at=ago(months=4),
    )  # fmt: skip
    pending = Invitation.objects.create(
        organisation=organisation, email="new@example.org", role="member"
    )
    purge_run()
    assert not Invitation.objects.filter(pk=old.pk).exists()
    assert Invitation.objects.filter(pk=pending.pk).exists()


def test_an_uploaded_spreadsheet_is_emptied_after_thirty_days(staff: User) -> None:
    report = {"rows": 2, "valid": 1, "errors": [{"row": 2, "messages": ["x"],
              "values": ["Jeanne", "06 12 34 56 78"]}], "duplicates": []}  # fmt: skip
    old = ImportJob.objects.create(
        target="offers", status="failed", file_name="appels.csv", file_format="csv",
        content=b"nom;telephone\nJeanne;0612345678", report=report, created_by=staff,
    )  # fmt: skip
    recent = ImportJob.objects.create(
        target="offers", status="checked", file_name="appels2.csv", file_format="csv",
        content=b"nom;telephone\nPaul;0698765432", report=report, created_by=staff,
    )  # fmt: skip
    age(old, ago(days=31))
    age(recent, ago(days=29))
    purge_run()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert bytes(old.content) == b""
    assert old.report["errors"] == [{"row": 2, "messages": ["x"], "values": [], "title": ""}]
    assert old.report["valid"] == 1
    assert b"Paul" in bytes(recent.content)


def test_expired_sessions_and_tokens_are_deleted(resident: User) -> None:
    from accounts.services import user_rotate_api_token

    session = SessionStore()
    session["x"] = 1
    session.set_expiry(-10)
    session.create()
    token, _text = user_rotate_api_token(user=resident)
    type(token).objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(hours=1))
    purge_run()
    assert not Session.objects.filter(pk=session.session_key).exists()
    assert not type(token).objects.filter(pk=token.pk).exists()


def test_audit_entries_past_their_period_go_but_the_purges_own_record_stays(staff: User) -> None:
    old = audit(actor=staff, action="offers.offer.contact_viewed")
    kept = audit(actor=staff, action="offers.offer.contact_viewed")
    run = audit(actor=None, action=PURGE_ACTION, detail={"counts": {}})
    age(old, ago(months=13), field="created_at")
    age(run, ago(months=13), field="created_at")
    age(kept, ago(months=11), field="created_at")
    purge_run()
    remaining = set(AuditEntry.objects.values_list("pk", flat=True))
    assert old.pk not in remaining
    assert {kept.pk, run.pk} <= remaining


# --- Inactive accounts ----------------------------------------------------------------------


def test_an_inactive_account_is_warned_by_email_a_month_before(
    resident: User, django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.filter(pk=resident.pk).update(
        last_login=ago(months=25), date_joined=ago(months=30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        purge_run()
    resident.refresh_from_db()
    assert resident.inactivity_warned_at is not None
    warning = Notification.objects.get(recipient=resident, type="privacy.inactivity_warning")
    assert warning.channel == "email"
    assert len(mail.outbox) == 1
    assert "24" in mail.outbox[0].body
    assert "/compte/login/" in mail.outbox[0].body
    # Warned once.
    purge_run()
    assert Notification.objects.filter(type="privacy.inactivity_warning").count() == 1


def test_a_warned_account_still_unused_a_month_later_is_erased(resident: User) -> None:
    User.objects.filter(pk=resident.pk).update(
        last_login=ago(months=26), date_joined=ago(months=30), inactivity_warned_at=ago(days=31)
    )
    purge_run()
    assert not User.objects.filter(pk=resident.pk).exists()
    assert AuditEntry.objects.filter(
        action="privacy.account.erased", detail__by="retention"
    ).exists()


def test_a_warned_account_used_again_is_kept_and_its_warning_forgotten(resident: User) -> None:
    User.objects.filter(pk=resident.pk).update(
        last_login=ago(days=2), date_joined=ago(months=30), inactivity_warned_at=ago(days=31)
    )
    purge_run()
    resident.refresh_from_db()
    assert resident.inactivity_warned_at is None


def test_an_active_account_a_staff_account_and_a_running_stay_are_never_warned(
    confirmed: Match, resident: User, staff: User
) -> None:
    recent = UserFactory(email="recent@example.org")
    User.objects.filter(pk__in=[resident.pk, staff.pk]).update(
        last_login=ago(months=25), date_joined=ago(months=30)
    )
    Offer.objects.filter(owner=resident).update(last_confirmed_at=ago(months=25))
    purge_run()
    assert not User.objects.filter(inactivity_warned_at__isnull=False).exists()
    assert recent.pk
    assert staff.pk


def test_confirming_an_offer_counts_as_activity(resident: User, room: Offer) -> None:
    User.objects.filter(pk=resident.pk).update(
        last_login=ago(months=25), date_joined=ago(months=30)
    )
    Offer.objects.filter(pk=room.pk).update(last_confirmed_at=ago(days=3))
    purge_run()
    resident.refresh_from_db()
    assert resident.inactivity_warned_at is None


# --- The run ------------------------------------------------------------------------------


def test_a_run_writes_one_audit_entry_with_counts_and_no_value(resident: User) -> None:
    closed_offer(resident, months=13)
    purge_run()
    [entry] = AuditEntry.objects.filter(action=PURGE_ACTION)
    assert entry.detail["counts"]["offers.offer"] == 1
    assert entry.detail["periods"]["offers"] == 12
    assert "rue des Tilleuls" not in str(entry.detail)
    assert entry.actor is None


def test_a_dry_run_counts_and_changes_nothing(resident: User) -> None:
    offer = closed_offer(resident, months=13)
    report = purge_run(dry_run=True)
    assert report.counts["offers.offer"] == 1
    offer.refresh_from_db()
    assert offer.street_address == "12 rue des Tilleuls"
    assert not AuditEntry.objects.filter(action=PURGE_ACTION).exists()


def test_a_second_run_finds_nothing_more(resident: User) -> None:
    closed_offer(resident, months=13)
    purge_run()
    assert purge_run().counts["offers.offer"] == 0


def test_the_command_is_a_dry_run_unless_told_otherwise(resident: User) -> None:
    offer = closed_offer(resident, months=13)
    printed = StringIO()
    call_command("purge_personal_data", stdout=printed)
    assert "Would change       1 offers.offer" in printed.getvalue()
    assert Offer.objects.get(pk=offer.pk).street_address != ""
    call_command("purge_personal_data", "--dry-run", stdout=StringIO())
    assert Offer.objects.get(pk=offer.pk).street_address != ""
    call_command("purge_personal_data", "--wet-run", stdout=StringIO())
    assert Offer.objects.get(pk=offer.pk).street_address == ""


def test_the_nightly_task_is_scheduled_and_runs_the_purge(resident: User, settings: object) -> None:
    from django.conf import settings as django_settings

    from privacy.tasks import purge

    assert django_settings.CELERY_BEAT_SCHEDULE["privacy-purge"]["task"] == "privacy.purge"
    closed_offer(resident, months=13)
    assert purge.delay().get()["offers.offer"] == 1


def test_periods_are_settings(resident: User, settings: object) -> None:
    offer = closed_offer(resident, months=7)
    settings.ENTRAIDE_RETENTION = {  # type: ignore[attr-defined]
        **django_retention(),
        "offers": 6,
    }
    purge_run()
    assert Offer.objects.get(pk=offer.pk).street_address == ""


def django_retention() -> dict[str, int]:
    from django.conf import settings

    return dict(settings.ENTRAIDE_RETENTION)


# --- The figures -----------------------------------------------------------------------------

DASHBOARD_TABLES = [
    "offers-by-state", "needs-by-state", "urgent-needs", "funnel", "time-to-placement", "beds",
    "districts",
]  # fmt: skip


def figures(staff_client: Client) -> dict[str, bytes]:
    cache.clear()
    found = {}
    found["open data"] = Client().get("/donnees-ouvertes/tous-les-mois.csv").content
    for path in ("/statistiques/", "/besoins/"):
        page = Client().get(path).content.decode()
        # The figures, without the time they were computed at.
        main = page[page.index("<main") : page.index("</main>")]
        found[path] = re.sub(r"\d{1,2}:\d{2}", "", main).encode()
    for table in DASHBOARD_TABLES:
        path = f"/equipe/tableau-de-bord/{table}.csv?period=all"
        response = staff_client.get(path)
        assert response.status_code == 200, path
        found[path] = response.content
    return found


def test_the_figures_are_the_same_before_and_after_a_purge(
    confirmed: Match, resident: User, association_member: User, staff: User, settings: Any
) -> None:
    """The dashboard's tables and the open data count the same things once every record
    past its period is anonymised (small counts shown from 2, so that a change shows)."""
    settings.ENTRAIDE_SMALL_COUNT_THRESHOLD = 2
    matching.match_complete(match=confirmed, by=association_member, outcome="went_well")
    for months in (2, 13, 14, 15, 16, 17):
        closed_offer(resident, months=months)
    for _n in range(3):
        need = NeedFactory(organisation=confirmed.need.organisation, status="cancelled")
        age(need, ago(months=13))
    for row in Offer.objects.all():
        age(row, ago(months=13), field="created_at")
    age(confirmed, ago(months=13))
    client = client_for(staff)
    before = figures(client)
    assert b",housing,offers_received,7,shown" in before["open data"]  # the seven offers
    report = purge_run()
    assert report.counts["offers.offer"] == 5
    assert report.counts["needs.need"] == 3
    assert report.counts["matching.match"] == 1
    assert figures(client) == before
