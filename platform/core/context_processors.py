import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts import roles


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    phone_line = settings.ENTRAIDE_PHONE_LINE
    return {
        "city_name": settings.ENTRAIDE_CITY_NAME,
        "phone_line": phone_line,
        "phone_line_uri": re.sub(r"[^0-9+]", "", phone_line),
        "contact_email": settings.ENTRAIDE_CONTACT_EMAIL,
        "dpo_email": settings.ENTRAIDE_DPO_EMAIL,
        "is_staff_member": roles.is_staff_member(user),
    }
