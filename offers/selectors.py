"""Reads on offers that are more than a QuerySet method."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower, Upper
from django.http import QueryDict
from django.utils import timezone

from accounts.models import User
from core.claims import claimed_by_others
from core.staff_filters import QUEUE_KEYS, QueueFilterForm, annotate_queue, apply_filters
from offers.models import Offer, OfferQuerySet, normalise_phone, offer_urgency_rank
from offers.search import OFFER_NEAR, OFFER_WORDS

DUPLICATES_SHOWN = 10


OFFER_FILTER_PATHS = {
    "kind": "kind",
    "category": "category",
    "district": "sector",
    "state": "status",
}


def _queue(offers: OfferQuerySet, waiting_since: Any) -> QuerySet[Offer]:
    return annotate_queue(
        offers.select_related("sector", "category"),
        rank=offer_urgency_rank(),
        waiting_since=waiting_since,
    )


def moderation_queue() -> QuerySet[Offer]:
    """Pending offers by urgency (``offer_urgency_rank``), then the longest-waiting first;
    sort by ``core.staff_filters.QUEUE_KEYS``."""
    return _queue(Offer.objects.pending(), Coalesce("submitted_at", "created_at"))


def next_to_review(
    query: QueryDict, *, after: Offer, by: User, filters: Sequence[str]
) -> Offer | None:
    """The pending offer an agent takes after deciding on ``after``: the first of the
    moderation queue as they filtered it (``query``), other than ``after`` and than those
    another agent holds (``core.claims``)."""
    form = QueueFilterForm(query or None, filters=filters)
    queue = apply_filters(moderation_queue(), form, paths=OFFER_FILTER_PATHS)
    others = claimed_by_others(Offer, by).values("target_id")
    return queue.exclude(pk=after.pk).exclude(pk__in=others).order_by(*QUEUE_KEYS).first()


def staff_offers() -> QuerySet[Offer]:
    """Every offer, for the staff's offer list: by urgency, then the oldest first."""
    return _queue(Offer.objects.all(), Coalesce("submitted_at", "created_at"))


def call_back_list() -> QuerySet[Offer]:
    """Offers taken by phone whose availability is due to be confirmed: the people to call
    back, by urgency then the soonest to expire first (see :func:`with_expiry`)."""
    return _queue(
        Offer.objects.published().filter(
            owner__isnull=True, reminder_sent_at__gt=F("last_confirmed_at")
        ),
        "reminder_sent_at",
    )


def with_expiry(offers: Iterable[Offer]) -> list[Offer]:
    """Each offer to call back with ``expires_on``: when it lapses if nobody answers."""
    grace = timedelta(days=settings.ENTRAIDE_OFFER_CONFIRM_GRACE_DAYS)
    found = list(offers)
    for offer in found:
        assert offer.reminder_sent_at is not None
        offer.expires_on = timezone.localdate(offer.reminder_sent_at + grace)  # type: ignore[attr-defined]
    return found


def possible_duplicates(
    *,
    phone: str = "",
    email: str = "",
    street_address: str = "",
    exclude: Offer | None = None,
) -> list[Offer]:
    """Open offers that may come from the same person: same phone, e-mail or address.

    Phones are compared in their normalised form; residents type theirs freely in their
    account, so those are narrowed by their last digits in SQL and compared in Python.
    """
    condition = Q()
    email = email.strip()
    if email:
        condition |= Q(caller_email__iexact=email) | Q(owner__email__iexact=email)
    digits = normalise_phone(phone)
    if len(digits) >= 6:
        condition |= Q(caller_phone=digits)
        owners = [
            user.pk
            for user in User.objects.filter(phone__endswith=digits[-2:]).only("pk", "phone")
            if normalise_phone(user.phone) == digits
        ]
        if owners:
            condition |= Q(owner__in=owners)
    address = " ".join(street_address.split())
    if len(address) >= 5:
        condition |= Q(street_address__iexact=address)
    if not condition:
        return []
    found = Offer.objects.filter(condition).exclude(status=Offer.Status.CLOSED)
    if exclude is not None:
        # The offer itself, and its owner's other offers: known to be the same person.
        found = found.exclude(pk=exclude.pk)
        if exclude.owner_id is not None:
            found = found.exclude(owner_id=exclude.owner_id)
    return list(found.select_related("sector").order_by("-created_at")[:DUPLICATES_SHOWN])


def duplicates_in_bulk(
    *, phones: set[str], emails: set[str], addresses: set[str]
) -> dict[tuple[str, str], list[int]]:
    """Open offers that may come from the same people as many callers at once (a
    spreadsheet import): ``{("phone", digits) | ("email", address) | ("address", text):
    [offer ids]}``. Keys are normalised like :func:`possible_duplicates` compares them;
    a few indexed queries whatever the number of callers."""
    found: dict[tuple[str, str], list[int]] = {}
    open_offers = Offer.objects.exclude(status=Offer.Status.CLOSED)

    def add(key: tuple[str, str], pk: int) -> None:
        found.setdefault(key, []).append(pk)

    for chunk in _chunks(sorted(phones)):
        for pk, phone in open_offers.filter(caller_phone__in=chunk).values_list(
            "pk", "caller_phone"
        ):
            add(("phone", phone), pk)
    if phones:
        owners = {
            user_pk: normalise_phone(phone)
            for user_pk, phone in User.objects.exclude(phone="").values_list("pk", "phone")
        }
        wanted = {pk: digits for pk, digits in owners.items() if digits in phones}
        for chunk in _chunks(sorted(wanted)):
            for pk, owner in open_offers.filter(owner__in=chunk).values_list("pk", "owner_id"):
                add(("phone", wanted[owner]), pk)
    for chunk in _chunks(sorted(emails)):
        for pk, email in open_offers.filter(caller_email__in=chunk).values_list(
            "pk", "caller_email"
        ):
            add(("email", email.lower()), pk)
        rows = (
            open_offers.annotate(owner_email=Lower("owner__email"))
            .filter(owner_email__in=chunk)
            .values_list("pk", "owner_email")
        )
        for pk, email in rows:
            add(("email", email.lower()), pk)
    for chunk in _chunks(sorted(addresses)):
        matches = (
            open_offers.annotate(address_key=Upper("street_address"))
            .filter(address_key__in=[address.upper() for address in chunk])
            .values_list("pk", "address_key")
        )
        for pk, address in matches:
            add(("address", " ".join(address.split()).lower()), pk)
    return found


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


def search_kind(text: str) -> str:
    """What a staff search looks for: a "phone" number, an "email", or "text"."""
    if "@" in text:
        return "email"
    if len(normalise_phone(text)) >= 6 and not re.search(r"[^\d\s.+()-]", text):
        return "phone"
    return "text"


def offer_search(
    query: str, offers: QuerySet[Offer] | None = None, *, contact: bool = True
) -> QuerySet[Offer]:
    """Offers whose title, description, street or postcode hold the words of ``query``
    (PostgreSQL: full text without accents, and trigrams for a typo in a title or a
    street, on GIN indexes, ``offers/search.py``; elsewhere ``icontains``), or whose id
    it is; with ``contact``, also whose caller's or owner's phone (normalised) or e-mail
    it is. For staff only: the caller of this reads contact data and audits it."""
    offers = offers if offers is not None else Offer.objects.all()
    text = " ".join(query.split())[:100]
    if not text:
        return offers.none()
    if connection.vendor == "postgresql":
        # Constant statements; the text is a bound parameter. Trigrams (slower, broader)
        # only when no offer holds the words: a typo.
        words = Q(pk__in=RawSQL(OFFER_WORDS, [text]))  # noqa: S611
        near = Q(pk__in=RawSQL(OFFER_NEAR, [text]))  # noqa: S611
        condition = words if offers.filter(words).exists() else near
    else:
        condition = (
            Q(title__icontains=text)
            | Q(description__icontains=text)
            | Q(street_address__icontains=text)
        )
    condition |= Q(postcode=text)
    if text.isdigit() and len(text) < 10:
        condition |= Q(pk=int(text))
    kind = search_kind(text)
    if contact and kind == "phone":
        digits = normalise_phone(text)
        owners = [
            user.pk
            for user in User.objects.filter(phone__endswith=digits[-2:]).only("pk", "phone")
            if normalise_phone(user.phone) == digits
        ]
        condition |= Q(caller_phone=digits) | Q(owner__in=owners)
    if contact and kind == "email":
        condition |= Q(caller_email__iexact=text) | Q(owner__email__iexact=text)
    return offers.filter(condition).select_related("sector", "category").order_by("-id")
