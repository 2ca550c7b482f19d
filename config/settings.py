"""Settings, read from the environment.

With nothing set, the service runs on embedded parts (a SQLite file under ``var/``, the in-memory
channel layer, console email) so that ``make run`` works on any machine. ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis; ``DJANGO_ENV=production`` refuses to start without the
secrets and services a real deployment needs. Every variable is listed in the README.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_list
from config.logging import logging_config

# Lets admin and other generic classes be subscripted at run time, as their type stubs declare.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


ENVIRONMENT = os.environ.get("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'")
PRODUCTION = ENVIRONMENT == "production"

# DEBUG is never on by accident: only an explicit DJANGO_DEBUG=true in development turns it on.
DEBUG = env_bool("DJANGO_DEBUG", False) and not PRODUCTION


def _secret_key() -> str:
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production")
    # Development: a random key kept beside the SQLite file, so sessions survive a restart and no
    # key is ever committed.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_structlog",
    "partnership",
    "escalation",
    "notifications",
    "conference",
    "casework",
    "review",
    "oversight",
    "gold",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "partnership.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "partnership.middleware.DatabaseUnavailableMiddleware",  # before anything reads the database
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "partnership.middleware.LoginRequiredMiddleware",
    "partnership.tenancy.PartnershipMiddleware",
    "partnership.middleware.ApiErrorsAsJsonMiddleware",
    "partnership.middleware.NotFoundPageMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.alerts",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DEFAULT_SQLITE = VAR_DIR / "db.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")


def _database() -> dict[str, Any]:
    if DATABASE_URL:
        # Health checks let a process that outlived a PostgreSQL restart reconnect by itself
        # (with the pool, the pool checks each connection before lending it).
        db: dict[str, Any] = dict(
            dj_database_url.parse(
                DATABASE_URL,
                conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", 60)),
                conn_health_checks=True,
            )
        )
        if env_bool("DATABASE_POOL", True) and db["ENGINE"].endswith("postgresql"):
            # Under ASGI each request runs in a thread of its own, so persistent connections
            # (CONN_MAX_AGE) meant a connection per request thread, left open until the thread
            # was collected: the surge's first run took all 100 of the server's. The pool lends
            # one per request (per consumer call, per sender's send) and takes it back at the
            # end. Past max_size a caller queues, up to DATABASE_POOL_TIMEOUT seconds, then gets
            # the 503 of a lost database (the pool's timeout is an OperationalError).
            db["CONN_MAX_AGE"] = 0  # the pool keeps them instead (Django refuses both)
            min_size = int(os.environ.get("DATABASE_POOL_MIN_SIZE", 2))
            db.setdefault("OPTIONS", {})["pool"] = {
                "min_size": min_size,
                "max_size": max(min_size, int(os.environ.get("DATABASE_POOL_MAX_SIZE", 20))),
                "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", 30)),
            }
    else:
        if PRODUCTION:
            raise ImproperlyConfigured("DATABASE_URL must be set when DJANGO_ENV=production")
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        db = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DEFAULT_SQLITE),
            # A file, never ":memory:": live-server tests run the app in another thread.
            "TEST": {"NAME": str(VAR_DIR / "test_db.sqlite3")},
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Redis: channel layer and shared cache -----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set when DJANGO_ENV=production")

# Which of channels-redis's layers carries live pushes (decision 0026): "pubsub" publishes each
# group send once and every Daphne process hands it to its own subscribers (an alert to 1,000
# listeners: median 1.5 s here, against 3.1 to 3.5 s); "core" keeps each channel's messages in
# a Redis list (capacity, expiry, groups as Redis sorted sets). Neither loses an alert: clients
# resume from the database on a gap, on reconnecting and every 20 s.
CHANNEL_LAYER = os.environ.get("CHANNEL_LAYER", "pubsub" if PRODUCTION else "core")
if CHANNEL_LAYER not in {"core", "pubsub"}:
    raise ImproperlyConfigured("CHANNEL_LAYER must be core or pubsub")

_PUBSUB_LAYER: dict[str, Any] = {
    "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "CONFIG": {
        "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
        # Pub/sub channels belong to the whole Redis server, not to a database number: the
        # number goes into the prefix so that deployments (and benchmarks) sharing a server stay
        # apart as they do with the core layer.
        "prefix": f"asgi.db{urlsplit(REDIS_URL).path.strip('/') or '0'}.",
    },
}
_CORE_LAYER: dict[str, Any] = {
    "BACKEND": "channels_redis.core.RedisChannelLayer",
    "CONFIG": {
        # No read timeout: a consumer waits on Redis for its next message for as long as
        # nobody speaks, and redis-py 8's default 5 s would kill every idle websocket
        # (channels_redis#422).
        "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
        # Alerts are persisted first and replayed on reconnect, so a full channel delays
        # a client, it does not lose anything; the larger capacity only makes that rarer.
        "capacity": 1000,
        "expiry": 60,
    },
}
if REDIS_URL:
    CHANNEL_LAYERS: dict[str, Any] = {
        "default": _PUBSUB_LAYER if CHANNEL_LAYER == "pubsub" else _CORE_LAYER
    }
    # Login throttling and similar counters must be shared by every Daphne process.
    CACHES: dict[str, Any] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Email --------------------------------------------------------------------------------------
EMAIL_URL = os.environ.get("EMAIL_URL", "")


def _email() -> dict[str, Any]:
    from urllib.parse import unquote, urlparse

    if not EMAIL_URL:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    url = urlparse(EMAIL_URL)
    if url.scheme not in {"smtp", "smtps", "submission"}:
        raise ImproperlyConfigured("EMAIL_URL must look like smtp://user:password@host:port")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": url.hostname or "localhost",
        "EMAIL_PORT": url.port or (465 if url.scheme == "smtps" else 587),
        "EMAIL_HOST_USER": unquote(url.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(url.password or ""),
        "EMAIL_USE_SSL": url.scheme == "smtps",
        "EMAIL_USE_TLS": url.scheme == "submission",
        "EMAIL_TIMEOUT": 10,
    }


globals().update(_email())
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "coordinator@partnership.invalid")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The protective marking printed at the top and bottom of every page of an exported document
# (the Government Security Classifications: a partnership's case papers are OFFICIAL-SENSITIVE).
PROTECTIVE_MARKING = os.environ.get("PROTECTIVE_MARKING", "OFFICIAL-SENSITIVE").strip()

# --- Risk conferences ---------------------------------------------------------------------------
# Repeat detection (MARAC practice): a further incident within this many days of the person's
# last referral is a repeat; this many incidents within that many days, with no referral, suggest
# a referral.
REPEAT_WINDOW_DAYS = int(os.environ.get("REPEAT_WINDOW_DAYS", 365))
SUGGEST_REFERRAL_COUNT = int(os.environ.get("SUGGEST_REFERRAL_COUNT", 3))
SUGGEST_REFERRAL_WINDOW_DAYS = int(os.environ.get("SUGGEST_REFERRAL_WINDOW_DAYS", 365))
# Personal data of closed cases is removed this many days after they closed (manage.py
# apply_retention, run daily): six years by default.
RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", 6 * 365))
# Risk assessment score thresholds (the checklist's weights add up to 15).
RISK_MEDIUM_FROM = int(os.environ.get("RISK_MEDIUM_FROM", 4))
RISK_HIGH_FROM = int(os.environ.get("RISK_HIGH_FROM", 8))

# --- Notifications ------------------------------------------------------------------------------
# Who carries each channel. The recording backend and email printed to the console only keep
# messages: their deliveries are "recorded, not sent", and production refuses to start while a
# channel members use is one of them, unless NOTIFICATION_CHANNELS_WITHOUT names it
# (notifications/readiness.py).
NOTIFICATION_BACKENDS = {
    "email": os.environ.get("EMAIL_CHANNEL_BACKEND", "notifications.channels.EmailBackend"),
    "sms": os.environ.get("SMS_BACKEND", "notifications.channels.RecordingBackend"),
    "webhook": os.environ.get("WEBHOOK_BACKEND", "notifications.channels.RecordingBackend"),
}
# Channels this deployment does without (comma-separated: email, sms, webhook): their messages are
# recorded, not sent, production starts anyway, and /healthz says so.
NOTIFICATION_CHANNELS_WITHOUT = env_list("NOTIFICATION_CHANNELS_WITHOUT", [])
if set(NOTIFICATION_CHANNELS_WITHOUT) - set(NOTIFICATION_BACKENDS):
    raise ImproperlyConfigured(
        "NOTIFICATION_CHANNELS_WITHOUT may name email, sms and webhook only, not "
        + ", ".join(sorted(set(NOTIFICATION_CHANNELS_WITHOUT) - set(NOTIFICATION_BACKENDS)))
    )
# GOV.UK Notify (notifications/notify.py), for SMS_BACKEND=notifications.notify.NotifySmsBackend
# and EMAIL_CHANNEL_BACKEND=notifications.notify.NotifyEmailBackend: the API key and the ids of the
# templates made for the service in Notify.
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_SMS_TEMPLATE_ID = os.environ.get("NOTIFY_SMS_TEMPLATE_ID", "")
NOTIFY_EMAIL_TEMPLATE_ID = os.environ.get("NOTIFY_EMAIL_TEMPLATE_ID", "")
# Seconds a channel may take to accept one message before the attempt counts as failed.
NOTIFICATION_SEND_TIMEOUT = float(os.environ.get("NOTIFICATION_SEND_TIMEOUT", 10))
# Attempts per channel before giving up; the wait doubles from NOTIFICATION_RETRY_SECONDS.
NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATION_MAX_ATTEMPTS", 6))
NOTIFICATION_RETRY_SECONDS = float(os.environ.get("NOTIFICATION_RETRY_SECONDS", 30))
# Parallel senders in each process (a hanging channel holds one of them, never all).
NOTIFICATION_SENDERS = int(os.environ.get("NOTIFICATION_SENDERS", 8))
# Where deliveries are made (docs/decisions/0023-task-engine.md). Off: by sender threads inside
# the process that committed them (the embedded default: ``make run``, SQLite, the tests). On
# (production's default): by ``manage.py runsenders`` worker processes, fed by procrastinate jobs
# written in the notification's own transaction, so the web process only serves. PostgreSQL only.
NOTIFICATION_WORKERS = env_bool("NOTIFICATION_WORKERS", PRODUCTION)
if NOTIFICATION_WORKERS and not USING_POSTGRES:
    raise ImproperlyConfigured("NOTIFICATION_WORKERS needs PostgreSQL (DATABASE_URL)")
if USING_POSTGRES:
    # Its tables and functions come as migrations of PostgreSQL SQL: SQLite must not see them.
    INSTALLED_APPS.append("procrastinate.contrib.django")
# Jobs each worker process runs at once (a hanging channel holds one of them, never all).
NOTIFICATION_WORKER_CONCURRENCY = int(os.environ.get("NOTIFICATION_WORKER_CONCURRENCY", 8))
# ... and live pushes, on slots of their own that no email or text can hold.
NOTIFICATION_WORKER_LIVE_CONCURRENCY = int(
    os.environ.get("NOTIFICATION_WORKER_LIVE_CONCURRENCY", 2)
)
# Notifications (or due deliveries) per job: a declaration's few dozen make one job, one live
# batch; a thousand are spread over twenty jobs, and so over the workers.
NOTIFICATION_WORKER_JOB_SIZE = int(os.environ.get("NOTIFICATION_WORKER_JOB_SIZE", 50))
# A worker writes a heartbeat this often; the scheduler's sweep retries the jobs of a worker
# silent for NOTIFICATION_WORKER_STALLED_SECONDS (one killed mid-job, say).
NOTIFICATION_WORKER_HEARTBEAT_SECONDS = float(
    os.environ.get("NOTIFICATION_WORKER_HEARTBEAT_SECONDS", 10)
)
NOTIFICATION_WORKER_STALLED_SECONDS = float(
    os.environ.get("NOTIFICATION_WORKER_STALLED_SECONDS", 30)
)
# How long a sender holds a delivery it is sending: a process that dies mid-send leaves it to
# the sweep once this has passed (longer than any send may take).
NOTIFICATION_CLAIM_SECONDS = float(os.environ.get("NOTIFICATION_CLAIM_SECONDS", 120))
# Webhooks (notifications/webhooks.py): https only in production (and wherever this is set), and
# never to loopback, private, link-local (cloud metadata) or other non-public addresses, except
# the networks listed here (comma-separated, such as an agency's own system on 10.20.0.0/16).
WEBHOOK_HTTPS_ONLY = PRODUCTION or env_bool("WEBHOOK_HTTPS_ONLY", False)
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])
# People no channel could reach: co-ordinators hear of the first in each interval at once and of
# the rest in one digest at its end (notifications/unreachable.py), never once per failure.
NOTIFICATION_DIGEST_SECONDS = float(os.environ.get("NOTIFICATION_DIGEST_SECONDS", 600))
# How long the acknowledge link in an email stays valid (seconds).
ACK_LINK_MAX_AGE = int(os.environ.get("ACK_LINK_MAX_AGE", 7 * 24 * 3600))

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "partnership.Member"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# A second factor (authenticator app codes, django-otp) is always available to members; with this
# on it is required of administrators and senior police officers.
TOTP_REQUIRED_FOR_PRIVILEGED = env_bool("TOTP_REQUIRED_FOR_PRIVILEGED", False)
OTP_TOTP_ISSUER = "Partnership coordinator"
# The sign-in throttle (partnership/throttle.py, explained in docs/security.md). In each window of
# LOGIN_THROTTLE_WINDOW seconds: an account takes LOGIN_THROTTLE_ATTEMPTS failures from clients
# that have never signed in to it before, and as many from each client that has (its own
# browser, or an address it signed in from within LOGIN_KNOWN_CLIENT_DAYS); an address takes
# LOGIN_THROTTLE_ADDRESS_ATTEMPTS failures against accounts it does not know.
# The public reporting pages (no sign-in): posts per address per hour before it must wait.
PUBLIC_REPORTS_PER_HOUR = int(os.environ.get("PUBLIC_REPORTS_PER_HOUR", 10))
LOGIN_THROTTLE_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_ATTEMPTS", 5))
LOGIN_THROTTLE_WINDOW = int(os.environ.get("LOGIN_THROTTLE_WINDOW", 15 * 60))
LOGIN_THROTTLE_ADDRESS_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_ADDRESS_ATTEMPTS", 20))
LOGIN_KNOWN_CLIENT_DAYS = int(os.environ.get("LOGIN_KNOWN_CLIENT_DAYS", 90))
# API tokens (django-rest-knox, stored as digests): each lasts a working shift by default, and a
# member holds at most API_TOKEN_LIMIT at once (the oldest is revoked to make room).
API_TOKEN_LIFETIME = int(os.environ.get("API_TOKEN_LIFETIME", 10 * 3600))
API_TOKEN_LIMIT = int(os.environ.get("API_TOKEN_LIMIT", 10))
KNOX_TOKEN_MODEL = "partnership.ApiToken"  # noqa: S105 (a model name, not a secret)
# knox's own migrations would create its (swapped-out, never used) AuthToken table with a foreign
# key to members, which blocks the test runner's flush; our ApiToken replaces it entirely.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(seconds=API_TOKEN_LIFETIME),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The load balancer's health check speaks plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Internationalisation: the protocol's clock is UK local time --------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# GOV.UK Frontend's compiled styles and its script, built by `make assets` from the npm packages
# (never committed); see docs/decisions on GOV.UK Frontend.
STATICFILES_DIRS = [BASE_DIR / "build" / "static"]
# Outside production, files are served straight from the apps and packages (no collectstatic step).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
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

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Tokens first: a refused token then answers 401 with "WWW-Authenticate: Token" (DRF takes
    # the header from the first class, and sessions have none).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partnership.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Every authenticated call works in one partnership (partnership.tenancy): X-Partnership.
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "partnership.tenancy.WorksInPartnership",
    ],
    # DRF's parsers, with JSON bodies limited in depth (a deeply nested one was a 500).
    "DEFAULT_PARSER_CLASSES": [
        "partnership.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "partnership.api.PartnershipAutoSchema",
    "DEFAULT_THROTTLE_RATES": {"login": os.environ.get("LOGIN_THROTTLE_RATE", "10/min")},
    "EXCEPTION_HANDLER": "partnership.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hate Crime Partnership Coordinator API",
    "DESCRIPTION": (
        "Major-incident protocol, notifications, risk conferences and the audit timeline."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Anonymous callers get nothing but sign-in and the health check, the schema included.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for each choice set used in several places (else drf-spectacular guesses names
    # and warns, and `check --deploy` with it).
    "ENUM_NAME_OVERRIDES": {
        "RiskLevelEnum": "conference.models.RiskLevel",
        "ReplyKindEnum": "notifications.models.ReplyKind",
        "ConferenceKindEnum": "conference.models.ConferenceKind",
        "LawfulBasisEnum": "conference.models.LawfulBasis",
        "DebriefStateEnum": "review.models.DebriefState",
        "PlanActionStateEnum": "review.models.PlanActionState",
        "FourteenDayReportStateEnum": "review.models.FourteenDayReportState",
        "SixMonthlyTriggerEnum": "review.models.SixMonthlyTrigger",
        "TensionLevelEnum": "escalation.models.TensionLevel",
        "ReporterKindEnum": "casework.intake_models.ReporterKind",
        "StrandEnum": "escalation.models.Strand",
        "DeadlineUnitEnum": "casework.standards.DEADLINE_UNITS",
        "CaseOutcomeEnum": "casework.models.CaseOutcome",
        "ReviewOutcomeEnum": "casework.review_models.ReviewOutcome",
        "ReviewStateEnum": "casework.review_models.ReviewState",
        "ConferenceStateEnum": "conference.models.ConferenceState",
    },
}

# --- Partnership protocol -----------------------------------------------------------------------
# Nation whose bank holidays count as non-working days: England and Wales (ENG), Scotland (SCT)
# or Northern Ireland (NIR).
PROTOCOL_HOLIDAY_NATION = os.environ.get("PROTOCOL_HOLIDAY_NATION", "ENG")
if PROTOCOL_HOLIDAY_NATION not in {"ENG", "SCT", "NIR"}:
    raise ImproperlyConfigured("PROTOCOL_HOLIDAY_NATION must be ENG, SCT or NIR")
# The target for steps the protocol says must happen "immediately".
PROTOCOL_IMMEDIATE_MINUTES = int(os.environ.get("PROTOCOL_IMMEDIATE_MINUTES", 60))
# The scheduler runs inside the web process only where asked (``make run``); production runs
# ``manage.py runscheduler`` on its own.
SCHEDULER_IN_PROCESS = env_bool("SCHEDULER_IN_PROCESS", False)

# --- Logging: JSON lines with request id and user id, never personal data about victims -------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = logging_config(LOG_LEVEL)

# --- The audit timeline's signed checkpoints (partnership/checkpoints.py) ------------------------
# The HMAC-SHA256 key checkpoints are signed with. Set it on its own in production: derived from
# SECRET_KEY (the default), rotating DJANGO_SECRET_KEY makes every earlier checkpoint fail to
# verify.
TIMELINE_CHECKPOINT_KEY = (
    os.environ.get("TIMELINE_CHECKPOINT_KEY")
    or hmac.new(SECRET_KEY.encode(), b"audit timeline checkpoints", hashlib.sha256).hexdigest()
)
# How often each chain with new events gets a checkpoint.
TIMELINE_CHECKPOINT_MINUTES = int(os.environ.get("TIMELINE_CHECKPOINT_MINUTES", 60))

# --- Scheduler ----------------------------------------------------------------------------------
# Each entry names a list of config.scheduler.Job in an app's jobs module.
SCHEDULER_JOBS: list[str] = [
    "partnership.jobs.JOBS",
    "escalation.jobs.JOBS",
    "notifications.jobs.JOBS",
    "conference.jobs.JOBS",
    "casework.jobs.JOBS",
    "oversight.jobs.JOBS",
    "review.jobs.JOBS",
    "gold.jobs.JOBS",
]
# The safety-net sweep: the longest a due deadline can wait if a wake-up was lost.
SCHEDULER_SWEEP_SECONDS = float(os.environ.get("SCHEDULER_SWEEP_SECONDS", 5))
# How long board changes and live events are kept for pages to replay (decision 0027), >= 1 h.
LIVE_REPLAY_RETENTION_HOURS = max(1.0, float(os.environ.get("LIVE_REPLAY_RETENTION_HOURS", 168)))
# How often a standby tries to take the lead (and the leader checks it still holds it).
SCHEDULER_LEADER_POLL_SECONDS = float(os.environ.get("SCHEDULER_LEADER_POLL_SECONDS", 2))
