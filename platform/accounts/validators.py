"""Formats we accept for contact data and registration numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 .()\-]+$")


def validate_phone(value: str) -> None:
    digits = re.sub(r"\D", "", value)
    if not _PHONE_CHARACTERS.match(value) or not 6 <= len(digits) <= 15:
        raise ValidationError(
            _("Enter a phone number with 6 to 15 digits, for example 06 12 34 56 78."),
            code="invalid_phone",
        )


def normalise_registration_number(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value).upper()


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, character in enumerate(reversed(digits)):
        number = int(character)
        if index % 2 == 1:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return total % 10 == 0


def validate_registration_number(value: str) -> None:
    """An RNA number (W followed by 9 digits) or a SIREN (9 digits passing the Luhn check)."""
    number = normalise_registration_number(value)
    if re.fullmatch(r"W\d{9}", number):
        return
    if re.fullmatch(r"\d{9}", number) and _luhn_valid(number):
        return
    raise ValidationError(
        _(
            "Enter an RNA number (W followed by 9 digits, for example W381234567) "
            "or a SIREN number (9 digits)."
        ),
        code="invalid_registration_number",
    )
