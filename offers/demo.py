"""The demo city's offers: Strasbourg's mix (half goods, a quarter housing, mostly rooms in
a shared home, a quarter skills), some waiting for review. Called by ``seed_demo``."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from core.models import Category, Sector
from offers.models import HostCharter, HousingCheck, Offer, OfferTransition

NEIGHBOURS = 14
HOUSING = [
    # title, type, beds, household types, languages
    ("Chambre calme chez un couple de retraités", "room", 1, ["single_adult", "woman_alone"],
     ["fr", "en"]),
    ("Grande chambre avec salle d'eau", "room", 2, ["couple", "single_adult"], ["fr", "es"]),
    ("Chambre d'étudiant libre jusqu'en juin", "room", 1, ["single_adult"], ["fr", "en"]),
    ("Chambre pour une femme seule, quartier calme", "room", 1, ["woman_alone"], ["fr", "ar"]),
    ("Chambre au rez-de-chaussée, accès sans marche", "room", 1, ["single_adult", "couple"],
     ["fr"]),
    ("Deux chambres dans une maison familiale", "room", 4, ["family"], ["fr", "uk", "ru"]),
    ("Chambre dans une colocation solidaire", "room", 1, ["single_adult"], ["fr", "en", "fa"]),
    ("Chambre avec bureau, idéal pour étudiant", "room", 1, ["single_adult", "woman_alone"],
     ["fr", "pt"]),
    ("Chambre d'amis disponible", "room", 2, ["couple", "family"], ["fr", "tr"]),
    ("Appartement T2 vacant entre deux locations", "dwelling", 3, ["family", "couple"],
     ["fr"]),
    ("Studio meublé prêté pour six mois", "dwelling", 2, ["couple", "single_adult"],
     ["fr", "en"]),
    ("Canapé-lit pour quelques nuits", "emergency", 1, ["single_adult", "woman_alone"],
     ["fr", "ar"]),
    ("Chambre d'urgence ce week-end", "emergency", 2, ["family", "couple", "woman_alone"],
     ["fr", "uk"]),
]  # fmt: skip
DONATIONS = [
    # title, category code, quantity, sizes
    ("Manteaux d'hiver homme", "clothing-adult", 4, "M, L"),
    ("Vêtements de fille 4 à 6 ans", "clothing-child", 12, "4 ans, 6 ans"),
    ("Chaussures de sport", "shoes", 3, "38, 42, 44"),
    ("Couettes et oreillers", "bedding", 6, ""),
    ("Draps deux personnes", "bedding", 8, ""),
    ("Lit d'enfant avec matelas", "furniture", 1, ""),
    ("Table et quatre chaises", "furniture", 1, ""),
    ("Vaisselle complète", "household", 1, ""),
    ("Bouilloire et micro-ondes", "household", 2, ""),
    ("Kits d'hygiène", "hygiene", 20, ""),
    ("Poussette et porte-bébé", "baby", 2, ""),
    ("Cartables et trousses", "school", 5, ""),
    ("Conserves et pâtes", "food", 30, ""),
    ("Vélo adulte révisé", "bike", 1, ""),
    ("Vélo enfant 20 pouces", "bike", 1, ""),
    ("Pulls et écharpes", "clothing-adult", 10, "S, M"),
    ("Serviettes de bain", "bedding", 10, ""),
    ("Casseroles et poêles", "household", 4, ""),
    ("Lait infantile et couches", "baby", 15, ""),
    ("Fournitures de rentrée", "school", 8, ""),
    ("Chaussures d'enfant", "shoes", 6, "28, 30, 32"),
    ("Manteaux d'enfant", "clothing-child", 5, "8 ans, 10 ans"),
    ("Armoire démontable", "furniture", 1, ""),
    ("Téléphone portable reconditionné", "donation-other", 2, ""),
    ("Ordinateur portable", "donation-other", 1, ""),
    ("Couvertures polaires", "bedding", 15, ""),
]
SKILLS = [
    # title, category code, languages, language pairs
    ("Interprète arabe-français, le soir", "interpreting", ["ar", "fr"], "arabe ↔ français"),
    ("Traduction ukrainien et russe", "interpreting", ["uk", "ru", "fr"],
     "ukrainien ↔ français, russe ↔ français"),
    ("Cours de français débutants", "french-lessons", ["fr", "en"], ""),
    ("Conversation en français autour d'un café", "french-lessons", ["fr"], ""),
    ("Aide aux démarches administratives", "legal-admin", ["fr", "es"], ""),
    ("Soutien scolaire en maths (collège)", "school-support", ["fr", "en"], ""),
    ("Accompagnement à des rendez-vous médicaux", "health", ["fr", "pt"], ""),
    ("Transport en voiture le week-end", "transport", ["fr"], ""),
    ("Aide pour le téléphone et l'ordinateur", "digital", ["fr", "en"], ""),
    ("Relecture de CV et préparation d'entretiens", "job-mentoring", ["fr", "en"], ""),
    ("Parrainage d'une famille sur un an", "sponsorship", ["fr"], ""),
    ("Sorties sportives et randonnées", "activities", ["fr", "en"], ""),
    ("Cours de français pour enfants", "french-lessons", ["fr", "ar"], ""),
]  # fmt: skip
# One in five offers waits for review; a few are paused, one was not accepted.
STATUS_CYCLE = ["published", "published", "pending", "published", "published"]


# The demo city's host charter: an example a city rewrites with its associations.
DEMO_CHARTER = {
    "fr": (
        "En proposant un logement par Entraide, je m'engage à :\n\n"
        "1. accueillir la ou les personnes sans rien leur demander en échange d'autre que la "
        "participation éventuelle annoncée dans mon offre ;\n"
        "2. ne jamais demander leur situation administrative, leur nationalité ni leurs papiers ;\n"
        "3. respecter leur vie privée, leur liberté de culte et d'opinion, et la confidentialité "
        "de ce qu'elles me confient ;\n"
        "4. garantir un logement décent, chauffé, avec un accès à l'eau et aux sanitaires ;\n"
        "5. prévenir l'association et l'équipe de la ville dès qu'une difficulté apparaît, et "
        "au moins une semaine avant la fin de l'accueil ;\n"
        "6. accepter l'appel et la visite de l'équipe de la ville avant la publication de mon "
        "offre, et les nouvelles qu'elle prendra pendant l'accueil.\n\n"
        "Un mineur n'est jamais accueilli qu'avec une association habilitée."
    ),
    "en": (
        "By offering housing through Entraide, I commit to:\n\n"
        "1. welcome the person or people without asking anything in return except the "
        "contribution stated in my offer, if any;\n"
        "2. never ask about their immigration status, nationality or papers;\n"
        "3. respect their privacy, their freedom of belief and opinion, and the confidentiality "
        "of what they tell me;\n"
        "4. provide decent housing, heated, with water and sanitation;\n"
        "5. tell the association and the city team as soon as a difficulty arises, and at least "
        "a week before the stay ends;\n"
        "6. accept the city team's call and visit before my offer is published, and their "
        "follow-up during the stay.\n\n"
        "A minor is only ever hosted through an accredited association."
    ),
}


def load_demo(*, sectors: list[Sector], users: dict[str, User], stdout: Any) -> None:
    if not HostCharter.objects.exists():
        HostCharter.objects.create(
            version=1, texts=DEMO_CHARTER, published_by=users["coordination@example.org"]
        )
    if Offer.objects.filter(owner__email__endswith="@example.org").exists():
        return  # loaded already
    rng = random.Random(2022)  # noqa: S311 (repeatable demo data)
    owners = [users["habitant@example.org"], *_neighbours()]
    staff = users["agent@example.org"]
    categories = {category.code: category for category in Category.objects.all()}
    today = timezone.localdate()
    made: list[Offer] = []
    for index, (title, housing_type, beds, household, languages) in enumerate(HOUSING):
        made.append(
            Offer(
                kind="housing",
                title=title,
                housing_type=housing_type,
                capacity=beds,
                household_types=household,
                languages=languages,
                available_from=today + timedelta(days=rng.randint(0, 20)),
                available_until=None
                if housing_type == "room" and index % 3
                else (today + timedelta(days=rng.randint(30, 200))),
                min_stay_nights=None if housing_type != "emergency" else 1,
                max_stay_nights=7 if housing_type == "emergency" else None,
                step_free_access="sans marche" in title,
                pets_at_home=index % 4 == 0,
                street_address=f"{rng.randint(1, 90)} rue de la Démo",
                postcode="38000",
                description="Logement proche du tram, commerces à pied.",
            )
        )
    for title, code, quantity, sizes in DONATIONS:
        category = categories[code]
        made.append(
            Offer(
                kind="donation",
                title=title,
                category=category,
                quantity=quantity,
                sizes=sizes,
                condition=rng.choice(["new", "good", "used"]),
                best_before=today + timedelta(days=90) if category.asks_best_before else None,
                available_from=today,
                available_until=today + timedelta(days=rng.randint(20, 90)),
                pickup_hours="En semaine après 18 h, le samedi matin",
            )
        )
    for title, code, languages, pairs in SKILLS:
        made.append(
            Offer(
                kind="skill",
                title=title,
                category=categories[code],
                languages=languages,
                language_pairs=pairs,
                capacity=rng.randint(1, 3),
                hours_per_month=rng.choice([4, 6, 8, 12]),
                weekly_slots=rng.sample(
                    ["mon-evening", "wed-afternoon", "sat-morning", "thu-evening", "sun-afternoon"],
                    2,
                ),
                remote_possible=code in ("interpreting", "digital", "school-support"),
                available_from=today,
            )
        )
    now = timezone.now()
    rng.shuffle(made)
    for index, offer in enumerate(made):
        offer.owner = owners[index % len(owners)]
        offer.sector = sectors[index % len(sectors)]
        offer.status = STATUS_CYCLE[index % len(STATUS_CYCLE)]
        offer.submitted_at = now - timedelta(hours=6 * index + 1)
        if offer.status == "published":
            offer.published_at = offer.last_confirmed_at = offer.submitted_at + timedelta(hours=4)
    made[-1].status, made[-2].status = "paused", "rejected"
    paused, rejected = made[-1], made[-2]
    paused.published_at = paused.last_confirmed_at = now - timedelta(days=3)
    rejected.published_at = rejected.last_confirmed_at = None
    made[-2].moderation_message = "Merci de préciser les dates de disponibilité."
    Offer.objects.bulk_create(made)
    _history(made, staff, now)
    _phone_offer_to_call_back(sectors[0], staff, now)
    stdout.write(f"  offers: {len(made)} (about one in five waiting for review)")


def _phone_offer_to_call_back(sector: Sector, staff: User, now: Any) -> None:
    """A room given on the phone line a month and a half ago, whose caller has no account:
    its confirmation is due, so it is on the staff's "call back to confirm" list."""
    offer = Offer.objects.create(
        kind="housing", title="Chambre chez une retraitée (par téléphone)", housing_type="room",
        capacity=1, household_types=["single_adult", "woman_alone"], sector=sector,
        street_address="5 rue du Téléphone", postcode="38000", origin=Offer.Origin.PHONE,
        entered_by=staff, caller_name="Mme Démo", caller_phone="0600000000",
        consent_recorded_at=now - timedelta(days=45), status=Offer.Status.PUBLISHED,
        submitted_at=now - timedelta(days=45), published_at=now - timedelta(days=44),
        last_confirmed_at=now - timedelta(days=44), reminder_sent_at=now - timedelta(days=3),
    )  # fmt: skip
    OfferTransition.objects.bulk_create(
        [
            OfferTransition(
                subject=offer,
                from_status="",
                to_status="pending",
                by=staff,
                at=now - timedelta(days=45),
                note="phone",
            ),
            OfferTransition(
                subject=offer,
                from_status="pending",
                to_status="published",
                by=staff,
                at=now - timedelta(days=44),
            ),
        ]
    )
    HousingCheck.objects.bulk_create(
        HousingCheck(
            offer=offer, step=step, done_by=staff, done_on=(now - timedelta(days=44)).date()
        )
        for step in HousingCheck.Step.values
    )


def _neighbours() -> list[User]:
    neighbours = []
    for number in range(1, NEIGHBOURS + 1):
        user, created = User.objects.get_or_create(
            email=f"voisin-{number:02d}@example.org",
            defaults={"display_name": f"Voisin {number}"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        neighbours.append(user)
    return neighbours


def _history(offers: list[Offer], staff: User, now: Any) -> None:
    transitions, checks = [], []
    for offer in offers:
        sent = offer.submitted_at or now
        steps = [("", "draft", offer.owner, sent), ("draft", "pending", offer.owner, sent)]
        if offer.status != "pending":
            decided = offer.published_at or now
            if offer.status == "paused":
                steps += [("pending", "published", staff, decided),
                          ("published", "paused", offer.owner, decided)]  # fmt: skip
            else:
                steps.append(("pending", offer.status, staff, decided))
            if offer.kind == "housing" and offer.status != "rejected":
                checks += [
                    HousingCheck(offer=offer, step=step, done_by=staff, done_on=decided.date())
                    for step in HousingCheck.Step.values
                ]
        transitions += [
            OfferTransition(subject=offer, from_status=old, to_status=new, by=by, at=at)
            for old, new, by, at in steps
        ]
    OfferTransition.objects.bulk_create(transitions)
    HousingCheck.objects.bulk_create(checks)
