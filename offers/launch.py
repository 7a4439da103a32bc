"""This app's steps of the launch checklist (core.launch): the host charter and the
vetting steps (fiche 7), the city's vacant housing as dwelling offers (fiche 1)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.launch import Step, page, register_step
from offers.models import HostCharter, Offer


@register_step(3)
def host_charter() -> Step:
    charter = HostCharter.objects.current()
    vetting = ", ".join(settings.ENTRAIDE_HOUSING_VETTING_STEPS) or _("none")
    if charter is not None:
        state = _("Charter version %(version)s in force; checks before publishing: %(steps)s.") % {
            "version": charter.version,
            "steps": vetting,
        }
    else:
        state = _("No charter published yet; checks before publishing: %(steps)s.") % {
            "steps": vetting
        }
    return Step(
        3,
        "7",
        _("The host charter and the vetting steps"),
        charter is not None,
        state,
        ("ENTRAIDE_HOUSING_VETTING_STEPS",),
        (
            page(_("Write the host charter"), "offers-staff:charter"),
            page(_("Offers to review"), "offers-staff:queue"),
        ),
    )


@register_step(5)
def vacant_housing() -> Step:
    dwellings = Offer.objects.filter(kind="housing", housing_type="dwelling").count()
    return Step(
        5,
        "1",
        _("The city's vacant housing as dwelling offers"),
        dwellings > 0,
        ngettext("%(count)d whole-dwelling offer.", "%(count)d whole-dwelling offers.", dwellings)
        % {"count": dwellings},
        (),
        (
            page(_("Offer a dwelling"), "offers:create", "?kind=housing"),
            page(_("Matching workbench"), "matching-staff:workbench"),
        ),
    )
