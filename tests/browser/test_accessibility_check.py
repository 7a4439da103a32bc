"""The accessibility check itself: it finds a violation, also on a page changed in place
after a first check (axe-core is put into a document once)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.fixtures import assert_accessible

pytestmark = [pytest.mark.browser]

CLEAN = """<!doctype html><html lang="en"><head><title>Check</title></head>
<body><main><h1>Check</h1><p>Nothing wrong here.</p></main></body></html>"""


def test_a_violation_fails_the_test_even_after_a_first_clean_check(page: Page) -> None:
    page.set_content(CLEAN)
    assert_accessible(page)
    # What an htmx swap could bring: an image without a text alternative.
    page.evaluate(
        """() => {
            const img = document.createElement('img');
            img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
            document.querySelector('main').append(img);
        }"""
    )
    with pytest.raises(pytest.fail.Exception, match="image-alt"):
        assert_accessible(page)
