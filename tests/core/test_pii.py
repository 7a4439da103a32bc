"""The personal-data detector: what fiches 2 and 5 say must never be written is flagged,
in French, English, Arabic and Ukrainian, and ordinary notes are not.

``docs/privacy.md`` quotes the figures these lists give (recall and false positives).
"""

from __future__ import annotations

import pytest

from core.pii import PersonalDataKind as K
from core.pii import find_personal_data, first_names, personal_data_kinds

# (text, a kind it must be flagged for)
MUST_FLAG = [
    ("Famille afghane", K.ORIGIN),
    ("sans papiers, déboutés du droit d'asile, sous OQTF", K.IMMIGRATION),
    ("musulmans pratiquants", K.RELIGION),
    ("enfant séropositif", K.HEALTH),
    ("Mohamed BEN ALI 1990", K.FULL_NAME),
    ("Mohamed BEN ALI 1990", K.BIRTH_DATE),
    ("Famille Diallo, arrivée hier", K.FULL_NAME),
    ("Logés chez un ami au 12 rue des Lilas", K.ADDRESS),
    ("habitent rue Victor Hugo", K.ADDRESS),
    ("38000 Grenoble", K.ADDRESS),
    ("3 bis avenue Jean Jaurès", K.ADDRESS),
    ("Mme Traoré et ses deux enfants", K.FULL_NAME),
    ("Jean Dupont accompagne la famille", K.FULL_NAME),
    ("Oleksandr Kovalenko, 2 enfants", K.FULL_NAME),
    ("Fatima Zahra, mère seule", K.FULL_NAME),
    ("procédure Dublin en cours", K.IMMIGRATION),
    ("récépissé valable jusqu'en mars", K.IMMIGRATION),
    ("demandeurs d'asile", K.IMMIGRATION),
    ("en situation irrégulière", K.IMMIGRATION),
    ("RDV à la préfecture lundi", K.IMMIGRATION),
    ("ont l'AME", K.IMMIGRATION),
    ("protection temporaire", K.IMMIGRATION),
    ("d'origine guinéenne", K.ORIGIN),
    ("venant d'Érythrée", K.ORIGIN),
    ("famille ukrainienne", K.ORIGIN),
    ("deux jeunes soudanais", K.ORIGIN),
    ("chrétiens d'Irak", K.RELIGION),
    ("repas halal", K.RELIGION),
    ("femme enceinte de 6 mois", K.HEALTH),
    ("le père est sous dialyse", K.HEALTH),
    ("sortie d'hôpital psychiatrique", K.HEALTH),
    ("diabétique", K.HEALTH),
    # English
    ("Syrian family of five", K.ORIGIN),
    ("undocumented, refused asylum", K.IMMIGRATION),
    ("asylum seekers", K.IMMIGRATION),
    ("practising Christians", K.RELIGION),
    ("HIV positive child", K.HEALTH),
    ("pregnant woman", K.HEALTH),
    ("Mr Smith will call", K.FULL_NAME),
    ("14 Station Road", K.ADDRESS),
    # Ukrainian
    ("родина з Сирії", K.ORIGIN),
    ("біженці без документів", K.IMMIGRATION),
    ("мусульмани", K.RELIGION),
    ("дитина з ВІЛ", K.HEALTH),
    ("Олена Шевченко", K.FULL_NAME),
    ("вул. Шевченка 5", K.ADDRESS),
    # Arabic
    ("عائلة سورية", K.ORIGIN),
    ("لاجئين بدون أوراق", K.IMMIGRATION),
    ("مسلمون", K.RELIGION),
    ("طفل مريض بالسرطان", K.HEALTH),
    ("محمد أحمد", K.FULL_NAME),
    ("شارع الحرية", K.ADDRESS),
    # As before
    ("appeler le 06 12 34 56 78", K.PHONE),
    ("écrire à famille@example.org", K.EMAIL),
    ("né le 12/03/1990", K.BIRTH_DATE),
    ("passeport 12AB34567", K.DOCUMENT),
]

ORDINARY = [
    "famille de 4, deux enfants scolarisés, parle dari",
    "Deux adultes, un enfant de 3 ans.",
    "Cherche une chambre pour un mois.",
    "Besoin urgent avant la fin de la semaine.",
    "Parle arabe et un peu de français.",
    "Parlent ukrainien et russe.",
    "Mère seule avec un bébé, besoin d'une poussette.",
    "Le couple cherche un logement calme près du tram.",
    "Rez-de-chaussée si possible, la grand-mère marche avec une canne.",
    "Fauteuil roulant : pas d'escalier.",
    "Allergie aux chats.",
    "Besoin de vêtements chauds taille M et L.",
    "Chaussures pointure 38 et 42.",
    "Trois enfants scolarisés à l'école du quartier.",
    "Disponible le soir après 18 h.",
    "Cours de français débutant, deux fois par semaine.",
    "Interprète dari-français pour un rendez-vous à la CAF.",
    "Accompagnement pour ouvrir un compte en banque.",
    "Lit bébé et matelas.",
    "Vélo pour aller au travail.",
    "Famille nombreuse : cinq personnes, dont un adolescent.",
    "Besoin d'un ordinateur pour l'école.",
    "Le jeune homme cherche un stage en cuisine.",
    "Colis alimentaire pour une semaine.",
    "Couvertures et draps pour deux lits.",
    "Aide aux devoirs le mercredi après-midi.",
    "Hébergement d'urgence pour trois nuits.",
    "Suivi par notre équipe depuis janvier.",
    "Ils ont déjà un travail à temps partiel.",
    "Préfère un logement proche de la gare.",
    "Accueil possible à partir du 1er mars.",
    "Besoin d'une table et de quatre chaises.",
    "Pas d'animaux, l'enfant est allergique.",
    "Parle anglais couramment.",
    "La famille a un rendez-vous à la mairie.",
    "Two adults and a baby, speak Pashto.",
    "Looking for a room near the centre for two months.",
    "Needs a winter coat, size 10 years.",
    "French lessons for beginners on Saturday.",
    "Family of three, the child goes to school nearby.",
    "Дві дорослі особи та дитина, говорять українською.",
    "Потрібна кімната на місяць.",
    "Потрібен дитячий візок.",
    "عائلة من أربعة أشخاص، طفلان في المدرسة",
    "نحتاج إلى غرفة لمدة شهر",
    "يتحدثون العربية والفرنسية",
    "Mercredi et samedi matin de préférence.",
    "Le quartier Berriat conviendrait bien.",
    "Trajet en voiture vers un rendez-vous à l'hôpital Nord.",
    "Jouets et livres pour enfants de 5 et 8 ans.",
]
# Places named after people are not people: checked apart, not counted in the 50.
PLACES = [
    "We need 20 blankets tonight at the Jean Jaurès gym.",
    "Distribution au gymnase Jean Jaurès.",
    "Près du lycée Victor Hugo.",
]
# Kept out of the lists above, and why: a trip to a hospital appointment is an ordinary
# need (the word alone is not flagged; "hospitalisé", a diagnosis or a treatment are).


@pytest.mark.parametrize(("text", "kind"), MUST_FLAG)
def test_what_must_never_be_written_is_flagged(text: str, kind: K) -> None:
    assert kind in personal_data_kinds(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_an_ordinary_note_is_not_flagged(text: str) -> None:
    assert find_personal_data(text) == []


@pytest.mark.parametrize("text", PLACES)
def test_a_place_named_after_a_person_is_not_a_name(text: str) -> None:
    assert K.FULL_NAME not in personal_data_kinds(text)


def test_the_lists_are_as_long_as_the_documentation_says() -> None:
    assert len(ORDINARY) == 50
    assert len(MUST_FLAG) >= 50


def test_findings_give_positions_and_kinds_never_the_text() -> None:
    [finding] = find_personal_data("Famille afghane")
    assert (finding.kind, finding.start, finding.end) == (K.ORIGIN, 8, 15)
    assert not hasattr(finding, "text")


def test_the_first_names_list_ships_with_the_project() -> None:
    names = first_names()
    assert len(names) > 5000
    assert {"mohamed", "fatima", "oleksandr", "olena", "jean", "aïcha", "олена"} <= names
