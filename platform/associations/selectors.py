"""Reads of association onboarding, and which organisation a member acts for."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet, Value
from django.http import HttpRequest

from accounts import roles
from accounts.models import Membership, Organisation
from associations.models import PublicListing
from core.models import Sector
from core.staff_filters import NORMAL, QUEUE_KEYS, annotate_queue

ACTING_FOR = "associations.acting_for"


def acting_organisation(request: HttpRequest) -> Organisation | None:
    """The verified organisation the signed-in member acts for on this device: the one
    they chose, or their first one. ``None`` for someone who is no member."""
    memberships = roles.active_memberships(request.user)
    if not memberships:
        return None
    chosen = request.session.get(ACTING_FOR)
    for membership in memberships:
        if membership.organisation_id == chosen:
            return membership.organisation
    return memberships[0].organisation


def choose_acting_organisation(request: HttpRequest, organisation: Organisation) -> bool:
    """Remember the choice on this device if the person may act for ``organisation``."""
    if not roles.is_member_of(request.user, organisation):
        return False
    request.session[ACTING_FOR] = organisation.pk
    return True


def memberships_of(user: object) -> QuerySet[Membership]:
    """Every organisation someone belongs to, verified or not, for their own page."""
    return (
        Membership.objects.filter(user=user)  # type: ignore[misc]
        .select_related("organisation")
        .order_by("organisation__name")
    )


ORGANISATION_FILTER_PATHS = {"district": "sectors"}


def verification_queue() -> QuerySet[Organisation]:
    """Applications waiting for a decision, the longest-waiting first. An organisation
    carries no urgency of its own: every one ranks normal (``core.staff_filters``), so the
    queue keys stay those of every staff list."""
    return annotate_queue(
        Organisation.objects.to_verify().prefetch_related("sectors"),
        rank=Value(NORMAL),
        waiting_since="created_at",
    ).order_by(*QUEUE_KEYS)


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("-role", "user__email")


def organisations_visible_to(user: object) -> QuerySet[Organisation]:
    """Staff see every organisation; anyone else only the ones they belong to."""
    organisations = Organisation.objects.prefetch_related(Prefetch("sectors")).order_by(
        "name", "id"
    )
    if roles.is_staff_member(user):
        return organisations
    if not getattr(user, "is_authenticated", False):
        return organisations.none()
    return organisations.filter(memberships__user=user)  # type: ignore[misc]


def find_help(*, sector: Sector | None = None, kind: str = "") -> list[PublicListing]:
    """The listings of the "Find help" page: verified organisations that opted in, in a
    district (or the whole city) and for a kind of help if asked, by name. Two queries
    whatever the count."""
    listings = (
        PublicListing.objects.filter(
            listed=True,
            organisation__verified_at__isnull=False,
            organisation__closed_at__isnull=True,
        )
        .select_related("organisation")
        .prefetch_related("sectors")
        .order_by("organisation__name", "pk")
    )
    if sector is not None:
        # Organisations that gave no district receive people from the whole city.
        listings = listings.filter(Q(sectors=sector) | Q(sectors__isnull=True)).distinct()
    found = list(listings)
    if kind:
        # help_kinds is a JSON list: filtered here, portably (SQLite has no JSON contains).
        found = [listing for listing in found if kind in listing.help_kinds]
    return found


def listing_of(organisation: Organisation) -> PublicListing:
    """The organisation's listing, or an unsaved empty one (not shown) to start from."""
    try:
        return organisation.public_listing
    except PublicListing.DoesNotExist:
        return PublicListing(organisation=organisation)
