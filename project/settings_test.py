"""Test configuration: its own secret key, DEBUG off, never reads `.env`.

SQLite by default; MariaDB when TEST_DB_ENGINE=mysql (with DB_HOST / DB_PORT / DB_USER /
DB_PASSWORD, and DB_NAME defaulting to asf_wms, whose test database is test_asf_wms).
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Set before the base settings read the environment: a developer's .env must not leak in.
os.environ["ENV_FILE"] = ""
os.environ["DJANGO_DEBUG"] = "false"
# A fixed key for tests only: never used by a server.
TEST_SECRET_KEY = "test-only-key-7Hq2xV9pL4mZ8cR1tY6bN3wK5jF0sD-not-for-production"  # nosec B105
os.environ["DJANGO_SECRET_KEY"] = TEST_SECRET_KEY
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
if os.environ.get("TEST_DB_ENGINE", "sqlite") == "mysql":
    os.environ.setdefault("DB_NAME", "asf_wms")
else:
    os.environ["DB_NAME"] = ""

from project.settings import *  # noqa: F403
from project.settings import DATABASES, STORAGES

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def _scratch_dir(prefix: str) -> Path:
    """A folder for this process, removed when it exits (every gunicorn worker of a test
    imports these settings: the folders must not pile up in /tmp)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


MEDIA_ROOT = _scratch_dir("asf-wms-media-")
# Tests never run collectstatic; an empty directory keeps whitenoise quiet.
STATIC_ROOT = _scratch_dir("asf-wms-static-")

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not ":memory:", so that tests can open a second process or thread on it.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"asf-wms-test-{os.getpid()}.sqlite3")
    }

# Delivered mail lands in django.core.mail.outbox, unless a test process is pointed at a fake
# Brevo server through the environment.
if not os.environ.get("BREVO_API_KEY"):
    EMAIL_TRANSPORT_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Rate limits stay on (they are part of what the tests check), high enough that a test sending
# many requests is not cut off; tests of the limits set their own rates.
API_THROTTLE_RATE_KEY = "100000/min"
API_THROTTLE_RATE_USER = "100000/min"
