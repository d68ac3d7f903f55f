"""Settings from the environment: key strength, `.env` reading, value parsing, deploy checks."""

import json
import logging
import os

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from project import env
from project.logging import JsonFormatter

STRONG = "kQ7-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGhIjKl"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "missing"),
        ("short-key-with-many-chars-1234567890", "shorter than 50"),
        ("ab" * 40, "fewer than 5 distinct"),
        ("django-insecure-" + STRONG, "django-insecure-"),
    ],
)
def test_weak_secret_keys_are_refused_with_the_reason(key, reason):
    with pytest.raises(ImproperlyConfigured, match=reason):
        env.require_strong_secret_key(key)


def test_a_strong_key_is_accepted():
    assert env.require_strong_secret_key(STRONG) == STRONG


def test_the_env_file_is_read_and_real_variables_win(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("ASF_TEST_A=from-file\nASF_TEST_B=from-file\n")
    monkeypatch.delenv("ENV_FILE", raising=False)
    monkeypatch.delenv("ASF_TEST_A", raising=False)
    monkeypatch.setenv("ASF_TEST_B", "from-env")
    assert env.read_env_file(tmp_path) == tmp_path / ".env"
    assert os.environ["ASF_TEST_A"] == "from-file"
    assert os.environ["ASF_TEST_B"] == "from-env"
    monkeypatch.delenv("ASF_TEST_A")


def test_an_empty_env_file_setting_reads_nothing(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("ASF_TEST_C=from-file\n")
    monkeypatch.setenv("ENV_FILE", "")
    assert env.read_env_file(tmp_path) is None


def test_a_named_env_file_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ENV_FILE", "missing.env")
    with pytest.raises(ImproperlyConfigured, match="introuvable"):
        env.read_env_file(tmp_path)


def test_id_prefixes_are_parsed_and_malformed_pairs_fail():
    assert env.parse_id_prefixes("donor:don, carrier:TRA") == {"donor": "DON", "carrier": "TRA"}
    with pytest.raises(ImproperlyConfigured, match="role:PREFIX"):
        env.parse_id_prefixes("donor")


@pytest.mark.parametrize("rate", ["600/min", "10/s", "1/hour", "5/day"])
def test_valid_rates_pass(rate):
    assert env.parse_rate("X", rate) == rate


@pytest.mark.parametrize("rate", ["600", "fast/min", "10/x", "/min"])
def test_invalid_rates_fail_at_startup(rate):
    with pytest.raises(ImproperlyConfigured, match="expected a rate"):
        env.parse_rate("API_THROTTLE_RATE_KEY", rate)


def test_negative_durations_fail():
    with pytest.raises(ImproperlyConfigured):
        env.non_negative("PUBLIC_ORDER_THROTTLE_SECONDS", -1)


def deploy_warning_ids():
    return {message.id for message in run_checks(include_deployment_checks=True)}


@override_settings(
    DEBUG=False,
    SITE_BASE_URL="",
    EMAIL_TRANSPORT_BACKEND="django.core.mail.backends.console.EmailBackend",
    BREVO_API_KEY="",
)
def test_deploy_checks_warn_about_relative_links_and_console_email():
    ids = deploy_warning_ids()
    assert {"wms.W001", "wms.W002"} <= ids


@override_settings(
    DEBUG=False,
    SITE_BASE_URL="https://wms.example.org",
    EMAIL_TRANSPORT_BACKEND="django.core.mail.backends.console.EmailBackend",
    BREVO_API_KEY="xkeysib-test",
)
def test_a_brevo_key_and_a_base_url_silence_our_deploy_checks():
    assert not {"wms.W001", "wms.W002"} & deploy_warning_ids()


def test_log_records_become_one_json_object_per_line():
    record = logging.LogRecord("wms.stock", logging.INFO, __file__, 1, "moved %s", (3,), None)
    record.event = "transfer"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "moved 3"
    assert data["event"] == "transfer"
    assert data["logger"] == "wms.stock"
    assert data["level"] == "INFO"


def production_setting(name: str, **variables: str) -> str:
    """A setting as a fresh process computes it from these variables alone (no .env)."""
    import subprocess  # nosec B404
    import sys

    environment = {
        "PATH": os.environ.get("PATH", ""),
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DJANGO_SECRET_KEY": STRONG,
        **variables,
    }
    done = subprocess.run(  # nosec B603: our interpreter, a fixed program
        [sys.executable, "-c", f"from django.conf import settings; print(settings.{name})"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("variables", "workers"),
    [
        ({"BREVO_API_KEY": "xkeysib-test"}, "32"),  # Brevo's API: 1,000 requests/s
        ({}, "4"),  # an SMTP relay limits the connections of a client
        ({"BREVO_API_KEY": "xkeysib-test", "EMAIL_QUEUE_WORKERS": "8"}, "8"),
    ],
)
def test_the_queue_sends_in_parallel_by_transport_unless_told(variables, workers):
    assert production_setting("EMAIL_QUEUE_WORKERS", **variables) == workers
