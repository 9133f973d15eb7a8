"""Settings for Campaign Tracker, read from environment variables.

Everything has a default that runs on one laptop with nothing installed (SQLite, no Redis,
mail to the console). Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=0,
ALLOWED_HOSTS and the EMAIL_* variables.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from tracker.accounts.directory_settings import BACKEND as DIRECTORY_BACKEND
from tracker.accounts.directory_settings import directory_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-change-me-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Dev tools (the demo city, synthetic data and timings) are installed when DEBUG is on, or with
# DEV_TOOLS=1; production (DEBUG=0) leaves them out, so their commands do not exist there.
DEV_TOOLS = env_bool("DEV_TOOLS", DEBUG)

# The project's apps from the base up, in the layers `make lint` checks (.importlinter).
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "simple_history",
    "django_celery_beat",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "tracker.core",
    "tracker.jobs",
    "tracker.orgs",
    "tracker.accounts",
    "tracker.campaigns",
    "tracker.personnel",
    "tracker.notify",
    "tracker.work",
    "tracker.ledgers",
    "tracker.rollups",
    "tracker.imports",
    "tracker.holidays",
    "tracker.directives",
    "tracker.people",
    "tracker.surveys",
    "tracker.insights",
    "tracker.cases",
    "tracker.scoring",
    "tracker.dashboards",
    "tracker.editor",
    "tracker.reminders",
    "tracker.briefings",
    "tracker.home",
    "tracker.ops",
    "tracker.api",
    *(["tracker.demo", "tracker.bench"] if DEV_TOOLS else []),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tracker.core.middleware.ChosenLanguageMiddleware",
    "tracker.core.middleware.QueryTextMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tracker.core.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "tracker.campaigns.middleware.CampaignMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "tracker.orgs.context_processors.scope",
                "tracker.campaigns.context_processors.campaign",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Dashboards run short aggregates over many rows; PostgreSQL's JIT spent ~180 ms compiling the
    # matrix query at 2,000 units and won nothing back (1.0 s → 0.5 s with it off).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    # Web, worker and beat are separate processes: without Redis they still share one cache, so
    # /healthz in the web process sees the heartbeat the worker writes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR") or str(BASE_DIR / "var" / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Evidence files are private: they live outside any URL and are only streamed by a
# permission-checked view, so there is deliberately no MEDIA_URL route in urls.py.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "var" / "media")
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "campaign-tracker@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline script or style anywhere; the only scripts are our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Traffic-light defaults of a new campaign; each campaign may override them.
TRACKER_DEFAULT_YELLOW_DUE_WORKDAYS = 3
TRACKER_DEFAULT_STALE_DAYS = 14

# --- Reminders: Celery, beat, outbox mail, working-day overrides ----------------------------
# Absolute links in e-mails point here (no request to build them from in a worker).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/celery, so
# `make run` sends reminders on one machine with no broker server (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_FILESYSTEM_FOLDER = Path(os.environ.get("CELERY_FILESYSTEM_FOLDER") or BASE_DIR / "var" / "celery")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(CELERY_FILESYSTEM_FOLDER / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_FOLDER / "queue"),
        "control_folder": str(CELERY_FILESYSTEM_FOLDER / "control"),
        "processed_folder": str(CELERY_FILESYSTEM_FOLDER / "processed"),
    }
else:
    # Longer than any retry countdown, so Redis does not redeliver a message a worker still holds.
    # A message taken by a worker that died (kill -9, a lost machine) goes back to the queue after
    # it; run_job and the relay claim their rows atomically, so a redelivery does no work twice.
    # The scale-out drill shortens it to see that happen within its run.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
        "socket_connect_timeout": 3,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
# A job is acknowledged only when it finished: a worker that dies mid-job leaves it to be redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "600"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "660"))
# A web request that enqueues must not hang when the broker is down: fail fast, the outbox keeps the job.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A sweep run by beat leaves the mails of more than this many people to the workers, in slices
# of this many (tracker.reminders.models.MailSlice); a slice still pending after the resume delay
# (its worker died) is enqueued again by the next sweep.
REMINDERS_COMPOSE_SLICE = int(os.environ.get("REMINDERS_COMPOSE_SLICE", "5000"))
REMINDERS_SLICE_RESUME_MINUTES = int(os.environ.get("REMINDERS_SLICE_RESUME_MINUTES", "15"))
# Outbox relay: attempts per mail, and the first retry delay (doubled each time, capped).
REMINDERS_MAX_ATTEMPTS = int(os.environ.get("REMINDERS_MAX_ATTEMPTS", "6"))
REMINDERS_RETRY_BASE_SECONDS = float(os.environ.get("REMINDERS_RETRY_BASE_SECONDS", "60"))
REMINDERS_RETRY_MAX_SECONDS = float(os.environ.get("REMINDERS_RETRY_MAX_SECONDS", "3600"))
# Mail held on a non-working day goes out at this local time on the next working day.
REMINDERS_SEND_HOUR = int(os.environ.get("REMINDERS_SEND_HOUR", "8"))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# Self-service "forgot password" mails a one-time link; on by default once EMAIL_HOST is set.
PASSWORD_RESET_BY_MAIL = env_bool("PASSWORD_RESET_BY_MAIL", bool(os.environ.get("EMAIL_HOST")))
# --- end reminders ---------------------------------------------------------------------------
# Notify: channels beside mail; a channel whose settings are missing is off.
WECOM_BASE_URL = os.environ.get("WECOM_BASE_URL", "https://qyapi.weixin.qq.com").rstrip("/")
WECOM_CORP_ID = os.environ.get("WECOM_CORP_ID", "")
WECOM_AGENT_ID = os.environ.get("WECOM_AGENT_ID", "")
WECOM_SECRET = os.environ.get("WECOM_SECRET", "")
DINGTALK_BASE_URL = os.environ.get("DINGTALK_BASE_URL", "https://oapi.dingtalk.com").rstrip("/")
DINGTALK_APP_KEY = os.environ.get("DINGTALK_APP_KEY", "")
DINGTALK_APP_SECRET = os.environ.get("DINGTALK_APP_SECRET", "")
DINGTALK_AGENT_ID = os.environ.get("DINGTALK_AGENT_ID", "")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
SMS_TEMPLATE_ID = os.environ.get("SMS_TEMPLATE_ID", "CAMPAIGN_NOTICE")
# Quiet hours (local time, "HH:MM"): nothing is pushed from start to end, nor on a day off.
NOTIFY_QUIET_START = os.environ.get("NOTIFY_QUIET_START", "22:00")
NOTIFY_QUIET_END = os.environ.get("NOTIFY_QUIET_END", "07:30")
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "6"))
# A relay holds a claimed delivery this long; a relay killed mid-send frees it when the lease ends.
NOTIFY_LEASE_SECONDS = int(os.environ.get("NOTIFY_LEASE_SECONDS", "120"))
# How long a channel waits after the provider answers "rate limit" (WeCom 45009, SMS *LIMIT*).
NOTIFY_RATE_LIMIT_PAUSE_SECONDS = float(os.environ.get("NOTIFY_RATE_LIMIT_PAUSE_SECONDS", "60"))
# Ledgers: the default crowded-research window (扎堆调研) of a new campaign.
TRACKER_DEFAULT_RESEARCH_WINDOW_DAYS = 30

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "tracker": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    },
}

# Imports: units and users from .xlsx/.csv templates. New accounts get no password but a
# one-time set-password link the office hands over, valid this many days (no e-mail needed).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("SET_PASSWORD_LINK_DAYS", "14")) * 24 * 3600
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
# An .xlsx is a zip: what it may unpack to (20,000 rows of the templates take about 15 MB).
IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", str(64 * 1024 * 1024)))
# Background jobs (tracker.jobs): a running job writes a heartbeat this often (seconds); one
# silent for JOBS_STALE_SECONDS is marked interrupted; downloads are kept JOBS_RESULT_HOURS.
JOBS_HEARTBEAT_SECONDS = float(os.environ.get("JOBS_HEARTBEAT_SECONDS", "10"))
JOBS_STALE_SECONDS = int(os.environ.get("JOBS_STALE_SECONDS", "120"))
JOBS_RESULT_HOURS = int(os.environ.get("JOBS_RESULT_HOURS", "24"))
# The crowding watch of a scope with more units than this (a city, a province) is a snapshot a
# background job computes, renewed when older than the given minutes; smaller scopes (a district)
# are computed per request. Clustering a city's 13,000 visits took 100-180 ms a request.
CROWDING_LIVE_MAX_UNITS = int(os.environ.get("CROWDING_LIVE_MAX_UNITS", "1000"))
CROWDING_SNAPSHOT_MAX_AGE_MINUTES = int(os.environ.get("CROWDING_SNAPSHOT_MAX_AGE_MINUTES", "60"))
JOBS_SOFT_TIME_LIMIT = int(os.environ.get("JOBS_SOFT_TIME_LIMIT", "1800"))
# --- Security and reliability: login lockout, sessions, production headers, logs, health ---
# The request id comes first so every later log line carries it; axes last, as its docs require.
MIDDLEWARE.insert(0, "tracker.ops.logs.RequestIdMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "tracker.accounts.middleware.SessionLimitsMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# Refused requests (403, and 404 from the scope door) are recorded for the office's audit page.
MIDDLEWARE.append("tracker.ops.audit.AuditMiddleware")
AUTHENTICATION_BACKENDS = [
    "tracker.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Directory login (LDAP / Active Directory) when LDAP_SERVER_URI is set: tried before local
# passwords, which keep working (an outage of the directory leaves local accounts usable).
_directory = directory_settings(os.environ)
if _directory:
    globals().update(_directory)
    AUTHENTICATION_BACKENDS.insert(1, DIRECTORY_BACKEND)

# Lockout (django-axes): 5 failures for one username from one address, then 15 minutes' pause.
# Unknown usernames are counted and locked exactly like real ones, so a lockout reveals nothing.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tracker.accounts.views.lockout"
AXES_SENSITIVE_PARAMETERS = ["password"]
if os.environ.get("TRUSTED_PROXY_COUNT"):
    # Behind N reverse proxies the client address is the N-th from the right in X-Forwarded-For.
    AXES_IPWARE_PROXY_COUNT = int(os.environ["TRUSTED_PROXY_COUNT"])
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Sessions end after 30 idle minutes and at the latest 12 hours after login (seconds).
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", str(12 * 3600)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# Last activity is written at most once a minute, not on every request.
SESSION_ACTIVITY_RESOLUTION = 60

# Production: DEBUG=0 needs a real SECRET_KEY; HTTPS=1 (TLS in front) turns on redirects, HSTS
# and secure cookies. `manage.py check --deploy --fail-level WARNING` passes with both.
if not DEBUG and SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("Set SECRET_KEY in the environment when DEBUG=0.")
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Load balancers probe health over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("BEHIND_PROXY", False):
    # Only when the proxy overwrites this header; otherwise a client could claim HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Stored evidence is never executable, whatever umask the server runs with.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# Health: the reminders' periodic task writes this cache key; older than this is "stale".
CELERY_HEARTBEAT_KEY = "tracker:celery-heartbeat"
CELERY_HEARTBEAT_MAX_AGE = int(os.environ.get("CELERY_HEARTBEAT_MAX_AGE", "300"))
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR") or BASE_DIR / "var" / "backups")
# The read API (tracker/api): tokens only (`manage.py api_token`), JSON only, paged, rate-limited
# per person; the session also works, so a logged-in office can open a URL in the browser.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracker.api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_CLASSES": ["tracker.api.throttling.PersonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("API_RATE", "600/hour")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Campaign Tracker read API",
    "DESCRIPTION": "Progress by unit and measure, tasks, ledgers and lights of a campaign, within the token's scope.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# The nightly backup (beat, 02:30) keeps this many archives in BACKUP_DIR.
BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "7"))

# Logs: one JSON object per line (LOG_FORMAT=json, the default without DEBUG), with the request id.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("plain" if DEBUG else "json")
LOGGING["filters"] = {"request_id": {"()": "tracker.ops.logs.RequestIdFilter"}}
LOGGING["formatters"]["json"] = {"()": "tracker.ops.logs.JsonFormatter"}
LOGGING["formatters"]["plain"] = {
    "()": "logging.Formatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
    "defaults": {"request_id": "-"},  # for handlers added without the request-id filter
}
LOGGING["handlers"]["console"].update(formatter=LOG_FORMAT, filters=["request_id"])
LOGGING["loggers"].update(
    {
        "django": {"handlers": ["console"], "level": "WARNING"},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    }
)
