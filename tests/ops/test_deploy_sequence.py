"""The runbook's deploy sequence (section 3) and smoke tests (section 4), on a copy of the project
configured with production.env.sample, served by gunicorn."""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.project_copy import ROOT, clean_env, copy_project, manage, production_sample

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start listening")


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    project = copy_project(tmp_path_factory.mktemp("deploy") / "asf-wms")
    shutil.copy(production_sample(), project / ".env")

    for command in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput"],
        ["check", "--deploy", "--fail-level", "WARNING"],
    ):
        result = manage(project, *command)
        assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "project.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=project,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        yield project, port
    finally:
        server.terminate()
        server.wait(timeout=15)


def request(port: int, method: str, path: str, https: bool = True) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": "localhost"}
    if https:
        headers["X-Forwarded-Proto"] = "https"
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_the_deploy_sequence_creates_the_cache_table_and_groups(deployed):
    project, _port = deployed
    result = manage(
        project,
        "shell",
        "-c",
        "from django.contrib.auth.models import Group; from django.core.cache import cache;"
        "cache.set('k', 'v');"
        "print(sorted(Group.objects.values_list('name', flat=True)), cache.get('k'))",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['Manager', 'Worker'] v"


@pytest.mark.parametrize(("path", "status"), [("/", 200), ("/admin/login/", 200)])
def test_public_pages_answer_200_to_head(deployed, path, status):
    assert request(deployed[1], "HEAD", path).status == status


def test_scan_redirects_to_the_scan_login(deployed):
    response = request(deployed[1], "HEAD", "/scan/")
    assert response.status == 302
    assert response.getheader("Location") == "/scan/login/?next=/scan/"


def test_the_api_refuses_anonymous_callers_with_json(deployed):
    response = request(deployed[1], "GET", "/api/v1/products/")
    assert response.status in (401, 403)
    assert response.getheader("Content-Type") == "application/json"
    assert request(deployed[1], "HEAD", "/api/v1/products/").status in (401, 403)


def test_plain_http_is_redirected_but_healthz_is_not(deployed):
    redirected = request(deployed[1], "HEAD", "/", https=False)
    assert redirected.status == 301
    assert redirected.getheader("Location") == "https://localhost/"
    assert request(deployed[1], "GET", "/healthz", https=False).status == 200


def test_production_responses_carry_hsts_and_hashed_static_files(deployed):
    port = deployed[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/", headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    body = response.read().decode()
    assert (
        response.getheader("Strict-Transport-Security")
        == "max-age=31536000; includeSubDomains; preload"
    )
    start = body.index("/static/css/dist/styles.")
    css_path = body[start : body.index('"', start)]
    assert css_path != "/static/css/dist/styles.css", "manifest storage should hash the name"
    assert request(port, "GET", css_path).status == 200


def test_debug_off_with_a_weak_key_refuses_to_start(tmp_path):
    env = clean_env(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="too-short", ENV_FILE="")
    check = manage(ROOT, "check", env=env)
    assert check.returncode != 0
    assert "DJANGO_SECRET_KEY is shorter than 50 characters" in check.stderr

    server = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "project.wsgi:application",
            "--preload",
            "--bind",
            f"127.0.0.1:{free_port()}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert server.returncode != 0
    assert "DJANGO_SECRET_KEY is shorter than 50 characters" in server.stderr


def test_debug_off_without_a_key_refuses_to_start():
    env = clean_env(DJANGO_DEBUG="false", ENV_FILE="")
    check = manage(ROOT, "check", env=env)
    assert check.returncode != 0
    assert "DJANGO_SECRET_KEY is missing" in check.stderr
