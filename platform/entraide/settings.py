"""Entraide settings, all read from the environment through ``entraide.env``.

With no environment at all this is a working demo: SQLite in ``var/``, Celery tasks run
eagerly, e-mails are written to ``var/mail/``. With ``DJANGO_ENV=production`` it needs
``DATABASE_URL``, ``REDIS_URL``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS`` and
``EMAIL_URL`` and refuses to start without them. README.md has the table of every
variable.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import django.conf.locale
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from entraide.env import Environment, redis_sibling_database, strong_secret

BASE_DIR = Path(__file__).resolve().parents[2]
env = Environment()

DJANGO_ENV = env.choice("DJANGO_ENV", ("development", "production"), "development")
PRODUCTION = DJANGO_ENV == "production"
VAR_DIR = Path(env.string("ENTRAIDE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.boolean("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG cannot be true when DJANGO_ENV=production.")


def _secret_key() -> str:
    if PRODUCTION:
        key = env.string("DJANGO_SECRET_KEY", required=True)
        if not strong_secret(key):
            raise ImproperlyConfigured(
                "DJANGO_SECRET_KEY must be at least 50 random characters (for example "
                "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`)."
            )
        return key
    explicit = env.optional_str("DJANGO_SECRET_KEY")
    if explicit:
        return explicit
    # The demo keeps a generated key on disk so that sessions survive a restart.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.strings(
    "DJANGO_ALLOWED_HOSTS", default=None if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("The environment variable DJANGO_ALLOWED_HOSTS must be set.")
if PRODUCTION and any(host in {"*", "."} for host in ALLOWED_HOSTS):
    # Any Host header would be accepted, and with it links in e-mails built on it.
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the site's hosts, not '*'.")
CSRF_TRUSTED_ORIGINS = env.strings("DJANGO_CSRF_TRUSTED_ORIGINS")

# The public address of the site, for links in e-mails and SMS (no trailing slash).
ENTRAIDE_BASE_URL = env.string("ENTRAIDE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ENTRAIDE_CITY_NAME = env.string("ENTRAIDE_CITY_NAME", "Démoville")
# The free phone line of the scheme (fiche 7), shown on public pages when set, and when
# it answers; the city's counter (fiche 8): where, when, how to get there. Written in the
# city's language (LANGUAGE_CODE), shown as such on the "Find help" page in every language.
ENTRAIDE_PHONE_LINE = env.string("ENTRAIDE_PHONE_LINE", "")
ENTRAIDE_PHONE_HOURS = env.string("ENTRAIDE_PHONE_HOURS", "")
ENTRAIDE_COUNTER_ADDRESS = env.string("ENTRAIDE_COUNTER_ADDRESS", "")
ENTRAIDE_COUNTER_HOURS = env.string("ENTRAIDE_COUNTER_HOURS", "")
ENTRAIDE_COUNTER_ACCESS = env.string("ENTRAIDE_COUNTER_ACCESS", "")
ENTRAIDE_CONTACT_EMAIL = env.string(
    "ENTRAIDE_CONTACT_EMAIL", None if PRODUCTION else "entraide@example.org"
)
ENTRAIDE_DPO_EMAIL = env.string("ENTRAIDE_DPO_EMAIL", ENTRAIDE_CONTACT_EMAIL)

INSTALLED_APPS = [
    # Our apps first, so that their templates override those of allauth and DRF.
    "core",
    "accounts",
    "notifications",
    "associations",
    "needs",
    "offers",
    "matching",
    "reports",
    "imports",
    "privacy",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    # Registers the OpenID Connect provider; SOCIALACCOUNT_PROVIDERS swaps in our class.
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework",
    # API tokens stored as SHA-512 digests, with an expiry (accounts.authentication).
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.RejectUnreadableInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "core.middleware.PartialTranslationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.DomainErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "entraide.urls"
WSGI_APPLICATION = "entraide.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "core.context_processors.site",
                "notifications.context_processors.unread",
                "associations.context_processors.acting",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------

_database = env.database("DATABASE_URL")
if _database is None:
    if PRODUCTION:
        raise ImproperlyConfigured("The environment variable DATABASE_URL must be set.")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "entraide.sqlite3"),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database.setdefault("CONN_MAX_AGE", env.integer("DJANGO_CONN_MAX_AGE", 60, minimum=0))
    _database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.redis_url("REDIS_URL")
if PRODUCTION and REDIS_URL is None:
    raise ImproperlyConfigured("The environment variable REDIS_URL must be set.")
CACHE_URL = env.redis_url("CACHE_URL") or (redis_sibling_database(REDIS_URL) if REDIS_URL else None)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",  # one client per pool (core/cache.py)
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "entraide",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ------------------------------------------------------------------------

# Longest delay we ever ask of the broker (a retry countdown or an ETA), in seconds.
# Redis re-delivers an unacknowledged task after the visibility timeout, so it must stay
# well above this or a task waiting for its countdown would be delivered twice.
CELERY_LONGEST_COUNTDOWN = 30 * 60
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * CELERY_LONGEST_COUNTDOWN}
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "entraide"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Every periodic task, in one place (run by a single `celery -A entraide beat`).
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "core.record_worker_heartbeat", "schedule": 60.0},
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 60.0},
    "needs-expire": {"task": "needs.expire", "schedule": crontab(hour=3, minute=10)},
    "offers-freshness": {"task": "offers.freshness", "schedule": crontab(minute=15)},
    "offers-expire-ended": {"task": "offers.expire_ended", "schedule": crontab(hour=0, minute=20)},
    "matching-housekeeping": {"task": "matching.housekeeping", "schedule": crontab(minute=45)},
    "matching-batch": {"task": "matching.run_batch", "schedule": crontab(hour=6, minute=0)},
    "reports-beds-snapshot": {"task": "reports.snapshot_beds", "schedule": crontab(minute=55)},
    "privacy-purge": {"task": "privacy.purge", "schedule": crontab(hour=2, minute=40)},
    "notifications-staff-digest": {
        "task": "notifications.staff_digest",
        "schedule": crontab(hour=7, minute=30),
    },
}
# A monitor that sends "Authorization: Bearer <this>" to /healthz reads which check failed
# (staff signed in read it too); everyone else only reads up or down. Empty: no token.
ENTRAIDE_HEALTHZ_TOKEN = env.string("ENTRAIDE_HEALTHZ_TOKEN", "")
# A worker heartbeat older than this makes /healthz report the worker as down.
ENTRAIDE_WORKER_HEARTBEAT_MAX_AGE = env.integer(
    "ENTRAIDE_WORKER_HEARTBEAT_MAX_AGE", 180, minimum=30
)

# --- E-mail ------------------------------------------------------------------------

_email = env.email("EMAIL_URL")
if _email is None:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "The environment variable EMAIL_URL must be set (for example smtp+tls://...)."
        )
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
else:
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST", "")
    EMAIL_PORT = _email.get("EMAIL_PORT") or 25
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
    if "EMAIL_FILE_PATH" in _email:
        EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "Entraide <entraide@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Notifications -----------------------------------------------------------------

# A notification still failing this long after its first attempt is marked failed.
ENTRAIDE_NOTIFICATION_GIVE_UP_AFTER = env.integer(
    "ENTRAIDE_NOTIFICATION_GIVE_UP_AFTER", 4 * 3600, minimum=60
)
# The first retry waits this many seconds, each next one twice as long (up to 30 min).
ENTRAIDE_NOTIFICATION_RETRY_BASE = env.integer("ENTRAIDE_NOTIFICATION_RETRY_BASE", 30, minimum=1)
# A row left in "sending" or overdue in "queued" this long is taken up again by the sweep.
ENTRAIDE_NOTIFICATION_STALE_AFTER = env.integer(
    "ENTRAIDE_NOTIFICATION_STALE_AFTER", 5 * 60, minimum=1
)
# Text messages: a backend class (see notifications/channels/sms.py); empty turns SMS off.
ENTRAIDE_SMS_BACKEND = env.string(
    "ENTRAIDE_SMS_BACKEND", "" if PRODUCTION else "notifications.channels.sms.FileSmsBackend"
)
# Shared secret of the e-mail provider's delivery webhook (HMAC-SHA256 of the body).
ENTRAIDE_EMAIL_WEBHOOK_SECRET = env.string("ENTRAIDE_EMAIL_WEBHOOK_SECRET", "")
# A signed report is accepted this many seconds around its timestamp, and only once.
ENTRAIDE_EMAIL_WEBHOOK_WINDOW = env.integer("ENTRAIDE_EMAIL_WEBHOOK_WINDOW", 300, minimum=10)
ENTRAIDE_URGENT_CALLS_PER_DAY = env.integer("ENTRAIDE_URGENT_CALLS_PER_DAY", 3, minimum=1)

# --- Staff queues -------------------------------------------------------------------

# An agent's claim on an item of a staff queue lapses after this many minutes (core.claims).
ENTRAIDE_CLAIM_MINUTES = env.integer("ENTRAIDE_CLAIM_MINUTES", 30, minimum=1)

# --- Offers ------------------------------------------------------------------------

# A published offer asks its owner to confirm it is still available this often...
ENTRAIDE_OFFER_CONFIRM_EVERY_DAYS = env.integer("ENTRAIDE_OFFER_CONFIRM_EVERY_DAYS", 30, minimum=1)
# ...and expires when the owner has not answered this many days after the reminder.
ENTRAIDE_OFFER_CONFIRM_GRACE_DAYS = env.integer("ENTRAIDE_OFFER_CONFIRM_GRACE_DAYS", 14, minimum=1)
# The checks staff must record before a housing offer is published (phone_call, visit;
# "none" publishes housing without checks).
ENTRAIDE_HOUSING_VETTING_STEPS = env.strings(
    "ENTRAIDE_HOUSING_VETTING_STEPS", ["phone_call", "visit"]
)
if ENTRAIDE_HOUSING_VETTING_STEPS == ["none"]:
    ENTRAIDE_HOUSING_VETTING_STEPS = []
_unknown_steps = set(ENTRAIDE_HOUSING_VETTING_STEPS) - {"phone_call", "visit"}
if _unknown_steps:
    raise ImproperlyConfigured(
        "ENTRAIDE_HOUSING_VETTING_STEPS may only name phone_call and visit, not "
        + ", ".join(sorted(_unknown_steps))
    )

# --- Matching ----------------------------------------------------------------------

# A proposal not answered by both sides in time expires and frees its units. The time
# follows the need's urgency (docs/design.md §11): critical 48 hours, high 4 days, normal 7
# days; the side that has not answered is reminded halfway.
ENTRAIDE_MATCH_ANSWER_HOURS_CRITICAL = env.integer(
    "ENTRAIDE_MATCH_ANSWER_HOURS_CRITICAL", 48, minimum=1
)
ENTRAIDE_MATCH_ANSWER_DAYS_HIGH = env.integer("ENTRAIDE_MATCH_ANSWER_DAYS_HIGH", 4, minimum=1)
ENTRAIDE_MATCH_ANSWER_DAYS = env.integer("ENTRAIDE_MATCH_ANSWER_DAYS", 7, minimum=1)
# How many suggestions the workbench shows, and how many candidates per need a batch run
# gives the solver (more is slower and rarely better; the bench measures the recall).
ENTRAIDE_MATCHING_SUGGESTIONS = env.integer("ENTRAIDE_MATCHING_SUGGESTIONS", 10, minimum=1)
ENTRAIDE_MATCHING_BATCH_CANDIDATES = env.integer(
    "ENTRAIDE_MATCHING_BATCH_CANDIDATES", 25, minimum=1
)
# One need's suggestions ranked from a snapshot of every published offer kept in each
# process's memory (matching/offer_index.py), built again in the background after this
# many seconds; off, they are read in SQL each time (slower at tens of thousands of offers).
ENTRAIDE_MATCHING_OFFER_INDEX = env.boolean("ENTRAIDE_MATCHING_OFFER_INDEX", default=True)
ENTRAIDE_MATCHING_OFFER_INDEX_SECONDS = env.integer(
    "ENTRAIDE_MATCHING_OFFER_INDEX_SECONDS", 900, minimum=1
)
# Housing must cover at least this share (in percent) of what is left of the wanted
# period, or at least this many nights, whichever is less (an open end asks the nights).
ENTRAIDE_MATCHING_HOUSING_MIN_COVER_PERCENT = env.integer(
    "ENTRAIDE_MATCHING_HOUSING_MIN_COVER_PERCENT", 50, minimum=0
)
if ENTRAIDE_MATCHING_HOUSING_MIN_COVER_PERCENT > 100:
    raise ImproperlyConfigured("ENTRAIDE_MATCHING_HOUSING_MIN_COVER_PERCENT is at most 100.")
ENTRAIDE_MATCHING_HOUSING_MIN_COVER_NIGHTS = env.integer(
    "ENTRAIDE_MATCHING_HOUSING_MIN_COVER_NIGHTS", 30, minimum=0
)
# Seconds the batch solver may spend on one stage of its program before it keeps the best
# plan found (and says so on the run).
ENTRAIDE_MATCHING_SOLVER_SECONDS = env.integer("ENTRAIDE_MATCHING_SOLVER_SECONDS", 300, minimum=1)
# The scoring weights, "criterion=weight" separated by commas (matching/engine/scoring.py
# names the criteria); unset criteria keep their default weight.
ENTRAIDE_MATCHING_WEIGHTS: dict[str, float] = {}
for _item in env.strings("ENTRAIDE_MATCHING_WEIGHTS"):
    _name, _sep, _value = _item.partition("=")
    try:
        ENTRAIDE_MATCHING_WEIGHTS[_name.strip()] = float(_value)
    except ValueError:
        raise ImproperlyConfigured(
            f"ENTRAIDE_MATCHING_WEIGHTS: {_item!r} is not name=number."
        ) from None
try:
    from matching.engine.scoring import Weights as _Weights

    _Weights.from_mapping(ENTRAIDE_MATCHING_WEIGHTS)
except ValueError as _error:
    raise ImproperlyConfigured(f"ENTRAIDE_MATCHING_WEIGHTS: {_error}") from None

# --- Reports, open data and imports ------------------------------------------------

# Any published or exported count from 1 to this number minus one reads "fewer than N"
# (docs/design.md §11): on /statistiques/, /besoins/, the open data and every CSV export.
# At least 3: "fewer than 2" would say 1.
ENTRAIDE_SMALL_COUNT_THRESHOLD = env.integer("ENTRAIDE_SMALL_COUNT_THRESHOLD", 5, minimum=3)
# The city's population, written in the open data so that networks compare per capita.
ENTRAIDE_CITY_POPULATION = env.integer("ENTRAIDE_CITY_POPULATION", 0, minimum=0) or None

# --- Retention (docs/privacy.md) --------------------------------------------------

# How long personal data is kept, read by the nightly purge (``privacy.purge``), the
# coordinators' retention page, the privacy notice and docs/privacy.md alike. Records are
# anonymised, never deleted, so that counts and dates (the statistics) stay the same.
ENTRAIDE_RETENTION = {
    # Closed, expired and refused offers: address, contact, texts and owner removed.
    "offers": env.integer("ENTRAIDE_RETENTION_OFFERS_MONTHS", 12, minimum=1),
    # Fulfilled, closed, cancelled and expired needs: note, reference, texts removed.
    "needs": env.integer("ENTRAIDE_RETENTION_NEEDS_MONTHS", 12, minimum=1),
    # Completed, declined, expired and cancelled matches: reasons and who, removed.
    "matches": env.integer("ENTRAIDE_RETENTION_MATCHES_MONTHS", 12, minimum=1),
    # The contact of a caller of the phone line, once their offer ended.
    "phone_contacts": env.integer("ENTRAIDE_RETENTION_PHONE_CONTACTS_MONTHS", 3, minimum=1),
    # What a message said and to which address (the row and its status stay).
    "notifications": env.integer("ENTRAIDE_RETENTION_NOTIFICATIONS_MONTHS", 3, minimum=1),
    # Invitations to join an organisation, once accepted, withdrawn or expired.
    "invitations": env.integer("ENTRAIDE_RETENTION_INVITATIONS_MONTHS", 3, minimum=1),
    # Uploaded spreadsheets (they hold callers' contacts) and their error reports.
    "import_files": env.integer("ENTRAIDE_RETENTION_IMPORT_FILES_DAYS", 30, minimum=1),
    # The audit log (the runs of the purge itself are kept).
    "audit": env.integer("ENTRAIDE_RETENTION_AUDIT_MONTHS", 12, minimum=6),
    # Accounts without any activity: warned by e-mail, then erased.
    "inactive_accounts": env.integer("ENTRAIDE_RETENTION_INACTIVE_ACCOUNTS_MONTHS", 24, minimum=6),
    "inactivity_warning": env.integer("ENTRAIDE_RETENTION_INACTIVITY_WARNING_DAYS", 30, minimum=7),
}

# --- API tokens ----------------------------------------------------------------------

# An API token stops working this many days after it was made (a new one is one click on
# "My account" or POST /api/v1/me/token/), and at once when its owner's password changes.
ENTRAIDE_API_TOKEN_DAYS = env.integer("ENTRAIDE_API_TOKEN_DAYS", 90, minimum=1)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=ENTRAIDE_API_TOKEN_DAYS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

# --- Accounts ----------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Both refuse a staff password when ENTRAIDE_STAFF_LOCAL_PASSWORDS is off.
    "accounts.backends.ModelBackend",
    "accounts.backends.AllauthBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"
# A new resident who confirms their address lands on "offer help" (signed in by the
# confirmation); an invitation's own "next" still wins.
ACCOUNT_SIGNUP_REDIRECT_URL = "offers:create"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Entraide] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Sign-in and sign-up are rate limited by allauth (per IP and per account), in the cache.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "login_by_code": "20/m/ip,3/m/key",
}

# --- City single sign-on for staff (OpenID Connect) -------------------------------

# The city's identity provider (Keycloak, Entra ID, ProConnect...). Without an issuer,
# staff sign in with their e-mail address like everybody else (docs/deployment.md).
ENTRAIDE_OIDC_ISSUER = env.string("ENTRAIDE_OIDC_ISSUER", "").rstrip("/")
ENTRAIDE_OIDC = {
    "issuer": ENTRAIDE_OIDC_ISSUER,
    "client_id": env.string("ENTRAIDE_OIDC_CLIENT_ID", ""),
    "client_secret": env.string("ENTRAIDE_OIDC_CLIENT_SECRET", ""),
    # The name on the sign-in button, for example "Compte Ville de Grenoble".
    "name": env.string("ENTRAIDE_OIDC_NAME", ""),
    "scopes": env.strings("ENTRAIDE_OIDC_SCOPES", ["openid", "profile", "email"]),
    # Where the groups are in the ID token or userinfo: a claim name, dotted for a nested
    # one (Keycloak client roles: resource_access.entraide.roles; Entra ID app roles: roles).
    "groups_claim": env.string("ENTRAIDE_OIDC_GROUPS_CLAIM", "groups"),
    "staff_groups": env.strings("ENTRAIDE_OIDC_STAFF_GROUPS"),
    "coordinator_groups": env.strings("ENTRAIDE_OIDC_COORDINATOR_GROUPS"),
}
if ENTRAIDE_OIDC_ISSUER:
    if not (ENTRAIDE_OIDC["client_id"] and ENTRAIDE_OIDC["client_secret"]):
        raise ImproperlyConfigured(
            "ENTRAIDE_OIDC_ISSUER is set: ENTRAIDE_OIDC_CLIENT_ID and "
            "ENTRAIDE_OIDC_CLIENT_SECRET must be set too."
        )
    if not (ENTRAIDE_OIDC["staff_groups"] or ENTRAIDE_OIDC["coordinator_groups"]):
        raise ImproperlyConfigured(
            "ENTRAIDE_OIDC_ISSUER is set: name the groups that make a moderator or a "
            "coordinator (ENTRAIDE_OIDC_STAFF_GROUPS, ENTRAIDE_OIDC_COORDINATOR_GROUPS)."
        )
    if "openid" not in ENTRAIDE_OIDC["scopes"]:
        raise ImproperlyConfigured("ENTRAIDE_OIDC_SCOPES must include openid.")
# Off: city staff can no longer sign in with a password or an e-mailed code, only through
# the city's identity provider (residents and associations keep e-mail sign-in).
ENTRAIDE_STAFF_LOCAL_PASSWORDS = env.boolean("ENTRAIDE_STAFF_LOCAL_PASSWORDS", default=True)
if not ENTRAIDE_STAFF_LOCAL_PASSWORDS and not ENTRAIDE_OIDC_ISSUER:
    raise ImproperlyConfigured(
        "ENTRAIDE_STAFF_LOCAL_PASSWORDS=false needs ENTRAIDE_OIDC_ISSUER: staff would have "
        "no way to sign in."
    )

SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # Our subclass checks the ID token's signature even on the code flow.
        "provider_class": "accounts.oidc.provider.CityOpenIDConnectProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [],
    }
}
SOCIALACCOUNT_AUTO_SIGNUP = True
# The city's provider vouches for its employees' addresses: an existing account with the
# same address is connected (and its password dropped) instead of a duplicate made.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
if ENTRAIDE_OIDC_ISSUER:
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] = [
        {
            "provider_id": "ville",
            "name": ENTRAIDE_OIDC["name"] or ENTRAIDE_CITY_NAME,
            "client_id": ENTRAIDE_OIDC["client_id"],
            "secret": ENTRAIDE_OIDC["client_secret"],
            "settings": {
                "server_url": ENTRAIDE_OIDC_ISSUER,
                "scope": ENTRAIDE_OIDC["scopes"],
                "verified_email": True,
            },
        }
    ]

# --- Internationalisation ----------------------------------------------------------

LANGUAGE_CODE = "fr"
# The languages of the whole interface: every page, every message, a person's preference.
ENTRAIDE_FULL_LANGUAGES = [
    ("fr", _("French")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("uk", _("Ukrainian")),
]
# The languages of people arriving in French cities, in which only the public pages they
# need are translated (core.i18n.TRANSLATED_PAGES); every other page falls back to French.
ENTRAIDE_PUBLIC_LANGUAGES = [
    ("fa-af", _("Dari")),
    ("ps", _("Pashto")),
    ("ti", _("Tigrinya")),
    ("ru", _("Russian")),
    ("tr", _("Turkish")),
    ("bn", _("Bengali")),
    ("ln", _("Lingala")),
]
LANGUAGES = ENTRAIDE_FULL_LANGUAGES + ENTRAIDE_PUBLIC_LANGUAGES
# Django has no locale data for these: their names and writing direction. (Dari would
# otherwise borrow Persian's name, "فارسی"; Russian, Turkish and Bengali are known.)
django.conf.locale.LANG_INFO.update(
    {
        "fa-af": {"bidi": True, "code": "fa-af", "name": "Dari", "name_local": "دری"},
        "ps": {"bidi": True, "code": "ps", "name": "Pashto", "name_local": "پښتو"},
        "ti": {"bidi": False, "code": "ti", "name": "Tigrinya", "name_local": "ትግርኛ"},
        "ln": {"bidi": False, "code": "ln", "name": "Lingala", "name_local": "lingála"},
    }
)
LANGUAGES_BIDI = [*global_settings.LANGUAGES_BIDI, "ps"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.string("ENTRAIDE_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files ------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.string("ENTRAIDE_STATIC_ROOT", str(VAR_DIR / "static")))
if not PRODUCTION:
    # Whitenoise warns about a missing root; in production collectstatic has filled it.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- API ---------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous request gets a 401 with WWW-Authenticate.
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.rest.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["core.rest.filters.StrictFilterBackend"],
    # JSON only: the API takes no files, and one way in is one way to check.
    "DEFAULT_PARSER_CLASSES": ["core.rest.parsers.SafeJSONParser"],
    # DRF's two renderers, JSON written by orjson (the same bytes, core/rest/renderers.py).
    "DEFAULT_RENDERER_CLASSES": [
        "core.rest.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.rest.throttling.PersonReadThrottle",
        "core.rest.throttling.PersonWriteThrottle",
        "core.rest.throttling.AddressReadThrottle",
        "core.rest.throttling.AddressWriteThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.rest.schema.EntraideAutoSchema",
    "EXCEPTION_HANDLER": "core.rest.errors.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Amounts as JSON numbers, so that the schema can give their bounds.
    "COERCE_DECIMAL_TO_STRING": False,
}
# API rate limits ("number/period", period s, m, h or d): a signed-in person's reads and
# writes, and one network address's reads and writes (core/rest/throttling.py).
ENTRAIDE_API_RATES = {
    "person_read": env.rate("ENTRAIDE_API_RATE_PERSON_READ", "600/m"),
    "person_write": env.rate("ENTRAIDE_API_RATE_PERSON_WRITE", "120/m"),
    "address_read": env.rate("ENTRAIDE_API_RATE_ADDRESS_READ", "1200/m"),
    "address_write": env.rate("ENTRAIDE_API_RATE_ADDRESS_WRITE", "600/m"),
}
# The number of reverse proxies in front of the app, whose X-Forwarded-For entries name
# the real client address for rate limits (0: use the connection's address).
REST_FRAMEWORK["NUM_PROXIES"] = env.integer(
    "ENTRAIDE_TRUSTED_PROXIES", 1 if PRODUCTION else 0, minimum=0
)

SPECTACULAR_SETTINGS = {
    "TITLE": "Entraide API",
    "DESCRIPTION": (
        "The API of Entraide, a city's platform to coordinate solidarity towards newly "
        "arrived people. Everything the pages do, the API does, with the same permissions."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "HelpKindEnum": "core.vocabulary.HelpKind",
        "SpokenLanguageEnum": "core.vocabulary.SPOKEN_LANGUAGES",
        "SiteLanguageEnum": "entraide.settings.ENTRAIDE_FULL_LANGUAGES",
        "HouseholdTypeEnum": "core.vocabulary.HouseholdType",
        "OrganisationKindEnum": "accounts.models.Organisation.Kind",
        "NeedStatusEnum": "needs.models.Need.Status",
        "NeedOriginEnum": "needs.models.Need.Origin",
        "NeedUrgencyEnum": "needs.models.Need.Urgency",
        "HousingTypeEnum": "needs.models.Need.HousingType",
        "OfferStatusEnum": "offers.models.Offer.Status",
        "OfferOriginEnum": "offers.models.Offer.Origin",
        "MatchStatusEnum": "matching.models.Match.Status",
        "MatchSideEnum": "matching.models.Match.Side",
    },
}

# --- Security ----------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.boolean("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Health checks come from inside the deployment, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.integer("DJANGO_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.boolean("DJANGO_HSTS_PRELOAD", default=True)
if env.boolean("DJANGO_TRUST_X_FORWARDED_PROTO", default=PRODUCTION):
    # Only behind a reverse proxy that sets this header itself (see docs/deployment.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _oidc_origin(issuer: str) -> list[str]:
    parts = urlsplit(issuer)
    return [f"{parts.scheme}://{parts.netloc}"] if issuer else []


# No script, style, font or image from another origin; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # Signing in through the city's provider posts a form that redirects there.
        "form-action": [SELF, *_oidc_origin(ENTRAIDE_OIDC_ISSUER)],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Logging -----------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.string("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
