"""The Celery application. Workers start with ``celery -A entraide worker``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "entraide.settings")

app = Celery("entraide")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
