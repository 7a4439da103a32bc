from typing import Any

from django.http import HttpRequest

from associations.selectors import acting_organisation


def acting(request: HttpRequest) -> dict[str, Any]:
    """The organisation a member acts for, for the menu ("Our needs")."""
    if not getattr(getattr(request, "user", None), "is_authenticated", False):
        return {"acting_organisation": None}
    return {"acting_organisation": acting_organisation(request)}
