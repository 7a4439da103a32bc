"""The launch guide's checklist: the fiches of the guide, what each asks the city to set
up, and whether Entraide can see it done (``/equipe/lancement/``, docs/playbook.*.md).

Steps that only read settings are written here; a step that counts an app's records is
registered by that app (``register_step`` in its ``AppConfig.ready``), so that core never
imports the apps built on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


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


_REGISTERED: dict[int, Callable[[], Step]] = {}


def register_step(number: int) -> Callable[[Callable[[], Step]], Callable[[], Step]]:
    """Declare the function that reports step ``number`` of the checklist."""

    def register(report: Callable[[], Step]) -> Callable[[], Step]:
        _REGISTERED[number] = report
        return report

    return register


def _is_set(*names: str) -> bool:
    return all(bool(getattr(settings, name, "")) for name in names)


def page(label: str | Promise, name: str, query: str = "") -> Link:
    return Link(label, reverse(name) + query)


def _existing(label: str | Promise, path: str) -> tuple[Link, ...]:
    """A page another part of the project may provide: linked only where it exists."""
    try:
        resolve(path)
    except Resolver404:
        return ()
    return (Link(label, path),)


def launch_steps() -> list[Step]:
    steps = {step.number: step for step in _settings_steps()}
    steps.update({number: report() for number, report in _REGISTERED.items()})
    return [steps[number] for number in sorted(steps)]


def _settings_steps() -> list[Step]:
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
                page(_("Find help (print it for the counter)"), "find-help"),
                page(_("Take an offer by phone"), "offers-staff:phone"),
                page(_("Enter a need met at the counter"), "needs-staff:intake"),
            ),
        ),
        Step(
            4,
            "7",
            _("Minors only through accredited associations"),
            None,
            _("Decide which associations hold the accreditation, and check their documents."),
            (),
            (page(_("The housing offer form"), "offers:create", "?kind=housing"),),
        ),
        Step(
            6,
            "2, 5",
            _("Never asking about status or nationality"),
            None,
            _("No form asks it; tell every agent never to ask it, on the phone or at the counter."),
            ("ENTRAIDE_DPO_EMAIL", "ENTRAIDE_CONTACT_EMAIL"),
            (
                page(_("Privacy notice"), "privacy"),
                page(_("Need notes to clean"), "needs-staff:list", "?flagged=on"),
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
                page(_("Send an urgent call"), "notifications-staff:urgent-calls"),
                page(_("Follow the messages sent"), "notifications-staff:statuses"),
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
                page(_("What we need now"), "needs:public"),
                *_existing(_("Public statistics"), "/statistiques/"),
            ),
        ),
        _single_sign_on(),
    ]


def _single_sign_on() -> Step:
    issuer, passwords = settings.ENTRAIDE_OIDC_ISSUER, settings.ENTRAIDE_STAFF_LOCAL_PASSWORDS
    if issuer and not passwords:
        state = _("City sign-on is on; staff passwords are off.")
    elif issuer:
        state = _("City sign-on is on; staff passwords still work.")
    else:
        state = _("Staff sign in with a password: ask IT for the city's single sign-on.")
    return Step(
        9,
        "",
        _("Your team's accounts: single sign-on"),
        bool(issuer) and not passwords,
        state,
        (
            "ENTRAIDE_OIDC_ISSUER",
            "ENTRAIDE_OIDC_STAFF_GROUPS",
            "ENTRAIDE_OIDC_COORDINATOR_GROUPS",
            "ENTRAIDE_STAFF_LOCAL_PASSWORDS",
        ),
    )
