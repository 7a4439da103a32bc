import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "entraide.settings")

application = get_wsgi_application()

# The URLconf and the catalogues loaded before the first request: once, in gunicorn's
# master process, with --preload (core/warmup.py).
from core.warmup import warm_up  # noqa: E402 (once the application is set up)

warm_up()
