"""Demo organisations: details for the two core ones, one more verified association, a
refused application and a pending invitation. Idempotent."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import Membership, Organisation, User
from associations.models import Invitation
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
    stdout.write("  associations: 4 organisations (2 to check or refused), 1 invitation")
