"""Languages: which pages speak which language.

The interface speaks the full languages (``ENTRAIDE_FULL_LANGUAGES``) everywhere. The
languages of the people who arrive (``ENTRAIDE_PUBLIC_LANGUAGES``) are offered only on the
public pages translated into them, listed here by URL name: a page missing from a
language's set shows in French (``core.middleware.PartialTranslationMiddleware``), and the
switcher offers that language only on the pages that have it (``core.context_processors``).
To add a page to a language, translate its strings in the catalogue, then add its URL name.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import ResolverMatch

# The pages people who arrive need first: home, "find help", what associations need now.
_PUBLIC_PAGES = frozenset({"home", "find-help", "needs:public"})
TRANSLATED_PAGES: dict[str, frozenset[str]] = {
    code: _PUBLIC_PAGES for code, _name in settings.ENTRAIDE_PUBLIC_LANGUAGES
}


def is_full_language(language: str | None) -> bool:
    return language in {code for code, _name in settings.ENTRAIDE_FULL_LANGUAGES}


def page_is_translated(match: ResolverMatch | None, language: str | None) -> bool:
    """Whether the page of ``match`` (None: no page, a 404) exists in ``language``."""
    if is_full_language(language):
        return True
    return match is not None and match.view_name in TRANSLATED_PAGES.get(language or "", ())


def languages_for(match: ResolverMatch | None) -> list[str]:
    """The codes the language switcher offers on this page, in the settings' order."""
    return [code for code, _name in settings.LANGUAGES if page_is_translated(match, code)]
