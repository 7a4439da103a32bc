"""Start the test identity provider: ``python -m tests.oidc_provider.serve``.

Binds a free loopback port first (port 0: the OS chooses, so parallel runs never clash),
derives the issuer from it, migrates a fresh SQLite database, creates the application
Entraide signs in with and one city employee, then prints ``READY <issuer>`` and serves.
The environment gives the secrets: OIDC_TEST_RSA_KEY, OIDC_TEST_CLIENT_ID,
OIDC_TEST_CLIENT_SECRET, OIDC_TEST_CONTROL_SECRET, OIDC_TEST_DATABASE.
"""

from __future__ import annotations

import os
import secrets
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

USERNAME = "camille.agent"
PASSWORD = "mot-de-passe-de-la-ville"
EMAIL = "camille.agent@ville.example"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _prepare() -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import get_application_model

    call_command("migrate", verbosity=0, interactive=False)
    User.objects.create_user(
        USERNAME, email=EMAIL, password=PASSWORD, first_name="Camille", last_name="Agent"
    )
    Application = get_application_model()
    Application.objects.create(
        name="Entraide",
        client_id=os.environ["OIDC_TEST_CLIENT_ID"],
        client_secret=os.environ["OIDC_TEST_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        algorithm=Application.RS256_ALGORITHM,
        redirect_uris="http://testserver/compte/oidc/ville/login/callback/",
        skip_authorization=True,
    )


def main() -> None:
    placeholder = make_server(
        "127.0.0.1", 0, lambda environ, start: [], server_class=_Server, handler_class=_QuietHandler
    )
    port = placeholder.server_address[1]
    os.environ["OIDC_TEST_ISSUER"] = f"http://127.0.0.1:{port}/o"
    os.environ.setdefault("OIDC_TEST_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    # oauthlib refuses plain HTTP unless told that this is a local test.
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    _prepare()
    placeholder.set_app(get_wsgi_application())
    print(f"READY {os.environ['OIDC_TEST_ISSUER']}", flush=True)
    try:
        placeholder.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
