"""The public-form throttle under a real multi-process server (S-ORDERS "Throttles": shared by
all server processes, database-backed): gunicorn with two workers on the test's own database.

Every "client" reaches gunicorn from 127.0.0.1, as through a reverse proxy: with
TRUSTED_PROXY_COUNT=1 the X-Forwarded-For entry each request carries is its client address.
Which worker answered is read from gunicorn's access log (its pid), not from the app.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.urls import reverse

from tests.shipping_helpers import stocked_product
from wms.models import PublicAccountRequest, PublicOrderLink

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT = 20.0
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ACCESS_LINE = re.compile(r"^<(\d+)> (\d{3}) (\w+) (\S+)$")


@dataclass
class Server:
    base: str
    access_log: Path
    process: subprocess.Popen[bytes]

    def answers(self, method: str = "", path: str = "") -> list[tuple[int, int]]:
        """(worker pid, status) of each logged request, optionally for one method and path."""
        found = []
        for line in self.access_log.read_text().splitlines():
            match = ACCESS_LINE.match(line.strip())
            if match and (not method or match[3] == method) and (not path or match[4] == path):
                found.append((int(match[1]), int(match[2])))
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(tmp_path: Path, throttle_seconds: int) -> Iterator[Server]:
    port = free_port()
    access_log = tmp_path / f"access-{port}.log"
    access_log.touch()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.public.gunicorn_settings",
        "ASF_GUNICORN_TEST_DB": str(connection.settings_dict["NAME"]),
        "ASF_GUNICORN_TEST_MEDIA": str(tmp_path / "media"),
        "TRUSTED_PROXY_COUNT": "1",
        "ACCOUNT_REQUEST_THROTTLE_SECONDS": str(throttle_seconds),
    }
    command = [
        sys.executable, "-m", "gunicorn", "project.wsgi",
        "-w", "2",
        "-b", f"127.0.0.1:{port}",
        "--chdir", str(ROOT),
        "--access-logfile", str(access_log),
        "--access-logformat", "%(p)s %(s)s %(m)s %(U)s",
        "--graceful-timeout", "2",
        # Not the shared default control socket: never disturb another gunicorn on this host.
        "--no-control-socket",
    ]  # fmt: skip
    stderr = tmp_path / f"gunicorn-{port}.err"
    with stderr.open("wb") as errors:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=errors, stderr=errors)
    server = Server(f"http://127.0.0.1:{port}", access_log, process)
    try:
        wait_until_up(server, stderr)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until_up(server: Server, stderr: Path) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {stderr.read_text()[-3000:]}")
        try:
            # A worker's first answer is slow (URLs and templates are loaded then).
            if requests.get(f"{server.base}/healthz", timeout=10).status_code < 500:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not answer: {stderr.read_text()[-3000:]}")


class Visitor:
    """A browser behind the proxy: its own cookies, its own client address."""

    def __init__(self, server: Server, address: str) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = address

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.server.base + path, timeout=10)

    def request_account(
        self, path: str, email: str, name: str = "Soleil de Toamasina", files: dict | None = None
    ) -> int:
        page = self.get(path)
        assert page.status_code == 200, page.text[-500:]
        token = CSRF_INPUT.search(page.text)
        assert token is not None
        data = {
            "csrfmiddlewaretoken": token[1],
            "association_name": name,
            "email": email,
            "city": "Toamasina",
            "country": "Madagascar",
        }
        response = self.session.post(
            self.server.base + path, data=data, files=files, allow_redirects=False, timeout=20
        )
        return response.status_code


def test_one_request_per_window_whichever_worker_answers(tmp_path):
    link = PublicOrderLink.objects.create(label="Partenaires")
    stocked_product(20, name="Gants nitrile gunicorn")
    order_page = reverse("scan:public_order", args=[link.token])
    account_page = reverse("scan:public_order_account", args=[link.token])

    with gunicorn(tmp_path, throttle_seconds=300) as server:
        # Both workers serve the shared database: enough concurrent page loads reach both.
        visitor = Visitor(server, "198.51.100.1")
        for _round in range(5):
            with ThreadPoolExecutor(max_workers=6) as pool:
                pages = list(pool.map(lambda _: visitor.get(order_page), range(12)))
            assert all(page.status_code == 200 for page in pages)
            assert all("Gants nitrile gunicorn" in page.text for page in pages)
            if len({pid for pid, _ in server.answers("GET", order_page)}) == 2:
                break
        assert len({pid for pid, _ in server.answers("GET", order_page)}) == 2

        assert Visitor(server, "203.0.113.1").request_account(account_page, "a@example.org") == 303
        assert PublicAccountRequest.objects.count() == 1

        # The same email from other addresses, on fresh connections at once: refused by both.
        def again(index: int) -> int:
            return Visitor(server, f"203.0.113.{10 + index}").request_account(
                account_page, "a@example.org"
            )

        refusals: list[int] = []
        for _round in range(5):
            with ThreadPoolExecutor(max_workers=4) as pool:
                assert list(pool.map(again, range(8))) == [429] * 8
            refusals = [pid for pid, code in server.answers("POST", account_page) if code == 429]
            if len(set(refusals)) == 2:
                break
        assert len(set(refusals)) == 2, "the refusals were not answered by both workers"
        assert PublicAccountRequest.objects.count() == 1
        # Another email from the first address: its address slot is taken too.
        assert Visitor(server, "203.0.113.1").request_account(account_page, "b@example.org") == 429

        # Refused submissions burn nothing: the same visitor then gets through.
        visitor = Visitor(server, "203.0.113.99")
        assert visitor.request_account(account_page, "not-an-email") == 200
        executable = {"documents-other": ("setup.exe", b"MZ\x90\x00", "application/octet-stream")}
        assert visitor.request_account(account_page, "c@example.org", files=executable) == 200
        assert visitor.request_account(account_page, "c@example.org") == 303
        assert PublicAccountRequest.objects.count() == 2


def test_zero_lets_every_request_through(tmp_path):
    link = PublicOrderLink.objects.create(label="Partenaires")
    account_page = reverse("scan:public_order_account", args=[link.token])

    with gunicorn(tmp_path, throttle_seconds=0) as server:
        statuses = [
            Visitor(server, "203.0.113.1").request_account(account_page, "a@example.org")
            for _ in range(3)
        ]

    assert statuses == [303, 303, 303]
    assert PublicAccountRequest.objects.count() == 3
