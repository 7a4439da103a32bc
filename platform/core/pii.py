"""Spotting personal details in free text, so that staff can clean it (docs/design.md §3, §5).

The platform never asks for a person's identity, but people type anything in a note or a
message. ``find_personal_data`` says which kinds of detail a text seems to contain and
where; callers flag or refuse the text. It returns positions and kinds only: it never
copies the matched text anywhere.

Besides contact details and document numbers, it knows what fiches 2 and 5 say must never
be written about the people helped, in French, English, Arabic and Ukrainian: nationality
and origin, immigration status and procedures, religion, health, full names (a first name
from ``core/data/first_names.txt`` followed by a capitalised surname, a civility or
"famille" followed by one) and street addresses. ``docs/privacy.md`` gives its recall and
false positives on the examples of the tests.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonalDataKind(models.TextChoices):
    EMAIL = "email", _("an e-mail address")
    PHONE = "phone", _("a phone number")
    DOCUMENT = "document", _("an identity or residence document number")
    BIRTH_DATE = "birth_date", _("a date of birth")
    ADDRESS = "address", _("a street address")
    FULL_NAME = "full_name", _("a person's name")
    ORIGIN = "origin", _("a nationality or an origin")
    IMMIGRATION = "immigration", _("an immigration status or procedure")
    RELIGION = "religion", _("a religion")
    HEALTH = "health", _("a health condition")


# What contacts or identifies someone directly: refused outright in offers' texts (the
# city team has the contact already); the other kinds are flagged for staff.
CONTACT_KINDS = frozenset(
    {
        PersonalDataKind.EMAIL,
        PersonalDataKind.PHONE,
        PersonalDataKind.DOCUMENT,
        PersonalDataKind.BIRTH_DATE,
        PersonalDataKind.ADDRESS,
    }
)


@dataclass(frozen=True)
class Finding:
    kind: PersonalDataKind
    start: int
    end: int


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Nine digits or more, possibly grouped by spaces, dots or dashes, possibly international.
_PHONE = re.compile(r"(?<![\w])(?:\+|00)?\d(?:[ .\-]?\d){8,14}(?![\w])")
# French passport (2 digits, 2 letters, 5 digits), residence permits and foreigner numbers
# (AGDREF: 10 digits, caught as a phone-like number too), and long letter-digit codes.
_DOCUMENT = re.compile(
    r"(?<![\w])(?:\d{2}[A-Z]{2}\d{5}|[A-Z]{1,2}\d{7,9}|[A-Z0-9]*\d[A-Z0-9]*[A-Z][A-Z0-9]{6,})(?![\w])"
)
_DOCUMENT_WORDS = re.compile(
    r"\b(?:passeport|passport|carte d['’]identit[ée]|identity card|visa n|"
    r"num[ée]ro (?:d['’])?[ée]tranger|паспорт|جواز سفر)",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?!\d)|(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"
)
_BIRTH_WORDS = re.compile(
    r"\b(?:n[ée]e? le|n[ée]e? en \d{4}|date de naissance|born on|born in \d{4}|date of birth|"
    r"d\.?o\.?b\.?|народжен\w*|تاريخ الميلاد)(?!\w)",
    re.IGNORECASE,
)
# A bare year of birth next to a name ("Mohamed BEN ALI 1990") is caught with the name.
_YEAR = re.compile(r"(?<!\d)(?:19[2-9]\d|20[0-2]\d)(?!\d)")


def _words(*alternatives: str) -> re.Pattern[str]:
    """Whole words (letters of any script around them), case-insensitive."""
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


# Arabic words take prefixes (و, ب, ل, ف, ال) and suffixes (ة, ون, ين, ي): allowed around.
def _arabic(*stems: str) -> re.Pattern[str]:
    return re.compile(
        r"(?<![\u0600-\u06ff])(?:[وبلف]?(?:ال)?)(?:" + "|".join(stems) + r")"
        r"(?:ة|ون|ين|يين|يات|ي)?(?![\u0600-\u06ff])"
    )


_FR_PEOPLE = (
    r"afghan|syrien|soudanais|[ée]rythr[ée]en|guin[ée]en|ivoirien|congolais|malien|"
    r"s[ée]n[ée]galais|nig[ée]rian|camerounais|somalien|[ée]thiopien|tchadien|libyen|"
    r"tunisien|alg[ée]rien|marocain|[ée]gyptien|irakien|iranien|pakistanais|bangladais|"
    r"tch[ée]tch[èe]ne|kosovar|yéménite|y[ée]m[ée]nite|palestinien|soudanais|sahraoui|"
    r"gambien|burkinab[èe]|nig[ée]rien|mauritanien|ha[ïi]tien|v[ée]n[ée]zu[ée]lien|"
    r"colombien|b[ée]ninois|togolais|angolais|rwandais|burundais|ougandais|kenyan|"
    r"sri[- ]lankais|moldave|roumain|bulgare|serbe|bosnien|macédonien"
)
# Masculine-singular forms that also name a language ("parle ukrainien"): flagged in
# their other forms, or next to a word for people.
_FR_LANGUAGE_PEOPLE = (
    r"ukrainien|russe|arabe|turc|albanais|g[ée]orgien|kurde|tamoul|peul|pachtoune?|"
    r"arm[ée]nien|azerbaïdjanais|persan|somali|tigr[ée]en|amharique|bengali|ourdou|wolof"
)
_ORIGIN = [
    re.compile(
        r"(?<!\w)(?:"
        + _FR_PEOPLE
        + r")(?:ne|nne|e)?s?(?!\w)|(?<!\w)(?:"
        + _FR_LANGUAGE_PEOPLE
        + r")(?:ne|nne|e|es|nes|nnes)(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?<!\w)(?:famille|personne|homme|femme|enfants?|m[èe]re|p[èe]re|couple|jeunes?|"
        r"ressortissante?s?|communaut[ée]|famil(?:y|ies)|man|woman|women|men|child(?:ren)?|"
        r"mother|father|nationals?)\s+(?:" + _FR_LANGUAGE_PEOPLE + r"|ukrainian|russian|arab|"
        r"turkish|albanian|georgian|kurdish|tamil|armenian|somali|bengali|pashtun)s?(?!\w)",
        re.IGNORECASE,
    ),
    _words(
        r"d['’]origine|originaires? d[eu']|de nationalit[ée]|nationalit[ée]|"
        r"of \w+ origin|country of origin|nationality|citizenship|ethni\w*|"
        r"afghan|afghans|syrians?|sudanese|eritreans?|guineans?|ivorians?|congolese|"
        r"malians?|senegalese|nigerians?|cameroonians?|somalis?|somalians?|ethiopians?|"
        r"chadians?|libyans?|iraqis?|iranians?|pakistanis?|bangladeshis?|chechens?|"
        r"kosovars?|yemenis?|palestinians?|albanians|georgians|kurds|hazaras?|pashtuns?|"
        r"tamils|roma|roms|tsiganes?"
    ),
    _words(
        r"afghanistan|syrie|syria|soudan|sudan|[ée]rythr[ée]e|eritrea|guin[ée]e|guinea|"
        r"c[ôo]te d['’]ivoire|congo|rdc|drc|mali|s[ée]n[ée]gal|senegal|nig[ée]ria|cameroun|"
        r"cameroon|somalie|somalia|[ée]thiopie|ethiopia|tchad|chad|libye|libya|irak|iraq|"
        r"iran|pakistan|bangladesh|tch[ée]tch[ée]nie|chechnya|kosovo|y[ée]men|palestine|gaza|"
        r"kurdistan|sri lanka|ha[ïi]ti|haiti|albanie|albania|g[ée]orgie|georgia|"
        r"ukraine|russie|russia|turquie|turkey|maroc|morocco|alg[ée]rie|algeria|tunisie|"
        r"tunisia|[ée]gypte|egypt|myanmar|birmanie|burma"
    ),
    _words(
        r"афган\w*|сирі\w*|судан\w*|еритре\w*|ірак\w*|іран\w*|пакистан\w*|"
        r"з україни|українк[аиі]|українц\w*|українськ(?:а|ої|у) (?:родин|сім)\w*|"
        r"громадян(?:ство|ка|ин|и)\w*|національніст\w*|походжен\w*"
    ),
    _arabic(
        "أفغان",
        "افغان",
        "سوري",
        "سودان",
        "إريتري",
        "اريتري",
        "عراق",
        "يمن",
        "فلسطين",
        "ليبي",
        "صومال",
        "مغرب",
        "جزائر",
        "تونس",
        "مصر",
        "كرد",
        "أكراد",
        "إيران",
        "ايران",
        "جنسي",
        "أصل",
    ),
]
_IMMIGRATION = [
    _words(
        r"sans[- ]papiers?|pas de papiers|sans titre( de s[ée]jour)?|titre de s[ée]jour|"
        r"carte de s[ée]jour|d[ée]bout[ée]e?s?|d[ée]boutement|oqtf|irtf|itf|apr[èe]s? oqtf|"
        r"dublin[ée]?e?s?|proc[ée]dure dublin|demandeu(?:r|se)s? d['’]asile|demande d['’]asile|"
        r"droit d['’]asile|asile|r[ée]fugi[ée]e?s?|statut de r[ée]fugi[ée]|"
        r"protection subsidiaire|protection temporaire|apatride|r[ée]c[ée]piss[ée]|aps|cada|"
        r"huda|ofpra|cnda|ofii|pr[ée]fecture|r[ée]gularis\w*|situation irr[ée]guli[èe]re|"
        r"en situation irr[ée]guli[èe]re|irr[ée]guli[eè]re?s?|clandestine?s?|expulsion|"
        r"expulsables?|reconduite? à la fronti[èe]re|centre de r[ée]tention|cra|"
        r"assignation à r[ée]sidence|aide m[ée]dicale d['’][ée]tat|ame|visa|titre de voyage"
    ),
    _words(
        r"undocumented|asylum(?: seekers?)?|refused asylum|failed asylum seekers?|"
        r"refugee(?:s| status)?|deport(?:ed|ation)|removal order|illegal(?:ly)?(?: immigrants?)?|"
        r"irregular migrants?|overstay(?:ed|er)?|residence permit|stateless|"
        r"immigration (?:status|detention)|temporary protection|home office"
    ),
    _words(
        r"біжен\w*|притул\w*|без документів|нелегал\w*|депортац\w*|посвідк\w* на проживання|"
        r"тимчасов\w* захист\w*|статус біженця|віз[аиу]"
    ),
    _arabic(
        "لاجئ", "لجوء", "بدون أوراق", "غير شرعي", "غير نظامي", "ترحيل", "تصريح إقامة", "بطاقة إقامة"
    ),
]
_RELIGION = [
    _words(
        r"musulman(?:e|s|es)?|chr[ée]tien(?:ne|s|nes)?|catholiques?|orthodoxes?|"
        r"protestante?s?|[ée]vang[ée]lique|juif|juive|juifs|juives|isra[ée]lite|bouddhistes?|"
        r"hindoue?s?|sikhs?|y[ée]zidie?s?|coptes?|chiites?|sunnites?|alaouites?|ahmadis?|"
        r"pratiquante?s?|croyante?s?|religion|religieu(?:x|se)|mosqu[ée]e|[ée]glise|synagogue|"
        r"paroisse|ramadan|halal|casher|kasher|ath[ée]e?s?|voil[ée]e"
    ),
    _words(
        r"muslims?|christians?|catholics?|orthodox|protestants?|evangelicals?|jewish|jews?|"
        r"buddhists?|hindus?|yazidis?|copts?|coptic|shia|shiite|sunni|practi[cs]ing|"
        r"religious|mosque|church|synagogue|kosher"
    ),
    _words(
        r"мусульман\w*|християн\w*|православн\w*|католи\w*|іуде\w*|євре\w*|віруюч\w*|"
        r"мечет\w*|церкв\w*|релігі\w*"
    ),
    _arabic(
        "مسلم",
        "مسيحي",
        "يهود",
        "إيزيدي",
        "ايزيدي",
        "شيع",
        "سني",
        "قبطي",
        "مسجد",
        "كنيس",
        "دين",
        "حلال",
    ),
]
_HEALTH = [
    _words(
        r"s[ée]ropositi(?:f|ve|fs|ves)|vih|sida|h[ée]patite|tuberculose|cancer|diab[èe]te|"
        r"diab[ée]tique|dialyse|chimioth[ée]rapie|chimio|psychiatri\w*|d[ée]pression|"
        r"d[ée]pressi(?:f|ve)|schizophr\w*|bipolaire|stress post[- ]traumatique|ptsd|"
        r"traumatis[ée]e?s?|enceinte|grossesse|hospitalis\w*|maladie|malade|"
        r"[ée]pilep\w*|autis\w*|handicap mental|trouble psy\w*|m[ée]dicaments?"
    ),
    _words(
        r"hiv(?:[- ]positive)?|aids|hepatitis|tuberculosis|diabet(?:es|ic)|dialysis|"
        r"chemotherapy|psychiatric|depress(?:ion|ed)|schizophreni\w*|bipolar|"
        r"post[- ]traumatic|traumati[sz]ed|pregnan(?:t|cy)|hospitali[sz]ed|disease|"
        r"illness|epilep\w*|autis\w*|mental health"
    ),
    _words(
        r"віл|снід|гепатит|туберкульоз|діабет|вагітн\w*|хвор\w*|психіч\w*|"
        r"депрес\w*|онколог\w*"
    ),
    _arabic("الإيدز", "ايدز", "سرطان", "سكري", "حامل", "مرض", "مريض", "نفسي"),
]
_STREET = re.compile(
    r"(?<!\w)\d{1,4}\s*(?:bis|ter|[a-c])?,?\s+"
    r"(?:rue|avenue|av\.?|boulevard|bd|blvd|all[ée]e|impasse|place|chemin|route|quai|cours|"
    r"square|passage|r[ée]sidence|cit[ée]|street|st\.?|road|rd\.?|lane|drive|вул\.?|вулиця|"
    r"просп\.?|проспект|شارع)(?!\w)"
    r"|(?<!\w)(?:rue|avenue|boulevard|all[ée]e|impasse|chemin|quai)\s+"
    r"(?:de la |de l['’]|des |du |de |d['’])?(?-i:[A-ZÀ-Ý])[\w'’-]+"
    r"|(?<!\w)(?:вул\.?|вулиця|شارع)\s+\w+"
    r"|(?<!\w)\d{1,4}\s+(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+"
    r"(?:street|road|lane|avenue|drive|close|way)(?!\w)"
    r"|(?<!\w)\d{5}\s+(?-i:[A-ZÀ-Ý][a-zà-ÿ]+(?:[- ][A-ZÀ-Ý][a-zà-ÿ]+)*)",
    re.IGNORECASE,
)
# Words after a first name that are not surnames: what a note names with a capital.
_NOT_SURNAMES_TEXT = (
    "Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche Monday Tuesday Wednesday "
    "Thursday Friday Saturday Sunday Janvier Février Mars Avril Mai Juin Juillet "
    "Août Septembre Octobre Novembre Décembre January February March April May June "
    "July August September October November December Français French Anglais English "
    "Arabe Arabic Dari Pachto Pashto Farsi Persan Tigrinya Tigrigna Ukrainien "
    "Ukrainian Russe Russian Turc Turkish Bengali Lingala Somali Amharique Peul "
    "Wolof Espagnol Spanish CAF CCAS RSA APL ASE PMI CMU CPAM Pôle Emploi Mairie "
    "Ville City Centre Gare Station Noël Pâques Christmas Easter"
)
_NOT_SURNAMES = frozenset(word.casefold() for word in _NOT_SURNAMES_TEXT.split())
_CIVILITY = re.compile(
    r"(?<!\w)(?:M\.|Mme|Mlle|Mr\.?|Mrs\.?|Ms\.?|(?i:monsieur|madame|mademoiselle|famille|"
    r"family|пан|пані|родина))\s+([A-ZÀ-ÝА-ЯІЇЄҐ][\w'’-]+)",
)
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
# A name right after or before one of these names a place ("gymnase Jean Jaurès", "the
# Victor Hugo school"), not a person.
_PLACE_WORDS_TEXT = (
    "rue avenue boulevard place quai allée impasse chemin cours square parc stade gymnase "
    "gym école college collège lycée salle centre center maison espace médiathèque "
    "bibliothèque hôpital clinique station gare métro tram arrêt pont school hall street "
    "road park library hospital museum musée église mosquée"
)
_PLACE_WORDS = frozenset(_PLACE_WORDS_TEXT.split())


@cache
def first_names() -> frozenset[str]:
    path = Path(__file__).resolve().parent / "data" / "first_names.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line and not line.startswith("#"))


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and word.casefold() not in _NOT_SURNAMES


def _arabic_script(word: str) -> bool:
    return any("\u0600" <= char <= "\u06ff" for char in word)


def _full_names(text: str) -> list[Finding]:
    """A first name followed by a capitalised word (or, in Arabic script, another first
    name), a civility or "famille" followed by a capitalised word."""
    names = first_names()
    tokens = list(_TOKEN.finditer(text))
    found = []
    for index, (here, following) in enumerate(itertools.pairwise(tokens)):
        first, second = here.group(), following.group()
        before = tokens[index - 1].group().casefold() if index > 0 else ""
        after = tokens[index + 2].group().casefold() if index + 2 < len(tokens) else ""
        if before in _PLACE_WORDS or after in _PLACE_WORDS:
            continue
        between = text[here.end() : following.start()]
        if between.strip(" ") not in ("",) or "\n" in between:
            continue
        if first.casefold() not in names or (not first[:1].isupper() and not _arabic_script(first)):
            continue
        if _arabic_script(first):
            if second.casefold() in names:
                found.append(Finding(PersonalDataKind.FULL_NAME, here.start(), following.end()))
        elif _capitalised(second):
            found.append(Finding(PersonalDataKind.FULL_NAME, here.start(), following.end()))
    for match in _CIVILITY.finditer(text):
        if match.group(1).casefold() not in _NOT_SURNAMES:
            found.append(Finding(PersonalDataKind.FULL_NAME, match.start(), match.end()))
    return found


def _birth_dates(text: str) -> list[Finding]:
    findings = []
    this_year = timezone.now().year
    for match in _DATE.finditer(text):
        year = int(match.group(3) or match.group(4))
        # A full date in a past year reads as a date of birth; this year's dates are
        # availability dates ("from 12/03") and are left alone.
        if 1900 <= year < this_year:
            findings.append(Finding(PersonalDataKind.BIRTH_DATE, match.start(), match.end()))
    for match in _BIRTH_WORDS.finditer(text):
        findings.append(Finding(PersonalDataKind.BIRTH_DATE, match.start(), match.end()))
    return findings


def _patterns(text: str, kind: PersonalDataKind, patterns: list[re.Pattern[str]]) -> list[Finding]:
    return [Finding(kind, m.start(), m.end()) for p in patterns for m in p.finditer(text)]


def find_personal_data(text: str) -> list[Finding]:
    """Every place in ``text`` that looks like a personal detail, in reading order."""
    if not text:
        return []
    findings: list[Finding] = []
    emails = list(_EMAIL.finditer(text))
    findings += [Finding(PersonalDataKind.EMAIL, m.start(), m.end()) for m in emails]

    def inside_email(start: int) -> bool:
        return any(m.start() <= start < m.end() for m in emails)

    for match in _PHONE.finditer(text):
        if not inside_email(match.start()):
            findings.append(Finding(PersonalDataKind.PHONE, match.start(), match.end()))
    taken = {(f.start, f.end) for f in findings}
    for match in _DOCUMENT.finditer(text.upper()):
        if (match.start(), match.end()) not in taken and not inside_email(match.start()):
            findings.append(Finding(PersonalDataKind.DOCUMENT, match.start(), match.end()))
    findings += _patterns(text, PersonalDataKind.DOCUMENT, [_DOCUMENT_WORDS])
    findings += _birth_dates(text)
    findings += _patterns(text, PersonalDataKind.ADDRESS, [_STREET])
    names = _full_names(text)
    findings += names
    for name in names:  # "Mohamed BEN ALI 1990": the year next to a name is a birth year
        year = _YEAR.match(text, name.end + 1) if name.end < len(text) else None
        if year:
            findings.append(Finding(PersonalDataKind.BIRTH_DATE, year.start(), year.end()))
    findings += _patterns(text, PersonalDataKind.ORIGIN, _ORIGIN)
    findings += _patterns(text, PersonalDataKind.IMMIGRATION, _IMMIGRATION)
    findings += _patterns(text, PersonalDataKind.RELIGION, _RELIGION)
    findings += _patterns(text, PersonalDataKind.HEALTH, _HEALTH)
    return sorted(set(findings), key=lambda f: (f.start, f.end, f.kind))


def personal_data_kinds(text: str) -> set[PersonalDataKind]:
    return {finding.kind for finding in find_personal_data(text)}


def contact_kinds(text: str) -> set[PersonalDataKind]:
    """The kinds that contact or identify someone directly (refused in offers)."""
    return personal_data_kinds(text) & CONTACT_KINDS


def refuse_personal_data(text: str) -> None:
    """For short texts that have no reason to describe anyone (a reason for declining or
    cancelling a match): a ``DomainError`` naming what was spotted, never the text."""
    from core.errors import DomainError

    kinds = sorted(personal_data_kinds(text))
    if kinds:
        labels = ", ".join(str(PersonalDataKind(kind).label) for kind in kinds)
        raise DomainError(
            _("Write the reason without personal details: it seems to hold %(kinds)s.")
            % {"kinds": labels},
            code="personal_data",
        )
