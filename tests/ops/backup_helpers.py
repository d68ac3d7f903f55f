"""What the backup tests share: the runbook's backup commands (read from the runbook when it is
beside the clone, and from `docs/operations.md` section 11), a project copy served by gunicorn
on its own database, API clients that keep writing stock movements while a backup is taken, and
a runner that answers the `-p` password prompt of the MariaDB clients through a pseudo-terminal.
"""

from __future__ import annotations

import http.client
import json
import os
import pty
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.ops.project_copy import ROOT, clean_env, copy_project, manage, production_sample

RUNBOOK_CANDIDATES = [
    ROOT.parent / "shared" / "seed" / "operations-runbook.md",
    ROOT.parent / "shared" / "operations-runbook.md",
]
GUIDE = ROOT / "docs" / "operations.md"

# The runbook's section 7, verbatim (the committed copy for clones without ../shared beside
# them; when the runbook is there, its text must still match).
SQLITE_BACKUP = "sqlite3 db.sqlite3 \".backup 'db-backup.sqlite3'\""
MYSQL_DUMP = 'mysqldump -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" -p "$DB_NAME" > asf_wms.sql'
MYSQL_RESTORE = 'mysql -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" -p "$DB_NAME" < asf_wms.sql'
RUNBOOK_COMMANDS = (SQLITE_BACKUP, MYSQL_DUMP, MYSQL_RESTORE)

# What our guide adds around them (section 11 of docs/operations.md), run as written.
LOAD_ENV = "set -a; . ./.env; set +a"
SQLITE_RESTORE = (
    "rm -f db.sqlite3-wal db.sqlite3-shm",
    "cp db-backup.sqlite3 db.sqlite3",
    'sqlite3 db.sqlite3 "PRAGMA integrity_check"',
)
MYSQL_CREATE = (
    'mysql -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" -p '
    '-e "CREATE DATABASE $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"'
)
LEDGER_CHECK = ".venv/bin/python manage.py check_stock_ledger"
MIGRATE_CHECK = ".venv/bin/python manage.py migrate --check"
GUIDE_LINES = (
    LOAD_ENV,
    *RUNBOOK_COMMANDS,
    *SQLITE_RESTORE,
    MYSQL_CREATE,
    LEDGER_CHECK,
    MIGRATE_CHECK,
)

PASSWORD_PROMPT = b"Enter password:"
LEDGER_CLEAN = re.compile(r"^check_stock_ledger: (\d+) lots checked, 0 discrepancies$", re.M)
MARKER_NOTE = "marqueur de sauvegarde"
# Every request the writers send: production settings behind a TLS proxy.
HEADERS = {"Host": "localhost", "X-Forwarded-Proto": "https"}


# --- the commands, from the runbook and from our guide ----------------------------------------


def code_lines(markdown: str) -> list[str]:
    """The lines of the fenced code blocks, without trailing `# comments`."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", markdown, re.M | re.S)
    lines = []
    for block in blocks:
        for line in block.splitlines():
            lines.append(re.sub(r"\s+# .*$", "", line).strip())
    return lines


def runbook_commands() -> tuple[str, ...]:
    """Section 7 of the runbook when it is beside the clone (it must not have drifted from the
    committed copy), else the committed copy."""
    runbook = next((path for path in RUNBOOK_CANDIDATES if path.is_file()), None)
    if runbook is None:
        return RUNBOOK_COMMANDS
    section = re.search(r"^## 7\)[^\n]*\n(.*?)^## ", runbook.read_text(), re.M | re.S)
    assert section, f"section 7 not found in {runbook}"
    lines = tuple(line for line in code_lines(section.group(1)) if line)
    assert lines == RUNBOOK_COMMANDS, "the runbook changed: update RUNBOOK_COMMANDS"
    return lines


def guide_section() -> str:
    text = GUIDE.read_text()
    section = re.search(r"^## 11\. Backups and restores\n(.*?)^## ", text, re.M | re.S)
    assert section, "section 11 of docs/operations.md not found"
    return section.group(1)


def guide_lines() -> list[str]:
    return code_lines(guide_section())


def manage_args(line: str) -> list[str]:
    """A `.venv/bin/python manage.py …` line of the guide as arguments for `manage` (the copy has
    no virtualenv of its own; the test's interpreter is the project's)."""
    program, script, *args = shlex.split(line)
    assert (program, script) == (".venv/bin/python", "manage.py"), line
    return args


# --- a served copy of the project -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_env(project: Path, **values: str) -> None:
    """The production sample as `.env`, plus `values` (raised API limits, DB_* on MariaDB)."""
    extra = "".join(f"{key}={value}\n" for key, value in values.items())
    (project / ".env").write_text(production_sample().read_text() + extra)


def new_project(destination: Path, **env_values: str) -> Path:
    project = copy_project(destination)
    write_env(project, API_THROTTLE_RATE_KEY="100000/min", **env_values)
    return project


def checked(result: subprocess.CompletedProcess[str], what: str) -> str:
    assert result.returncode == 0, f"{what}: {result.stdout}\n{result.stderr}"
    return result.stdout


SEED_KEY_CODE = """
import json
from django.db.models import F
from wms.models import ApiKey, LotStatus, ProductLot
key = ApiKey(name="sauvegarde", scope_write=True)
raw = key.issue()
key.save()
lots = ProductLot.objects.filter(
    status=LotStatus.AVAILABLE, quantity_on_hand__gte=F("quantity_reserved") + 5
).order_by("pk").values_list("pk", flat=True)[:4]
print(json.dumps({"key": raw, "lots": list(lots)}))
"""

FACTS_CODE = """
import json
from wms.models import StockMovement
ids = list(StockMovement.objects.order_by("pk").values_list("pk", flat=True))
markers = list(StockMovement.objects.filter(notes__startswith=MARKER).values_list("pk", "notes"))
print(json.dumps({"ids": ids, "markers": markers}))
"""


def migrate_and_seed(project: Path) -> tuple[str, list[int]]:
    """`migrate`, the demo data (through the stock services: the ledger is clean), and an API
    key with the write scope; returns the key and a few lots the writers may adjust."""
    checked(manage(project, "migrate", "--noinput"), "migrate")
    # seed_demo refuses DEBUG off; a real variable wins over the .env file.
    checked(manage(project, "seed_demo", env=clean_env(DJANGO_DEBUG="true")), "seed_demo")
    seeded = json.loads(
        checked(manage(project, "shell", "-c", SEED_KEY_CODE), "seed key").splitlines()[-1]
    )
    assert len(seeded["lots"]) == 4, seeded
    return seeded["key"], seeded["lots"]


def movement_facts(project: Path) -> dict[str, list[Any]]:
    """Every movement id of the project's database, and the marker rows (id, notes)."""
    code = f"MARKER = {MARKER_NOTE!r}\n{FACTS_CODE}"
    facts: dict[str, list[Any]] = json.loads(
        checked(manage(project, "shell", "-c", code), "facts").splitlines()[-1]
    )
    return facts


def ledger_check(project: Path) -> str:
    """The guide's ledger line, on the project's database; returns the summary line."""
    lines = guide_lines()
    assert LEDGER_CHECK in lines, LEDGER_CHECK
    output = checked(manage(project, *manage_args(LEDGER_CHECK)), "check_stock_ledger")
    found = LEDGER_CLEAN.search(output)
    assert found, output
    assert int(found.group(1)) > 0, output
    return found.group(0)


@contextmanager
def gunicorn(project: Path, log: Path) -> Iterator[int]:
    """The project served by two gunicorn workers on a free loopback port."""
    port = free_port()
    with log.open("wb") as output:
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
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"gunicorn exited: {log.read_text()}"
            assert time.monotonic() < deadline, "gunicorn did not start listening"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def call(
    port: int, method: str, path: str, key: str, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {**HEADERS, "Authorization": f"Api-Key {key}"}
        payload = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            payload = json.dumps(body)
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        content = response.read()
        return response.status, json.loads(content) if content else {}
    finally:
        connection.close()


def adjust(port: int, key: str, lot: int, delta: int, notes: str = "") -> int:
    """One stock adjustment through the API; returns the id of its (committed) movement."""
    status, answer = call(
        port,
        "POST",
        "/api/v1/stock/adjust/",
        key,
        {"lot_id": lot, "delta": delta, "reason_code": "found" if delta > 0 else "lost"}
        | ({"notes": notes} if notes else {}),
    )
    assert status == 201, (status, answer)
    return int(answer["movement_id"])


@dataclass
class Writers:
    """Threads that post stock adjustments (+1 then −1 on each lot, so stock never runs out)
    until stopped; `acknowledged` holds the movement id of every 201 received."""

    port: int
    key: str
    lots: list[int]
    threads: int = 2
    acknowledged: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers = [
            threading.Thread(target=self._write, args=(n,), daemon=True)
            for n in range(self.threads)
        ]

    def _write(self, n: int) -> None:
        step = 0
        while not self._stop.is_set():
            lot = self.lots[(n + step // 2) % len(self.lots)]
            try:
                movement = adjust(self.port, self.key, lot, 1 if step % 2 == 0 else -1)
            except Exception as error:  # reported when the writers stop
                self.errors.append(repr(error))
                return
            with self._lock:
                self.acknowledged.append(movement)
            step += 1

    def snapshot(self) -> list[int]:
        with self._lock:
            return list(self.acknowledged)

    def wait_for(self, count: int, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while len(self.snapshot()) < count:
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, f"only {len(self.snapshot())} writes"
            time.sleep(0.02)

    def __enter__(self) -> Writers:
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)
        assert not self.errors, self.errors


# --- a terminal for the password prompt -------------------------------------------------------


@dataclass(frozen=True)
class TerminalRun:
    returncode: int
    output: str
    prompts: int


def run_in_terminal(command: str, cwd: Path, password: str, seconds: float = 60) -> TerminalRun:
    """`bash -c command` in a new session whose controlling terminal is a pseudo-terminal: the
    MariaDB clients' `-p` reads the password from /dev/tty (stdin may be a redirected file); the
    password is typed on the terminal each time "Enter password:" appears."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a session leader on the terminal's slave side
        try:
            os.chdir(cwd)
            os.execve("/bin/bash", ["bash", "-c", command], clean_env())  # noqa: S606
        finally:
            os._exit(127)
    output = b""
    prompts = 0
    deadline = time.monotonic() + seconds
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"{command!r} did not finish: {output!r}")
            readable, _, _ = select.select([terminal], [], [], remaining)
            if not readable:
                continue
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # EIO: every process on the terminal has exited
                break
            if not chunk:
                break
            output += chunk
            if output.count(PASSWORD_PROMPT) > prompts:
                prompts += 1
                os.write(terminal, password.encode() + b"\n")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(terminal)
    return TerminalRun(os.waitstatus_to_exitcode(status), output.decode(errors="replace"), prompts)


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
