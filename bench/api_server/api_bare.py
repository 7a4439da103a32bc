"""Bare Django views beside the API, for ``bench/api.py``: the same authentication (the API
token), the same queryset and the same fields, answered with ``values()`` and
``JsonResponse``, without DRF. Only the benchmark's gunicorn serves them (its settings,
``api_settings.py``, beside this file, name this URLconf); the site's own URLs follow unchanged."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from accounts import roles
from accounts.authentication import TokenAuthentication
from accounts.models import User
from core.models import Category, Sector
from matching import retrieval
from matching.access import visible_matches
from matching.api import MatchSerializer
from needs.api import NeedSerializer
from needs.models import Need
from needs.selectors import needs_visible_to
from offers.access import visible_offers
from offers.api import PUBLIC_FIELDS
from offers.models import Offer, OfferTransition

PAGE = 50
_token = TokenAuthentication()


def _user(request: HttpRequest) -> User | None:
    parts = request.headers.get("Authorization", "").split()
    if len(parts) != 2 or parts[0] != "Token":
        return None
    user, _auth_token = _token.authenticate_credentials(parts[1].encode())
    return user  # type: ignore[no-any-return]


def _page(rows: list[dict[str, Any]]) -> JsonResponse:
    return JsonResponse({"next": None, "previous": None, "results": rows[:PAGE]})


def offers(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user is None:
        return JsonResponse({"detail": "no"}, status=401)
    return _page(
        list(visible_offers(user).for_lists().order_by("-id").values(*PUBLIC_FIELDS)[: PAGE + 1])
    )


NEED_FIELDS = [name for name in NeedSerializer.Meta.fields if name != "sectors"]


def needs(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user is None:
        return JsonResponse({"detail": "no"}, status=401)
    rows = list(needs_visible_to(user).order_by("-id").values(*NEED_FIELDS)[: PAGE + 1])
    through = Need.sectors.through.objects.filter(need_id__in=[row["id"] for row in rows])
    sectors: dict[int, list[int]] = {}
    for need_id, sector_id in through.values_list("need_id", "sector_id"):
        sectors.setdefault(need_id, []).append(sector_id)
    readable = roles.internal_reference_access(user)  # the API's rule for the reference
    for row in rows:
        row["sectors"] = sectors.get(row["id"], [])
        if not readable(row["organisation"]):
            del row["internal_reference"]
    return _page(rows)


MATCH_FIELDS = [
    name
    for name in MatchSerializer.Meta.fields
    if name not in ("reasons", "need_internal_reference")
]


def matches(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user is None:
        return JsonResponse({"detail": "no"}, status=401)
    found = visible_matches(user).order_by("-id")
    columns = (*MATCH_FIELDS, "criteria", "shows_reference", "need__internal_reference")
    rows = list(found.values(*columns)[: PAGE + 1])
    for row in rows:
        row["reasons"] = retrieval.stored_reasons(row.pop("criteria"))
        # The association's reference, where the reader may see it (the API's rule, in SQL).
        reference = row.pop("need__internal_reference")
        row["need_internal_reference"] = (reference or None) if row.pop("shows_reference") else None
    return _page(rows)


def suggestions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user is None:
        return JsonResponse({"detail": "no"}, status=401)
    need = Need.objects.get(pk=int(request.GET["need"]))
    found = retrieval.suggestions_for_need(need, None)
    return JsonResponse(
        [{"need": need.pk, "offer": s.subject.pk, "score": round(s.total, 3), "reasons": s.reasons}
         for s in found],
        safe=False,
    )  # fmt: skip


@csrf_exempt
def create(request: HttpRequest) -> HttpResponse:
    """The same row as ``POST /api/v1/offers/`` with a minimal validation: an object with
    a known kind, a title, an existing district and category."""
    user = _user(request)
    if user is None:
        return JsonResponse({"detail": "no"}, status=401)
    data = json.loads(request.body)
    if not isinstance(data, dict) or data.get("kind") not in ("donation", "skill", "housing"):
        return JsonResponse({"detail": "kind"}, status=400)
    if not isinstance(data.get("title"), str) or not data["title"]:
        return JsonResponse({"detail": "title"}, status=400)
    sector = Sector.objects.filter(pk=data.get("sector")).first()
    category = Category.objects.filter(pk=data.get("category")).first()
    if sector is None or category is None:
        return JsonResponse({"detail": "keys"}, status=422)
    with transaction.atomic():
        offer = Offer.objects.create(
            owner=user, kind=data["kind"], title=data["title"], sector=sector,
            category=category, quantity=data.get("quantity") or 1,
            description=data.get("description", ""), language=user.preferred_language or "fr",
        )  # fmt: skip
        OfferTransition.objects.create(
            subject=offer, from_status="", to_status="draft", by=user, at=timezone.now()
        )
    return JsonResponse({"id": offer.pk, "kind": offer.kind, "status": offer.status}, status=201)


urlpatterns = [
    path("bare/offers/", offers),
    path("bare/needs/", needs),
    path("bare/matches/", matches),
    path("bare/suggestions/", suggestions),
    path("bare/offers/create/", create),
    path("", include("entraide.urls")),
]
