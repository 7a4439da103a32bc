"""The workbench's suggestion card shows what staff need to judge a pair, unticked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, User
from core.models import Sector
from matching.models import Match
from tests.conftest import client_for
from tests.factories import OfferFactory
from tests.needs.factories import NeedFactory

pytestmark = pytest.mark.django_db


def test_a_suggestion_card_shows_both_sides_and_starts_unticked(
    organisation: Organisation, sector: Sector, staff: User
) -> None:
    need = NeedFactory(organisation=organisation, opened_at=timezone.now(), languages=["uk"],
                       step_free_access=True, accessibility="Rez-de-chaussée",
                       note="Appeler Mme Dupont au 06 12 34 56 78", note_flags=["phone"],
                       wanted_until=timezone.localdate() + timedelta(days=200))  # fmt: skip
    room = OfferFactory(housing=True, published=True, sector=sector, capacity=2,
                        household_types=["single_adult", "couple"], languages=["uk", "fr"],
                        step_free_access=True, title="Chambre claire")  # fmt: skip
    reason = {"name": "languages", "points": 10.0, "max_points": 10.0, "reason": "shared",
              "params": {"languages": ["uk"]}}  # fmt: skip
    match = Match.objects.create(
        need=need, offer=room, status=Match.Status.SUGGESTED, score=71, criteria=[reason]
    )
    body = client_for(staff, language="en").get(reverse("matching-staff:workbench")).content
    page = body.decode()
    assert f'value="{match.pk}" id="suggestion-{match.pk}">' in page  # not ticked
    assert "checked" not in page.split('id="suggested-title"')[1]
    for shown in ("2 beds", "Single adult", "Couple", "Ukrainian", "Rez-de-chaussée",
                  "step-free access needed", "Note to clean", "Shares 1 language: Ukrainian",
                  reverse("offers-staff:detail", args=[room.pk]),
                  reverse("matching-staff:need", args=[need.pk])):  # fmt: skip
        assert shown in page, shown
