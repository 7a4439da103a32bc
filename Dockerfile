# syntax=docker/dockerfile:1
#
# The production image of Entraide: one image for the web server (gunicorn, the default
# command), the migrations, the Celery worker and Celery beat (see docker-compose.yml).
# It is configured entirely by environment variables at run time (docs/deployment.md).

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    ENTRAIDE_STATIC_ROOT=/app/staticfiles

# The processes run as this unprivileged user; the code stays owned by root, read-only to it.
RUN groupadd --system --gid 10001 entraide \
    && useradd --system --uid 10001 --gid entraide --create-home --home-dir /home/entraide \
        --shell /usr/sbin/nologin entraide

WORKDIR /app

# The dependencies first, in their own layer: rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; open('/tmp/requirements.txt', 'w').write('\n'.join(project['dependencies']) + '\n')" \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project. It is installed in editable mode, in place: settings find the message
# catalogues (locale/) relative to the source tree, and the packages keep their templates,
# static files and migrations next to their code. The .mo catalogues are committed.
COPY . .
RUN pip install --no-cache-dir --no-deps -e . \
    && python -m compileall -q platform

# Static files are collected into the image (ENTRAIDE_STATIC_ROOT) and served by
# WhiteNoise. This must run with DJANGO_ENV=production so that the hashed-names manifest
# the production storage needs is written. The values below exist for this one command
# only (nothing connects to them) and are not kept in the image's environment.
RUN DJANGO_ENV=production \
    DJANGO_SECRET_KEY=build-only-not-a-secret-collectstatic-never-signs-anything-0123456789 \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=sqlite:////tmp/build-only.sqlite3 \
    REDIS_URL=redis://build.invalid:6379/0 \
    EMAIL_URL=dummymail:// \
    ENTRAIDE_CONTACT_EMAIL=build@example.invalid \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/beat \
    && chown -R entraide:entraide /app/var

USER entraide

EXPOSE 8000

# /healthz checks the database, the cache, the broker and the last worker heartbeat. It is
# exempt from the HTTPS redirect, but Django still checks the Host header, so the check
# sends the first of DJANGO_ALLOWED_HOSTS (a leading dot, as in .example.org, removed).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; host = (os.environ.get('DJANGO_ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.'); host = 'localhost' if host in ('', '*') else host; request = urllib.request.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}); sys.exit(0 if urllib.request.urlopen(request, timeout=8).status == 200 else 1)"]

# Three synchronous workers suit a small VM (about 2 × CPUs + 1); to change it, override
# the command (docs/deployment.md). The access log goes to standard output. --preload
# loads the application once, in the master process: each worker that --max-requests
# replaces is a fork of it, ready at once, instead of 3 s of CPU spent loading it again.
CMD ["gunicorn", "entraide.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--preload", \
     "--workers", "3", \
     "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--access-logfile", "-"]
