"""This app's step of the launch checklist (core.launch): partner associations (fiche 8)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Organisation
from associations.models import PublicListing
from core.launch import Step, page, register_step


@register_step(2)
def partner_associations() -> Step:
    verified = Organisation.objects.verified().count()
    listed = PublicListing.objects.filter(
        listed=True, organisation__verified_at__isnull=False
    ).count()
    return Step(
        2,
        "8",
        _("Partner associations and their verification"),
        listed > 0,
        ngettext(
            "%(verified)d verified organisation, %(listed)d on Find help.",
            "%(verified)d verified organisations, %(listed)d on Find help.",
            verified,
        )
        % {"verified": verified, "listed": listed},
        (),
        (
            page(_("Where associations apply"), "associations:apply"),
            page(_("Organisations to verify"), "associations-staff:queue"),
        ),
    )
