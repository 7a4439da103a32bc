import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts import roles
from core import i18n


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    phone_line = settings.ENTRAIDE_PHONE_LINE
    return {
        "city_name": settings.ENTRAIDE_CITY_NAME,
        "phone_line": phone_line,
        "phone_line_uri": re.sub(r"[^0-9+]", "", phone_line),
        "phone_hours": settings.ENTRAIDE_PHONE_HOURS,
        "counter_address": settings.ENTRAIDE_COUNTER_ADDRESS,
        "counter_hours": settings.ENTRAIDE_COUNTER_HOURS,
        "counter_access": settings.ENTRAIDE_COUNTER_ACCESS,
        "city_language": settings.LANGUAGE_CODE,
        "contact_email": settings.ENTRAIDE_CONTACT_EMAIL,
        "dpo_email": settings.ENTRAIDE_DPO_EMAIL,
        "is_staff_member": roles.is_staff_member(user),
        # The language switcher offers the languages this page is translated into; a
        # page shown in French instead of the language asked for says so in that one.
        "switcher_languages": i18n.languages_for(getattr(request, "resolver_match", None)),
        "requested_language": getattr(request, "requested_language", None),
    }
