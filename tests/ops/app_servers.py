"""Several app servers of this project on one database, as docs/scaling.md describes them.

Each server is its own copy of the project (its own checkout, as on another machine: nothing is
shared through the working tree), configured only through the environment as a production server
is (the real settings module, DEBUG off, `collectstatic` run in its copy), served by gunicorn
with its own workers, port, logs and control socket. What the servers share is the database —
and MEDIA_ROOT, the one directory docs/scaling.md says must be shared by other means.

    with app_servers(tmp_path, connection.settings_dict, API_THROTTLE_RATE_KEY="5/min") as (a, b):
        requests.get(a.url("/healthz"))
        b.manage("process_email_queue")        # the command as cron runs it on that server
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.html_forms import FormParser
from tests.ops.project_copy import clean_env, copy_project

BOOT_TIMEOUT = 60.0  # seconds for a server to answer /healthz (two boot at once on 2 cores)
STOP_TIMEOUT = 15.0
BIN = Path(sys.executable).parent  # the virtualenv running the tests: its gunicorn
SECRET_KEY = "two-servers-test-only-Vb7Qm2Xk9Lp4Rt6Wz1Nc8Hs3Jd5Fg0Ay-not-a-real-key"  # nosec B105
ACCESS_FORMAT = "%(p)s %(s)s %(m)s %(U)s"
ACCESS_LINE = re.compile(r"^<(\d+)> (\d{3}) (\w+) (\S+)$")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(
    database: Mapping[str, Any], *, media_root: Path, **overrides: str
) -> dict[str, str]:
    """A production-like environment (no `.env` file read) on `database` (a Django
    settings_dict): plain HTTP on loopback, so no HTTPS redirect and no Secure-only cookies."""
    return clean_env(
        ENV_FILE="",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        SITE_BASE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        DB_NAME=str(database["NAME"]),
        DB_HOST=str(database["HOST"] or "127.0.0.1"),
        DB_PORT=str(database["PORT"] or "3306"),
        DB_USER=str(database["USER"]),
        DB_PASSWORD=str(database["PASSWORD"]),
        MEDIA_ROOT=str(media_root),
        # Behind a load balancer: the client address is the one it appends to X-Forwarded-For.
        TRUSTED_PROXY_COUNT="1",
        **overrides,
    )


@dataclass
class AppServer:
    name: str
    project: Path
    port: int
    env: dict[str, str]
    control_socket: Path
    access_log: Path
    error_log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "manage.py", *args]

    def manage(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """A management command on this server: its copy, its environment."""
        return subprocess.run(
            self.command(*args),
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start_command(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            cwd=self.project,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def answers(self, method: str = "", path: str = "") -> list[tuple[int, int]]:
        """(worker pid, status) of each request in the access log, for one method and path."""
        found = []
        for line in self.access_log.read_text().splitlines():
            match = ACCESS_LINE.match(line.strip())
            if match and (not method or match[3] == method) and (not path or match[4] == path):
                found.append((int(match[1]), int(match[2])))
        return found

    def control(self, command: str) -> Any:
        """A `gunicornc` command through this server's own control socket (JSON answer)."""
        result = subprocess.run(
            [str(BIN / "gunicornc"), "-s", str(self.control_socket), "-c", command, "-j"],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def gunicorn_command(self, workers: int) -> list[str]:
        return [
            str(BIN / "gunicorn"), "project.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            "--timeout", "60",
            "--graceful-timeout", "5",
            # One control socket per instance: the default path is per user, and a second
            # gunicorn of that user would take it over (and remove it when it stops).
            "--control-socket", str(self.control_socket),
            "--access-logfile", str(self.access_log),
            "--access-logformat", ACCESS_FORMAT,
            "--error-logfile", str(self.error_log),
        ]  # fmt: skip

    def start(self, workers: int) -> None:
        self.access_log.touch()
        self.process = subprocess.Popen(
            self.gunicorn_command(workers),
            cwd=self.project,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() reaches every worker
        )

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise AssertionError(f"gunicorn {self.name} exited: {self.log_tail()}")
            try:
                if requests.get(self.url("/healthz"), timeout=10).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.1)
        raise AssertionError(f"gunicorn {self.name} did not answer /healthz: {self.log_tail()}")

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        self.process = None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
        # Workers orphaned by a master that died are in the group the master led.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    def check_control_socket(self, workers: int) -> None:
        """Its control socket reaches this server (its port, its workers), not another one."""
        listeners = self.control("show listeners")["listeners"]
        assert [item["address"] for item in listeners] == [self.base], listeners
        assert self.control("show workers")["count"] == workers

    def log_tail(self) -> str:
        return self.error_log.read_text()[-3000:] if self.error_log.exists() else ""


def prepare(root: Path, name: str, env: dict[str, str]) -> tuple[AppServer, subprocess.Popen[str]]:
    """Copy the project for one server and start its `collectstatic` (the deploy step that the
    manifest storage of a DEBUG-off server needs)."""
    home = root / f"server-{name}"
    project = copy_project(home / "asf-wms")
    server = AppServer(
        name=name,
        project=project,
        port=free_port(),
        env=env,
        control_socket=home / "gunicorn.ctl",
        access_log=home / "access.log",
        error_log=home / "error.log",
    )
    return server, server.start_command("collectstatic", "--noinput", "-v0")


@contextmanager
def app_servers(
    root: Path,
    database: Mapping[str, Any],
    *,
    count: int = 2,
    workers: int = 2,
    **env: str,
) -> Iterator[list[AppServer]]:
    """`count` gunicorn servers of this project on `database`, stopped on the way out whatever
    happens. `env` adds settings (rates, the mail transport) to every server's environment."""
    media = root / "shared-media"
    media.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        servers: list[AppServer] = []
        collects = []
        for index in range(count):
            server, collect = prepare(
                root, chr(ord("a") + index), server_env(database, media_root=media, **env)
            )
            servers.append(server)
            collects.append(collect)
        for collect in collects:
            out, err = collect.communicate(timeout=180)
            assert collect.returncode == 0, f"collectstatic: {out}\n{err}"
        for server in servers:
            stack.callback(server.stop)
            server.start(workers)
        for server in servers:
            server.wait_until_up()
            server.check_control_socket(workers)
        yield servers


# --- a browser, a phone, an API client ---------------------------------------------------------


class Browser:
    """One browser behind the load balancer: its cookies (sent to whichever server answers, as a
    browser sends them to the one site), its client address."""

    def __init__(self, address: str) -> None:
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = address

    def twin(self) -> Browser:
        """Another connection of the same browser (its cookies, its address), for a request
        sent while this one is busy: a requests session is not shared between threads."""
        twin = Browser(str(self.session.headers["X-Forwarded-For"]))
        twin.session.cookies.update(self.session.cookies)
        return twin

    def get(self, server: AppServer, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(server.url(path), timeout=30, allow_redirects=False, **kwargs)

    def post(self, server: AppServer, path: str, **kwargs: Any) -> requests.Response:
        return self.session.post(server.url(path), timeout=30, allow_redirects=False, **kwargs)

    def csrf_token(self, page: requests.Response) -> str:
        found = CSRF_INPUT.search(page.text)
        assert found is not None, page.text[-500:]
        return found[1]

    def submit(
        self, server: AppServer, path: str, fields: dict[str, str], **kwargs: Any
    ) -> requests.Response:
        """Load the form from `server`, post it back there with its CSRF token."""
        page = self.get(server, path)
        assert page.status_code == 200, (page.status_code, page.text[-500:])
        return self.post(
            server,
            path,
            data={"csrfmiddlewaretoken": self.csrf_token(page), **fields},
            **kwargs,
        )

    def hidden_fields(self, page: requests.Response, action: str) -> dict[str, str]:
        parser = FormParser()
        parser.feed(page.text)
        forms = [
            form
            for form in parser.forms
            if form["attrs"].get("action") == action and form["attrs"].get("method") == "post"
        ]
        assert len(forms) == 1, f"one form posting to {action}"
        return dict(forms[0]["hidden"])

    @property
    def csrf_cookie(self) -> str:
        return str(self.session.cookies.get("csrftoken", ""))
