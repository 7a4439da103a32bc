"""The launch guide's checklist: the fiches of the guide, what each asks the city to set
up, and whether Entraide can see it done (``/equipe/lancement/``, docs/playbook.*.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Link:
    label: str | Promise
    url: str


@dataclass(frozen=True)
class Step:
    number: int
    fiches: str
    title: str | Promise
    # True: done; False: to do; None: a decision Entraide cannot see.
    done: bool | None
    state: str | Promise
    settings: tuple[str, ...] = ()
    links: tuple[Link, ...] = field(default_factory=tuple)


def _is_set(*names: str) -> bool:
    return all(bool(getattr(settings, name, "")) for name in names)


def _page(label: str | Promise, name: str, query: str = "") -> Link:
    return Link(label, reverse(name) + query)


def _existing(label: str | Promise, path: str) -> tuple[Link, ...]:
    """A page another part of the project may provide: linked only where it exists."""
    try:
        resolve(path)
    except Resolver404:
        return ()
    return (Link(label, path),)


def launch_steps() -> list[Step]:
    # Imported here: core is below the apps it reports on.
    from accounts.models import Organisation
    from associations.models import PublicListing
    from offers.models import HostCharter, Offer

    verified = Organisation.objects.verified().count()
    listed = PublicListing.objects.filter(
        listed=True, organisation__verified_at__isnull=False
    ).count()
    charter = HostCharter.objects.current()
    dwellings = Offer.objects.filter(kind="housing", housing_type="dwelling").count()
    vetting = ", ".join(settings.ENTRAIDE_HOUSING_VETTING_STEPS) or _("none")
    return [
        Step(
            1,
            "7, 8",
            _("A free phone line and a counter"),
            _is_set("ENTRAIDE_PHONE_LINE", "ENTRAIDE_COUNTER_ADDRESS"),
            _("Shown on the home page and on Find help once both are set."),
            (
                "ENTRAIDE_PHONE_LINE",
                "ENTRAIDE_PHONE_HOURS",
                "ENTRAIDE_COUNTER_ADDRESS",
                "ENTRAIDE_COUNTER_HOURS",
                "ENTRAIDE_COUNTER_ACCESS",
            ),
            (
                _page(_("Find help (print it for the counter)"), "find-help"),
                _page(_("Take an offer by phone"), "offers-staff:phone"),
                _page(_("Enter a need met at the counter"), "needs-staff:intake"),
            ),
        ),
        Step(
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
                _page(_("Where associations apply"), "associations:apply"),
                _page(_("Organisations to verify"), "associations-staff:queue"),
            ),
        ),
        Step(
            3,
            "7",
            _("The host charter and the vetting steps"),
            charter is not None,
            (
                _("Charter version %(version)s in force; checks before publishing: %(steps)s.")
                % {"version": charter.version, "steps": vetting}
                if charter
                else _("No charter published yet; checks before publishing: %(steps)s.")
                % {"steps": vetting}
            ),
            ("ENTRAIDE_HOUSING_VETTING_STEPS",),
            (
                _page(_("Write the host charter"), "offers-staff:charter"),
                _page(_("Offers to review"), "offers-staff:queue"),
            ),
        ),
        Step(
            4,
            "7",
            _("Minors only through accredited associations"),
            None,
            _("Decide which associations hold the accreditation, and check their documents."),
            (),
            (_page(_("The housing offer form"), "offers:create", "?kind=housing"),),
        ),
        Step(
            5,
            "1",
            _("The city's vacant housing as dwelling offers"),
            dwellings > 0,
            ngettext(
                "%(count)d whole-dwelling offer.", "%(count)d whole-dwelling offers.", dwellings
            )
            % {"count": dwellings},
            (),
            (
                _page(_("Offer a dwelling"), "offers:create", "?kind=housing"),
                _page(_("Matching workbench"), "matching-staff:workbench"),
            ),
        ),
        Step(
            6,
            "2, 5",
            _("Never asking about status or nationality"),
            None,
            _("No form asks it; tell every agent never to ask it, on the phone or at the counter."),
            ("ENTRAIDE_DPO_EMAIL", "ENTRAIDE_CONTACT_EMAIL"),
            (
                _page(_("Privacy notice"), "privacy"),
                _page(_("Need notes to clean"), "needs-staff:list", "?flagged=on"),
            ),
        ),
        Step(
            7,
            "9",
            _("Urgent calls"),
            None,
            _("At most %(count)s a day.") % {"count": settings.ENTRAIDE_URGENT_CALLS_PER_DAY},
            ("ENTRAIDE_URGENT_CALLS_PER_DAY",),
            (
                _page(_("Send an urgent call"), "notifications-staff:urgent-calls"),
                _page(_("Follow the messages sent"), "notifications-staff:statuses"),
            ),
        ),
        Step(
            8,
            "3, 10",
            _("Reporting to the council and to city networks"),
            None,
            _("Present the figures to the council every quarter, with the associations."),
            (),
            (
                _page(_("What we need now"), "needs:public"),
                *_existing(_("Public statistics"), "/statistiques/"),
            ),
        ),
        Step(
            9,
            "",
            _("Your team's accounts: single sign-on"),
            bool(settings.ENTRAIDE_OIDC_ISSUER) and not settings.ENTRAIDE_STAFF_LOCAL_PASSWORDS,
            (
                _("City sign-on is on; staff passwords are off.")
                if settings.ENTRAIDE_OIDC_ISSUER and not settings.ENTRAIDE_STAFF_LOCAL_PASSWORDS
                else _("City sign-on is on; staff passwords still work.")
                if settings.ENTRAIDE_OIDC_ISSUER
                else _("Staff sign in with a password: ask IT for the city's single sign-on.")
            ),
            (
                "ENTRAIDE_OIDC_ISSUER",
                "ENTRAIDE_OIDC_STAFF_GROUPS",
                "ENTRAIDE_OIDC_COORDINATOR_GROUPS",
                "ENTRAIDE_STAFF_LOCAL_PASSWORDS",
            ),
            (),
        ),
    ]
