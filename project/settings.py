"""ASF WMS settings: every environment variable is parsed here, and only here.

`.env` (or the file named by ENV_FILE) is read when present; real environment variables win.
Production defaults (HTTPS redirect, secure cookies) apply only with DEBUG off.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ

from project.env import (
    non_negative,
    parse_id_prefixes,
    parse_rate,
    read_env_file,
    require_strong_secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE_READ = read_env_file(BASE_DIR)
env = environ.Env()

# --- Core -------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not DEBUG:
    require_strong_secret_key(SECRET_KEY)
elif not SECRET_KEY:
    # Development only: a per-process key keeps `manage.py` usable before `.env` exists.
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
SITE_BASE_URL = env.str("SITE_BASE_URL", default="").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "tailwind",
    "theme",
    "pwa",
    "wms",
    "scan",
]

MIDDLEWARE = [
    "project.middleware.HeadBodyRemovalMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "project.csp.AdminAwareCSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must come last: it turns a lockout raised during authentication into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

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
                "wms.context_processors.manager_banner",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DB_NAME = env.str("DB_NAME", default="")
if DB_NAME:
    DATABASES = {
        "default": {
            "ENGINE": env.str("DB_ENGINE", default="django.db.backends.mysql"),
            "NAME": DB_NAME,
            "USER": env.str("DB_USER", default=""),
            "PASSWORD": env.str("DB_PASSWORD", default=""),
            "HOST": env.str("DB_HOST", default="127.0.0.1"),
            "PORT": env.str("DB_PORT", default="3306"),
            "CONN_MAX_AGE": env.int("DB_CONN_MAX_AGE", default=60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "charset": "utf8mb4",
                # READ COMMITTED: row locks taken by the stock services see committed rows, and
                # gap locks of REPEATABLE READ do not serialise unrelated receipts.
                "isolation_level": "read committed",
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
            },
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
                # timeout instead of failing with "database is locked" at their first write.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }


def legacy_database() -> dict[str, Any] | None:
    """The earlier ASF WMS's database, read by `import_legacy` (S-LEGACY), only when configured:
    a SQLite file (opened read-only) or a MySQL/MariaDB database (every transaction read-only)."""
    sqlite_path = env.str("LEGACY_SQLITE_PATH", default="")
    if sqlite_path:
        path = Path(sqlite_path).expanduser().resolve()
        return {
            "ENGINE": "django.db.backends.sqlite3",
            # Django opens SQLite with uri=True: mode=ro refuses every write at the file level.
            "NAME": f"file:{path}?mode=ro",
        }
    name = env.str("LEGACY_DB_NAME", default="")
    if not name:
        return None
    return {
        "ENGINE": "django.db.backends.mysql",
        "NAME": name,
        "USER": env.str("LEGACY_DB_USER", default=""),
        "PASSWORD": env.str("LEGACY_DB_PASSWORD", default=""),
        "HOST": env.str("LEGACY_DB_HOST", default="127.0.0.1"),
        "PORT": env.str("LEGACY_DB_PORT", default="3306"),
        "OPTIONS": {
            "charset": "utf8mb4",
            "init_command": "SET SESSION TRANSACTION READ ONLY",
        },
    }


if (LEGACY_DATABASE := legacy_database()) is not None:
    DATABASES["legacy"] = LEGACY_DATABASE
# Nothing is ever migrated into, or read by a model from, the legacy database.
DATABASE_ROUTERS = ["project.routers.LegacyDatabaseRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        # Shared by every process and host without another server (throttles, rate limits).
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "wms_cache",
        # Django culls a third of the table past 300 entries by default, which would reset the
        # rate-limit counts of busy callers; expired entries are culled first anyway.
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    }
}

# --- Auth -------------------------------------------------------------------------------------
# Flash messages live in the session, not in a cookie: the admin shows a new API key once in one
# (a signed cookie is readable by whoever holds it).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "scan:login"
LOGIN_REDIRECT_URL = "scan:home"
LOGOUT_REDIRECT_URL = "scan:login"

TRUSTED_PROXY_COUNT = non_negative("TRUSTED_PROXY_COUNT", env.int("TRUSTED_PROXY_COUNT", 0))

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Lock the (username, address) pair, never an address alone: a whole warehouse shares one.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "wms.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "wms.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Served by views that check the caller (wms/api/media.py), never by the web server directly.
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
UPLOAD_MAX_MB = env.int("UPLOAD_MAX_MB", default=10)
# The portal's and the public link's order forms carry one quantity input per product when
# JavaScript is off: a catalogue of thousands of products must fit in one POST.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
# Django's default CSRF failure page has an inline <style> that the CSP blocks.
CSRF_FAILURE_VIEW = "wms.public.views.csrf_failure"
LISTING_MAX_FILE_SIZE_MB = env.int("LISTING_MAX_FILE_SIZE_MB", default=10)
TAILWIND_APP_NAME = "theme"

# Installable scan app (django-pwa serves /manifest.json; the service worker is our own view).
PWA_APP_NAME = "ASF WMS — Scan"
PWA_APP_DESCRIPTION = "Réception, stock, colisage et expédition à l'entrepôt ASF."
PWA_APP_START_URL = "/scan/"
PWA_APP_SCOPE = "/scan/"
PWA_APP_DISPLAY = "standalone"
PWA_APP_ORIENTATION = "portrait"
PWA_APP_THEME_COLOR = "#0a4a8a"
PWA_APP_BACKGROUND_COLOR = "#f3f4f6"
PWA_APP_LANG = "fr"
PWA_APP_DIR = "ltr"
PWA_APP_ICONS = [
    {
        "src": "/static/icons/icon-192.png",
        "sizes": "192x192",
        "type": "image/png",
        "purpose": "any",
    },
    {
        "src": "/static/icons/icon-512.png",
        "sizes": "512x512",
        "type": "image/png",
        "purpose": "any",
    },
    {
        "src": "/static/icons/icon-maskable-512.png",
        "sizes": "512x512",
        "type": "image/png",
        "purpose": "maskable",
    },
]

# --- Security (production defaults apply only with DEBUG off) ---------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Monitors probe /healthz over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
if env.bool("USE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The scan PWA reads the CSRF token from the cookie at replay time (S-OFFLINE), so no HttpOnly.
CSRF_COOKIE_HTTPONLY = False

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # The WASM barcode decoder needs 'wasm-unsafe-eval' in Chromium; no inline script anywhere.
        "script-src": ["'self'", "'wasm-unsafe-eval'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Application settings (S-OPS) -------------------------------------------------------------
ENABLE_BASIC_AUTH = env.bool("ENABLE_BASIC_AUTH", default=False)
INTEGRATION_API_KEY = env.str("INTEGRATION_API_KEY", default="")
API_THROTTLE_RATE_KEY = parse_rate(
    "API_THROTTLE_RATE_KEY", env.str("API_THROTTLE_RATE_KEY", default="600/min")
)
API_THROTTLE_RATE_USER = parse_rate(
    "API_THROTTLE_RATE_USER", env.str("API_THROTTLE_RATE_USER", default="120/min")
)
ACCOUNT_REQUEST_THROTTLE_SECONDS = non_negative(
    "ACCOUNT_REQUEST_THROTTLE_SECONDS", env.int("ACCOUNT_REQUEST_THROTTLE_SECONDS", default=300)
)
PUBLIC_ORDER_THROTTLE_SECONDS = non_negative(
    "PUBLIC_ORDER_THROTTLE_SECONDS", env.int("PUBLIC_ORDER_THROTTLE_SECONDS", default=300)
)
TRACKING_UPDATE_THROTTLE_SECONDS = non_negative(
    "TRACKING_UPDATE_THROTTLE_SECONDS", env.int("TRACKING_UPDATE_THROTTLE_SECONDS", default=60)
)
TRACKING_EMAIL_THROTTLE_SECONDS = non_negative(
    "TRACKING_EMAIL_THROTTLE_SECONDS", env.int("TRACKING_EMAIL_THROTTLE_SECONDS", default=900)
)
MIN_SHELF_LIFE_DAYS_EXPORT = non_negative(
    "MIN_SHELF_LIFE_DAYS_EXPORT", env.int("MIN_SHELF_LIFE_DAYS_EXPORT", default=0)
)
SCAN_DUPLICATE_WINDOW_MS = non_negative(
    "SCAN_DUPLICATE_WINDOW_MS", env.int("SCAN_DUPLICATE_WINDOW_MS", default=300)
)
SCAN_GS_SUBSTITUTE = env.str("SCAN_GS_SUBSTITUTE", default="")
PORTAL_OFFER_KITS = env.bool("PORTAL_OFFER_KITS", default=False)
SKU_PREFIX = env.str("SKU_PREFIX", default="ASF")
# Words the name rules keep upper-case (S-CATALOG).
NAME_ACRONYMS = env.list(
    "NAME_ACRONYMS",
    default=["EPI", "PCA", "FFP1", "FFP2", "FFP3", "OMS", "ONG", "ASF", "USB", "PVC", "IV", "SHA"],
)
ASF_ID_PREFIXES = parse_id_prefixes(
    env.str(
        "ASF_ID_PREFIXES",
        default="donor:DON,carrier:TRA,shipper:EXP,recipient:DEST,correspondent:CORR",
    )
)
ORG_NAME = env.str("ORG_NAME", default="Aviation Sans Frontières")
ORG_ADDRESS = env.str("ORG_ADDRESS", default="")
ORG_CONTACT = env.str("ORG_CONTACT", default="")
ORG_SIGNATORY = env.str("ORG_SIGNATORY", default="")
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="")

# --- Email ------------------------------------------------------------------------------------
# Every email is queued (wms.emailing): Django's own mail API writes an IntegrationEvent through
# the queue backend, and `process_email_queue` delivers it with the transport below — Brevo when
# BREVO_API_KEY is set, else EMAIL_BACKEND (console by default, SMTP in production).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = "wms.emailing.backend.QueuedEmailBackend"
EMAIL_TRANSPORT_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
BREVO_API_KEY = env.str("BREVO_API_KEY", default="")
BREVO_API_URL = env.str("BREVO_API_URL", default="https://api.brevo.com/v3/")
BREVO_SENDER_EMAIL = env.str("BREVO_SENDER_EMAIL", default="")
BREVO_SENDER_NAME = env.str("BREVO_SENDER_NAME", default="")
BREVO_REPLY_TO_EMAIL = env.str("BREVO_REPLY_TO_EMAIL", default="")
if BREVO_API_KEY:
    EMAIL_TRANSPORT_BACKEND = "anymail.backends.brevo.EmailBackend"
ANYMAIL = {
    "BREVO_API_KEY": BREVO_API_KEY,
    "BREVO_API_URL": BREVO_API_URL,
    # A hung provider must not hold a queue worker for minutes: (connect, read) seconds.
    "REQUESTS_TIMEOUT": (5, EMAIL_TIMEOUT),
}
EMAIL_QUEUE_MAX_ATTEMPTS = env.int("EMAIL_QUEUE_MAX_ATTEMPTS", default=5)
EMAIL_QUEUE_RETRY_BASE_SECONDS = env.int("EMAIL_QUEUE_RETRY_BASE_SECONDS", default=60)
EMAIL_QUEUE_RETRY_MAX_SECONDS = env.int("EMAIL_QUEUE_RETRY_MAX_SECONDS", default=3600)
EMAIL_QUEUE_PROCESSING_TIMEOUT_SECONDS = env.int(
    "EMAIL_QUEUE_PROCESSING_TIMEOUT_SECONDS", default=900
)
# Parallel sends of a queue run. Brevo's API takes 1,000 requests/s, and at ~50-200 ms a send the
# run is bound by waiting: 32 threads. An SMTP relay usually limits connections per client: 4.
EMAIL_QUEUE_WORKERS = env.int("EMAIL_QUEUE_WORKERS", default=32 if BREVO_API_KEY else 4)

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "wms.api.auth.IntegrationKeyAuthentication",
        "wms.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "wms.api.auth.OptionalBasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["wms.api.permissions.IsApiPrincipal"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["wms.api.parsers.SafeJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "wms.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "wms.api.throttles.KeyRateThrottle",
        "wms.api.throttles.UserRateThrottle",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ASF WMS API",
    "DESCRIPTION": "API v1 de l'entrepôt ASF pour les intégrateurs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}

# --- Logging: one JSON line per event on stderr -----------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "project.logging.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "wms": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False},
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "axes": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
