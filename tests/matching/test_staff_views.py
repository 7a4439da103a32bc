"""The matching workbench's own pages, against odd input."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "form",
    [
        {"need": "abc", "offer": "1"},
        {"need": "1", "offer": ""},
        {"need": "99999999999999999999999", "offer": "1"},
        {},
    ],
)
def test_proposing_ids_that_are_not_ids_is_a_404(staff: User, form: dict[str, str]) -> None:
    response = client_for(staff).post("/equipe/mises-en-relation/proposer/", form)
    assert response.status_code == 404


def test_proposing_a_selection_ignores_what_is_not_an_id(staff: User) -> None:
    response = client_for(staff).post(
        "/equipe/mises-en-relation/proposer-selection/", {"match": ["abc", "²", "-1"]}
    )
    assert response.status_code == 302
