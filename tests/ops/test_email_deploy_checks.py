"""`check --deploy --fail-level WARNING` and our email checks (S-EMAIL): a production file that
would only print emails on the console, or build relative links, must fail the deploy check.
Run in a copy of the project, with the settings read from a modified production.env.sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ops.project_copy import clean_env, copy_project, manage, production_sample

pytestmark = pytest.mark.slow

CONSOLE = "django.core.mail.backends.console.EmailBackend"
W001 = (
    "(wms.W001) SITE_BASE_URL is empty: links in emails and QR codes on labels would be relative."
)
W002 = (
    "(wms.W002) Emails would only be printed on the console: no BREVO_API_KEY and EMAIL_BACKEND "
    "is the console backend."
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("checks") / "asf-wms")


def sample_with(directory: Path, **changes: str) -> Path:
    """production.env.sample with some variables set to other values (added when missing)."""
    lines = production_sample().read_text().splitlines()
    kept = [line for line in lines if line.split("=", 1)[0] not in changes]
    path = directory / "production.env"
    path.write_text("\n".join([*kept, *(f"{key}={value}" for key, value in changes.items())]))
    return path


def deploy_check(project: Path, env_file: Path):
    # Real variables win over the file: leave out every variable the file sets.
    names = tuple(
        line.split("=", 1)[0]
        for line in env_file.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    env = clean_env(drop=names, ENV_FILE=str(env_file))
    result = manage(project, "check", "--deploy", "--fail-level", "WARNING", env=env)
    return result, result.stdout + result.stderr


def test_the_unmodified_sample_passes(project, tmp_path):
    result, output = deploy_check(project, sample_with(tmp_path))
    assert result.returncode == 0, output
    assert "System check identified no issues" in output


def test_the_console_backend_without_a_brevo_key_fails_with_w002(project, tmp_path):
    env_file = sample_with(tmp_path, EMAIL_BACKEND=CONSOLE, BREVO_API_KEY="")
    result, output = deploy_check(project, env_file)
    assert result.returncode != 0
    assert W002 in output
    assert "wms.W001" not in output


def test_an_empty_site_base_url_fails_with_w001(project, tmp_path):
    result, output = deploy_check(project, sample_with(tmp_path, SITE_BASE_URL=""))
    assert result.returncode != 0
    assert W001 in output
    assert "wms.W002" not in output


def test_the_console_backend_with_a_brevo_key_passes(project, tmp_path):
    env_file = sample_with(tmp_path, EMAIL_BACKEND=CONSOLE, BREVO_API_KEY="xkeysib-test-only")
    result, output = deploy_check(project, env_file)
    assert result.returncode == 0, output
    assert "wms.W002" not in output


def test_a_variable_in_the_real_environment_would_win_over_the_file(project, tmp_path):
    """Why the checks above drop the file's variables from the environment."""
    env_file = sample_with(tmp_path)
    env = clean_env(ENV_FILE=str(env_file), EMAIL_BACKEND=CONSOLE, BREVO_API_KEY="")
    result = manage(project, "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert W002 in result.stdout + result.stderr
