"""Emptying the personal fields of records, keeping what the figures count.

Each record keeps its kind, state, district, counts and dates (what ``reports`` reads), and
loses what names or locates a person: texts, addresses, contacts, references, and its
links to accounts. Every function works on a queryset with ``update()``, so that
``updated_at`` (when the record last changed) stays what it was, and returns how many
rows it changed. The lists of fields here are the ones ``docs/privacy.md`` names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat

from associations.models import Invitation
from imports.models import ImportJob
from matching.models import Match, MatchTransition
from needs.models import Need, NeedTransition
from notifications.models import Notification, NotificationTransition
from offers.models import HostCharterAcceptance, HousingCheck, Offer, OfferTransition

# What an anonymised offer loses. Its kind, district, capacity, dates, languages and
# state stay: the dashboard, the public statistics and the open data read those.
OFFER_FIELDS: dict[str, Any] = {
    "title": "",
    "description": "",
    "street_address": "",
    "postcode": "",
    "sizes": "",
    "pickup_hours": "",
    "language_pairs": "",
    "moderation_message": "",
    "caller_name": "",
    "caller_phone": "",
    "caller_email": "",
    "text_flags": [],
    "owner": None,
    "entered_by": None,
}
CALLER_FIELDS: dict[str, Any] = {"caller_name": "", "caller_phone": "", "caller_email": ""}
NEED_FIELDS: dict[str, Any] = {
    "note": "",
    "note_flags": [],
    "internal_reference": "",
    "accessibility": "",
    "sizes": "",
    "created_by": None,
}
MATCH_FIELDS: dict[str, Any] = {"decline_reason": "", "proposed_by": None}
NOTIFICATION_FIELDS: dict[str, Any] = {
    "context": {},
    "address": "",
    "last_error": "",
    "provider_message_id": "",
    "recipient": None,
    "claim": None,
}
# A transition's note is free text (a refusal's reason, a question); ``by`` names someone.
TRANSITION_FIELDS: dict[str, Any] = {"note": "", "by": None}


def anonymise_offers(offers: QuerySet[Offer], now: datetime) -> int:
    ids = list(offers.values_list("pk", flat=True))
    for chunk in _chunks(ids):
        OfferTransition.objects.filter(subject_id__in=chunk).update(**TRANSITION_FIELDS)
        HousingCheck.objects.filter(offer_id__in=chunk).update(note="", done_by=None)
        HostCharterAcceptance.objects.filter(offer_id__in=chunk).update(user=None, recorded_by=None)
        Offer.objects.filter(pk__in=chunk).update(**OFFER_FIELDS, anonymised_at=now)
    return len(ids)


def erase_caller_contacts(offers: QuerySet[Offer]) -> int:
    return offers.update(**CALLER_FIELDS)


def anonymise_needs(needs: QuerySet[Need], now: datetime) -> int:
    ids = list(needs.values_list("pk", flat=True))
    for chunk in _chunks(ids):
        NeedTransition.objects.filter(subject_id__in=chunk).update(**TRANSITION_FIELDS)
        Need.objects.filter(pk__in=chunk).update(**NEED_FIELDS, anonymised_at=now)
    return len(ids)


def anonymise_matches(matches: QuerySet[Match], now: datetime) -> int:
    ids = list(matches.values_list("pk", flat=True))
    for chunk in _chunks(ids):
        MatchTransition.objects.filter(subject_id__in=chunk).update(**TRANSITION_FIELDS)
        Match.objects.filter(pk__in=chunk).update(**MATCH_FIELDS, anonymised_at=now)
    return len(ids)


def purge_notifications(notifications: QuerySet[Notification], now: datetime) -> int:
    ids = list(notifications.values_list("pk", flat=True))
    for chunk in _chunks(ids):
        NotificationTransition.objects.filter(subject_id__in=chunk).update(note="", by=None)
        # The idempotency key names the event and the person ("…:<match>:<user>").
        Notification.objects.filter(pk__in=chunk).update(
            **NOTIFICATION_FIELDS,
            idempotency_key=Concat(Value("purged:"), Cast("pk", CharField())),
            purged_at=now,
        )
    return len(ids)


def delete_invitations(invitations: QuerySet[Invitation]) -> int:
    return invitations.delete()[0]


def empty_import_jobs(jobs: QuerySet[ImportJob]) -> int:
    """The file, and the rows its report copied from it; the counts stay."""
    emptied = 0
    for job in jobs:
        report = {**job.report, "emptied": True}
        for name in ("errors", "duplicates"):
            report[name] = [
                {**entry, "values": [], "title": ""} if isinstance(entry, dict) else {}
                for entry in report.get(name, [])
            ]
        ImportJob.objects.filter(pk=job.pk).update(content=b"", report=report)
        emptied += 1
    return emptied


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]
