"""Settings of the gunicorn server that test_throttle_gunicorn.py starts: the test settings on
the very database the test uses (its name comes through the environment), so that the test sees
what the workers wrote and the other way round."""

import os
from pathlib import Path

from project.settings_test import *  # noqa: F403
from project.settings_test import DATABASES

DATABASES["default"]["NAME"] = os.environ["ASF_GUNICORN_TEST_DB"]
MEDIA_ROOT = Path(os.environ["ASF_GUNICORN_TEST_MEDIA"])
