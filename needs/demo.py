"""Demo needs: every kind and urgency, in every state, for the demo organisations and one
met at a counter. Notes are realistic and hold no personal detail. Idempotent: each demo
need carries a ``DEMO-`` internal reference."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Organisation, User
from core.models import Category, Sector
from needs import services
from needs.models import Need

ACCUEIL = "Accueil Solidaire (démo)"
RESEAU = "Réseau Hébergement Citoyen (démo)"
COUNTER = None

# organisation, kind, category, urgency, adults, children, household type, extra fields, note,
# final state
H, D, S = "housing", "donation", "skill"
NEEDS: list[tuple[Any, ...]] = [
    (
        RESEAU,
        H,
        None,
        "critical",
        1,
        2,
        "family",
        {"housing_types": ["emergency", "dwelling"], "languages": ["uk", "ru"]},
        "Mère et deux enfants sans solution à partir de ce soir. Une chambre pour trois suffit.",
        "open",
    ),
    (
        RESEAU,
        H,
        None,
        "critical",
        1,
        0,
        "woman_alone",
        {"housing_types": ["room", "emergency"], "languages": ["fr", "ar"]},
        "Hébergement chez une femme seule ou une famille de préférence.",
        "open",
    ),
    (
        RESEAU,
        H,
        None,
        "high",
        2,
        0,
        "couple",
        {"housing_types": ["room"], "languages": ["fa"]},
        "Couple, autonome, cherche une chambre pour un à trois mois.",
        "open",
    ),
    (
        RESEAU,
        H,
        None,
        "high",
        1,
        0,
        "single_adult",
        {
            "housing_types": ["room"],
            "step_free_access": True,
            "no_pets": True,
            "languages": ["ar", "fr"],
        },
        "Marche difficile : rez-de-chaussée ou ascenseur indispensable ; allergie aux chats.",
        "open",
    ),
    (
        RESEAU,
        H,
        None,
        "normal",
        2,
        3,
        "family",
        {"housing_types": ["dwelling"], "languages": ["ti"]},
        "Famille suivie par un travailleur social, cherche un logement entier sur six mois.",
        "partly_matched",
    ),
    (
        RESEAU,
        H,
        None,
        "normal",
        1,
        0,
        "single_adult",
        {"housing_types": ["room"], "languages": ["ps", "en"]},
        "Jeune homme en formation, horaires de journée.",
        "open",
    ),
    (
        RESEAU,
        H,
        None,
        "critical",
        1,
        1,
        "family",
        {"housing_types": ["emergency"], "languages": ["so"]},
        "Deux nuits en attendant une place en structure.",
        "matched",
    ),
    (
        RESEAU,
        H,
        None,
        "normal",
        1,
        0,
        "single_adult",
        {"housing_types": ["room"]},
        "Hébergé pendant deux mois, tout s'est bien passé.",
        "fulfilled",
    ),
    (RESEAU, H, None, "high", 2, 1, "family", {"housing_types": ["room", "dwelling"]}, "", "draft"),
    (
        ACCUEIL,
        H,
        None,
        "critical",
        1,
        0,
        "single_adult",
        {"housing_types": ["emergency"], "languages": ["ka"]},
        "Une ou deux nuits, sortie d'hôpital, accès sans marche.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "clothing-adult",
        "high",
        1,
        0,
        "",
        {"quantity": 3, "sizes": "M, 42, L"},
        "Vêtements chauds pour l'hiver : manteaux et pulls.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "clothing-child",
        "critical",
        1,
        2,
        "family",
        {"quantity": 6, "sizes": "4 ans, 8 ans"},
        "Tenues complètes pour deux enfants arrivés sans bagage.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "shoes",
        "normal",
        1,
        0,
        "",
        {"quantity": 2, "sizes": "43"},
        "Chaussures de marche.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "bedding",
        "critical",
        4,
        0,
        "",
        {"quantity": 20},
        "Couvertures et duvets pour la mise à l'abri de ce soir.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "furniture",
        "normal",
        2,
        2,
        "family",
        {"quantity": 1},
        "Une table et quatre chaises pour un logement qui vient d'être attribué.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "household",
        "high",
        1,
        1,
        "family",
        {"quantity": 1},
        "Kit cuisine : casseroles, assiettes, couverts.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "hygiene",
        "high",
        5,
        0,
        "",
        {"quantity": 30},
        "Kits d'hygiène pour l'accueil de jour.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "baby",
        "critical",
        1,
        1,
        "family",
        {"quantity": 1},
        "Poussette et lit parapluie pour un bébé de quelques mois.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "school",
        "normal",
        1,
        3,
        "family",
        {"quantity": 3},
        "Cartables et fournitures pour la rentrée, primaire et collège.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "food",
        "high",
        6,
        4,
        "",
        {"quantity": 40},
        "Denrées non périssables pour la distribution du vendredi.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "bike",
        "normal",
        1,
        0,
        "",
        {"quantity": 1},
        "Vélo adulte avec antivol pour aller en formation.",
        "open",
    ),
    (
        ACCUEIL,
        D,
        "donation-other",
        "normal",
        1,
        0,
        "",
        {"quantity": 2},
        "Téléphones portables reconditionnés.",
        "closed",
    ),
    (ACCUEIL, D, "bedding", "normal", 2, 0, "", {"quantity": 4}, "Draps deux places.", "cancelled"),
    (
        ACCUEIL,
        S,
        "interpreting",
        "critical",
        1,
        0,
        "",
        {"languages": ["uk"]},
        "Interprète ukrainien pour un rendez-vous médical jeudi matin.",
        "open",
    ),
    (
        ACCUEIL,
        S,
        "french-lessons",
        "normal",
        4,
        0,
        "",
        {"languages": ["ar", "fa", "ps"]},
        "Groupe de quatre adultes débutants, deux heures par semaine.",
        "open",
    ),
    (
        ACCUEIL,
        S,
        "legal-admin",
        "high",
        1,
        0,
        "",
        {"languages": ["en"]},
        "Aide pour constituer un dossier administratif, en anglais.",
        "open",
    ),
    (
        ACCUEIL,
        S,
        "school-support",
        "normal",
        0,
        2,
        "",
        {"languages": ["fr"]},
        "Aide aux devoirs pour deux collégiens, le mercredi après-midi.",
        "open",
    ),
    (
        ACCUEIL,
        S,
        "digital",
        "normal",
        3,
        0,
        "",
        {"languages": ["fr", "ar"]},
        "Atelier pour apprendre à utiliser une messagerie et un espace en ligne.",
        "open",
    ),
    (
        ACCUEIL,
        S,
        "transport",
        "high",
        1,
        2,
        "family",
        {},
        "Trajet en voiture vers un rendez-vous à l'hôpital Nord, avec deux enfants.",
        "open",
    ),
    (
        ACCUEIL,
        S,
        "job-mentoring",
        "normal",
        1,
        0,
        "",
        {"languages": ["fr", "es"]},
        "Parrainage vers l'emploi dans la restauration.",
        "expired",
    ),
    (
        ACCUEIL,
        S,
        "sponsorship",
        "normal",
        2,
        1,
        "family",
        {"languages": ["fr", "uk"]},
        "Parrainage citoyen sur la durée pour une famille qui s'installe.",
        "open",
    ),
    (
        ACCUEIL,
        S,
        "activities",
        "normal",
        0,
        3,
        "",
        {},
        "Sorties sportives ou culturelles le week-end pour des adolescents.",
        "draft",
    ),
    (
        COUNTER,
        D,
        "clothing-adult",
        "high",
        1,
        0,
        "",
        {"quantity": 1, "sizes": "L"},
        "Rencontré à l'accueil de la mairie : manteau chaud.",
        "open",
    ),
    (
        COUNTER,
        H,
        None,
        "critical",
        1,
        0,
        "woman_alone",
        {"housing_types": ["emergency"]},
        "Orientée par l'accueil de la mairie, une nuit en urgence.",
        "open",
    ),
]

PATHS = {
    "draft": [],
    "open": ["open"],
    "partly_matched": ["open", "partly_matched"],
    "matched": ["open", "matched"],
    "fulfilled": ["open", "matched", "fulfilled"],
    "closed": ["open", "closed"],
    "cancelled": ["cancelled"],
    "expired": ["open", "expired"],
}


def load_demo(*, sectors: list[Sector], users: dict[str, User], stdout: Any) -> None:
    organisations = {o.name: o for o in Organisation.objects.filter(name__in=[ACCUEIL, RESEAU])}
    authors = {ACCUEIL: users["asso-admin@example.org"], RESEAU: users["asso-membre@example.org"]}
    staff = users["agent@example.org"]
    categories = {c.code: c for c in Category.objects.all()}
    today = timezone.localdate()
    created = 0
    for number, row in enumerate(NEEDS, start=1):
        org_name, kind, code, urgency, adults, children, household, extra, note, state = row
        reference = f"DEMO-{number:02d}"
        organisation = organisations.get(org_name) if org_name else None
        if Need.objects.filter(internal_reference=reference).exists():
            continue
        if org_name and organisation is None:
            continue
        by = authors[org_name] if org_name else staff
        need = services.need_create(
            by=by,
            kind=kind,
            organisation=organisation,
            origin=Need.Origin.ASSOCIATION if organisation else Need.Origin.COUNTER,
            sectors=[sectors[number % len(sectors)], sectors[(number + 3) % len(sectors)]],
            category=categories.get(code) if code else None,
            urgency=urgency,
            adults=adults,
            children=children,
            household_type=household,
            note=note,
            internal_reference=reference,
            wanted_from=today + timedelta(days={"critical": 0, "high": 3}.get(urgency, 10)),
            wanted_until=today + timedelta(days=60) if kind == H else None,
            **extra,
        )
        for step in PATHS[state]:
            if step == "open":
                services.need_publish(need=need, by=by)
            elif step in ("partly_matched", "matched"):
                services.need_record_matching(need=need, to=step, by=staff)
            elif step == "fulfilled":
                services.need_mark_fulfilled(need=need, by=by)
            elif step == "closed":
                services.need_close(need=need, by=by)
            elif step == "cancelled":
                services.need_cancel(need=need, by=by)
            elif step == "expired":
                services.need_expire(need=need)
        created += 1
    stdout.write(f"  needs: {created} demo needs created ({len(NEEDS)} in the demo set)")
