"""Settings of the benchmark server (`python -m bench.run`): the production settings, plus the
floor view's URLconf and the run's temporary database and static folder.

Everything else (DEBUG off, rate limits raised, no HTTPS redirect, the database) comes from the
environment that bench.run sets, through project.settings as in production.
"""

import os
from pathlib import Path

from project.settings import *  # noqa: F403
from project.settings import DATABASES

ROOT_URLCONF = "bench.urls"

# The run's own SQLite file (MariaDB is chosen by DB_NAME, as in production).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = os.environ["BENCH_SQLITE_PATH"]

# collectstatic writes the hashed, compressed files whitenoise serves into the run's folder.
STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
