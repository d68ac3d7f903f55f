"""`.env.example` lists every variable settings.py reads (S-OPS), and nothing it does not."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ_IN_SETTINGS = re.compile(r'env\.(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"')
LISTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]+)=", re.MULTILINE)


def test_every_variable_read_by_settings_is_documented_in_env_example():
    read = set(READ_IN_SETTINGS.findall((ROOT / "project" / "settings.py").read_text()))
    listed = set(LISTED.findall((ROOT / ".env.example").read_text()))
    assert read, "the pattern no longer finds the env reads in settings.py"
    assert read - listed == set()
    # ENV_FILE is read by project/env.py, TEST_DB_ENGINE by the test settings.
    assert listed - read - {"ENV_FILE", "TEST_DB_ENGINE"} == set()
