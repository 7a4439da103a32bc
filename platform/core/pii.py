"""Spotting personal details in free text, so that staff can clean it (docs/design.md §3, §5).

The platform never asks for a person's identity, but people type anything in a note or a
message. ``find_personal_data`` says which kinds of detail a text seems to contain and
where; callers flag or refuse the text. It returns positions and kinds only: it never
copies the matched text anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonalDataKind(models.TextChoices):
    EMAIL = "email", _("an e-mail address")
    PHONE = "phone", _("a phone number")
    DOCUMENT = "document", _("an identity or residence document number")
    BIRTH_DATE = "birth_date", _("a date of birth")


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
    r"\b(?:passeport|passport|titre de s[ée]jour|residence permit|r[ée]c[ée]piss[ée]|"
    r"num[ée]ro (?:d['’])?[ée]tranger|carte d['’]identit[ée]|identity card|visa n)",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?!\d)|(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"
)
_BIRTH_WORDS = re.compile(
    r"\b(?:n[ée]e? le|date de naissance|born on|date of birth|d\.?o\.?b\.?)\b", re.IGNORECASE
)


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


def find_personal_data(text: str) -> list[Finding]:
    """Every place in ``text`` that looks like a personal detail, in reading order."""
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
    findings += [
        Finding(PersonalDataKind.DOCUMENT, m.start(), m.end())
        for m in _DOCUMENT_WORDS.finditer(text)
    ]
    findings += _birth_dates(text)
    return sorted(findings, key=lambda f: (f.start, f.end))


def personal_data_kinds(text: str) -> set[PersonalDataKind]:
    return {finding.kind for finding in find_personal_data(text)}
