"""Demo organisations: details for the two core ones, one more verified association, a
refused application and a pending invitation. Idempotent."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import Membership, Organisation, User
from associations.models import Invitation, PublicListing
from core.models import Sector

DETAILS = {
    "Accueil Solidaire (démo)": {
        "description": "Accueil de jour, accompagnement vers l'hébergement et les démarches, "
        "distribution de vêtements.",
        "contact_name": "Permanence d'accueil",
        "contact_email": "accueil-solidaire@example.org",
        "contact_phone": "04 76 00 00 01",
    },
    "Collectif des Voisins (démo, à vérifier)": {
        "description": "Collectif d'habitants qui organise des collectes et des repas partagés.",
        "contact_name": "Coordination du collectif",
        "contact_email": "voisins@example.org",
    },
}


def load_demo(*, sectors: list[Sector], users: dict[str, User], stdout: Any) -> None:
    staff = users["agent@example.org"]
    for name, details in DETAILS.items():
        Organisation.objects.filter(name=name, description="").update(**details)
    network, _ = Organisation.objects.get_or_create(
        name="Réseau Hébergement Citoyen (démo)",
        defaults={
            "kind": Organisation.Kind.ASSOCIATION,
            "registration_number": "W381000017",
            "description": "Met en relation des familles hébergeuses et des personnes "
            "sans solution d'hébergement, avec un suivi par des bénévoles référents.",
            "contact_name": "Pôle hébergement",
            "contact_email": "hebergement-citoyen@example.org",
            "contact_phone": "04 76 00 00 02",
            "verified_at": timezone.now(),
            "verified_by": staff,
        },
    )
    network.sectors.set(sectors[2:7])
    if network.minors_accredited_at is None:  # fiche 7: it may post needs for minors
        Organisation.objects.filter(pk=network.pk).update(
            minors_accredited_at=timezone.now(), minors_accredited_by=staff
        )
    # The member of Accueil Solidaire is also an admin here: they choose whom they act for.
    Membership.objects.get_or_create(
        user=users["asso-membre@example.org"],
        organisation=network,
        defaults={"role": Membership.Role.ADMIN},
    )
    Organisation.objects.get_or_create(
        name="Entraide Express (démo, refusée)",
        defaults={
            "kind": Organisation.Kind.OTHER,
            "description": "Service payant de déménagement.",
            "contact_name": "Direction",
            "contact_email": "contact-express@example.org",
            "refused_at": timezone.now(),
            "refusal_reason": "Une entreprise commerciale ne peut pas publier de besoins.",
        },
    )
    accueil = Organisation.objects.get(name="Accueil Solidaire (démo)")
    if not accueil.invitations.pending().exists():
        Invitation.objects.create(
            organisation=accueil,
            email="nouvelle-benevole@example.org",
            role=Membership.Role.MEMBER,
            invited_by=users["asso-admin@example.org"],
        )
    _listings(sectors)
    stdout.write(
        "  associations: 4 organisations (2 to check or refused), 1 invitation, "
        "2 on the Find help page"
    )


# What the two verified demo associations show on the public "Find help" page.
LISTINGS = {
    "Accueil Solidaire (démo)": {
        "help_kinds": ["food", "clothes", "rights", "listening"],
        "summary": "Accueil de jour sans rendez-vous : un café, des vêtements, de l'aide "
        "pour les démarches.",
        "phone": "04 76 00 10 10",
        "email": "permanence@accueil-solidaire.example.org",
        "address": "12 rue de la Démo, 38000 Démoville",
        "opening_hours": "Du lundi au vendredi, 9 h – 12 h",
        "languages": ["fr", "en", "ar", "fa", "ps"],
        "districts": 2,
    },
    "Réseau Hébergement Citoyen (démo)": {
        "help_kinds": ["housing", "french", "children"],
        "summary": "Hébergement chez l'habitant et cours de français, avec un bénévole référent.",
        "phone": "04 76 00 20 20",
        "email": "contact@hebergement-citoyen.example.org",
        "opening_hours": "Mardi et jeudi, 14 h – 18 h",
        "languages": ["fr", "en", "uk", "ru", "ti"],
        "districts": 0,
    },
}


def _listings(sectors: list[Sector]) -> None:
    for name, details in LISTINGS.items():
        organisation = Organisation.objects.filter(name=name).first()
        if organisation is None or PublicListing.objects.filter(organisation=organisation).exists():
            continue
        fields = dict(details)
        districts = int(str(fields.pop("districts")))  # the first n districts; 0: whole city
        listing = PublicListing.objects.create(organisation=organisation, listed=True, **fields)
        listing.sectors.set(sectors[:districts])
