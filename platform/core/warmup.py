"""What each web process would otherwise do on its first request, done when it starts.

A new gunicorn worker imports the URLconf, and with it every view and serializer, on the
first request it serves (about 0.7 s of CPU), and loads each language's catalogue on the
first page in that language. gunicorn replaces each worker after ``--max-requests``
requests; with ``--preload`` (the Dockerfile's command) the application is loaded once,
in the master process, and each new worker is a fork of it: ``warm_up`` runs there, so
that a replaced worker starts with all of it already done, and the pages it shares with
its siblings stay shared. It reads nothing from the database or the cache: a connection
opened in the master would be shared by every fork (``tests/entraide/test_settings.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def warm_up() -> None:
    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018 (imports every view; the language's URLs)
