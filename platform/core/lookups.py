"""Lookups the ORM lacks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models.lookups import In


class AnyOf(In):
    """``column IN (…)`` for a list of ids, written ``column = ANY(%s)`` on PostgreSQL:
    one array parameter whatever the length of the list. PostgreSQL plans a join with a
    long ``IN`` list of constants far more slowly (9 ms against 0.7 ms for 150 ids,
    measured on offers and their matches); elsewhere it is the plain ``IN``.

    Used as an expression: ``Match.objects.filter(AnyOf(F("offer_id"), ids))``.
    """

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, values)
