"""Load the demo city: sectors, one account per role, organisations. Safe to run twice."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from accounts.models import Membership, Organisation, User
from core.models import Sector

DEMO_PASSWORD = "entraide-demo"  # noqa: S105 (printed to the person running the demo)

SECTORS = [
    # code, name, centroid latitude, longitude
    ("centre", "Centre-ville", "45.18850", "5.72450"),
    ("gare-europole", "Gare – Europole", "45.19130", "5.71400"),
    ("ile-verte", "Île Verte", "45.19650", "5.74100"),
    ("berriat", "Berriat – Saint-Bruno", "45.18800", "5.70550"),
    ("eaux-claires", "Eaux-Claires – Mistral", "45.17600", "5.70500"),
    ("capuche", "Capuche – Exposition", "45.17650", "5.73000"),
    ("villeneuve", "Villeneuve – Village Olympique", "45.16250", "5.73500"),
    ("bastille", "Bastille – Saint-Laurent", "45.19600", "5.72650"),
]

ACCOUNTS = [
    # e-mail, display name, role, what the account is for
    ("habitant@example.org", "Camille", User.Role.RESIDENT, "resident"),
    ("asso-admin@example.org", "Nadia", User.Role.RESIDENT, "association admin"),
    ("asso-membre@example.org", "Yann", User.Role.RESIDENT, "association member"),
    ("agent@example.org", "Sophie", User.Role.STAFF, "city staff (moderator)"),
    ("coordination@example.org", "Marc", User.Role.COORDINATOR, "coordinator"),
]


def _app_demo_loaders() -> list[Any]:
    """Each domain app may bring its share of the demo in ``<app>/demo.py`` with a
    ``load_demo(*, sectors, users, stdout)`` function; core imports no domain app, so it
    finds them here, in the order of INSTALLED_APPS."""
    loaders = []
    for config in apps.get_app_configs():
        if config.module is not None and module_has_submodule(config.module, "demo"):
            loaders.append(import_module(f"{config.name}.demo").load_demo)
    return loaders


class Command(BaseCommand):
    help = "Create the demo city: sectors, accounts, organisations, each app's data. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production.")
        with transaction.atomic():
            sectors = self._sectors()
            users = {email: self._account(email, name, role) for email, name, role, _ in ACCOUNTS}
            self._organisations(sectors, users)
            for load_demo in _app_demo_loaders():
                load_demo(sectors=sectors, users=users, stdout=self.stdout)
        self._print_logins()

    def _sectors(self) -> list[Sector]:
        return [
            Sector.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "centroid_latitude": latitude,
                    "centroid_longitude": longitude,
                    "position": position,
                },
            )[0]
            for position, (code, name, latitude, longitude) in enumerate(SECTORS)
        ]

    def _account(self, email: str, display_name: str, role: str) -> User:
        user, created = User.objects.get_or_create(
            email=email, defaults={"display_name": display_name, "role": role}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _organisations(self, sectors: list[Sector], users: dict[str, User]) -> None:
        staff = users["agent@example.org"]
        verified, _ = Organisation.objects.get_or_create(
            name="Accueil Solidaire (démo)",
            defaults={
                "kind": Organisation.Kind.ASSOCIATION,
                "registration_number": "W381234567",
                "verified_at": timezone.now(),
                "verified_by": staff,
            },
        )
        verified.sectors.set(sectors[:4])
        Membership.objects.get_or_create(
            user=users["asso-admin@example.org"],
            organisation=verified,
            defaults={"role": Membership.Role.ADMIN},
        )
        Membership.objects.get_or_create(
            user=users["asso-membre@example.org"],
            organisation=verified,
            defaults={"role": Membership.Role.MEMBER},
        )
        pending, _ = Organisation.objects.get_or_create(
            name="Collectif des Voisins (démo, à vérifier)",
            defaults={"kind": Organisation.Kind.COLLECTIVE},
        )
        pending.sectors.set(sectors[4:])

    def _print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS("Demo city ready. Sign in with:"))
        for email, _name, _role, purpose in ACCOUNTS:
            self.stdout.write(f"  {purpose:<24} {email:<28} password: {DEMO_PASSWORD}")
