"""`make bench`: seed, serve, load, measure; print a table and write bench/results.json.

    python -m bench.run [--db sqlite|mysql|both] [--scale small|medium|full]
                        [--duration 30] [--concurrency 4] [--emails 500] [--reuse | --keep]

For each database (docs/performance.md describes the method):

1. a fresh database (a SQLite file in a temporary folder; the MariaDB database
   `test_asf_bench_<scale>` dropped and created with the `asf` user), `migrate`, then
   `manage.py seed_bench --scale …`, and `collectstatic`, all with
   DJANGO_SETTINGS_MODULE=bench.settings;
2. gunicorn (2 workers, a free loopback port, no control socket, no access log) with the
   production settings: DEBUG off, static files by whitenoise, rate limits raised by their settings,
   plain HTTP on 127.0.0.1;
3. `hey` (GET) or `wrk` + bench/capture.lua (capture POSTs) at the given concurrency and duration
   for each request, after a login done over HTTP; p50 / p95 and the ratio of p50 to the floor
   view's p50 of the same run; queries per request counted apart (bench.probe);
4. the email queue against the fake Brevo server (tests/fakes/brevo.py, its own process) with
   50 ms latency: 500 emails queued, `process_email_queue --limit=500`; events per second of the
   run as it measured itself (its `queue_run` log line), and of the process (start-up included);
   duplicate deliveries;
5. page weight (bench.weight) and the offline catalogue's gzip size.

`--reuse` keeps the seeded database between runs (same database and scale) and reuses it;
`--keep` seeds afresh but keeps it. Without them the database is removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import secrets
import shutil
import socket
import subprocess  # nosec B404: our own manage.py, gunicorn and load tools
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import loadgen, weight
from tests.fakes.brevo import STATS_PATH

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
STATE_ROOT = Path(tempfile.gettempdir()) / "asf-wms-bench"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

GET_REQUESTS = [
    "floor",
    "scan_stock_search",
    "product_detail",
    "cartons_list",
    "shipment_detail",
    "api_products",
    "api_products_page",
    "api_lots",
]
API_REQUESTS = {"api_products", "api_products_page", "api_lots"}
ORDER = [
    "floor",
    "scan_stock_search",
    "product_detail",
    "capture_post",
    "cartons_list",
    "shipment_detail",
    "api_products",
    "api_products_page",
    "api_lots",
]

# Issue 12 targets at full scale on a 2-core machine.
TARGET_RATIO_GET = 3.0
TARGET_RATIO_POST = 4.0
TARGET_P95_MS = 100.0
TARGET_QUEUE_PER_S = 150.0
TARGET_FIRST_LOAD = 80 * 1024
TARGET_CATALOG = 300 * 1024
QUEUE_LATENCY_S = 0.050
QUEUE_LIMIT = 500
BREVO_KEY = "bench-brevo-key"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- databases ----------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # "sqlite" | "mysql"
    scale: str
    state: Path = field(init=False)

    def __post_init__(self) -> None:
        self.state = STATE_ROOT / f"{self.kind}-{self.scale}"

    @property
    def mysql_name(self) -> str:
        return f"test_asf_bench_{self.scale}"

    @property
    def marker(self) -> Path:
        return self.state / "seeded.json"

    @property
    def credentials(self) -> Path:
        """The logins, API key and samples `seed_bench --credentials` writes (mode 0600)."""
        return self.state / "credentials.json"

    def mysql_params(self) -> dict[str, Any]:
        return {
            "host": os.environ.get("DB_HOST", "127.0.0.1"),
            "port": int(os.environ.get("DB_PORT", "3306")),
            "user": os.environ.get("DB_USER", "asf"),
            "password": os.environ.get("DB_PASSWORD", "asf"),
        }

    def env(self) -> dict[str, str]:
        if self.kind == "sqlite":
            return {"DB_NAME": "", "BENCH_SQLITE_PATH": str(self.state / "db.sqlite3")}
        params = self.mysql_params()
        return {
            "DB_NAME": self.mysql_name,
            "DB_ENGINE": "django.db.backends.mysql",
            "DB_HOST": params["host"],
            "DB_PORT": str(params["port"]),
            "DB_USER": params["user"],
            "DB_PASSWORD": params["password"],
            "BENCH_SQLITE_PATH": "",
        }

    def _mysql(self, *statements: str) -> None:
        import MySQLdb

        connection = MySQLdb.connect(**self.mysql_params())
        try:
            cursor = connection.cursor()
            for statement in statements:
                cursor.execute(statement)
        finally:
            connection.close()

    def _mysql_exists(self) -> bool:
        import MySQLdb

        connection = MySQLdb.connect(**self.mysql_params())
        try:
            cursor = connection.cursor()
            cursor.execute("SHOW DATABASES LIKE %s", [self.mysql_name])
            return cursor.fetchone() is not None
        finally:
            connection.close()

    def seeded(self) -> bool:
        if not self.marker.is_file():
            return False
        return self.kind == "sqlite" or self._mysql_exists()

    def create(self) -> None:
        self.drop()
        self.state.mkdir(parents=True)
        if self.kind == "mysql":
            self._mysql(
                f"CREATE DATABASE `{self.mysql_name}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )

    def drop(self) -> None:
        if self.kind == "mysql":
            self._mysql(f"DROP DATABASE IF EXISTS `{self.mysql_name}`")
        shutil.rmtree(self.state, ignore_errors=True)


# --- the Django side ----------------------------------------------------------------------------


@dataclass
class Run:
    db: Database
    env: dict[str, str]
    log_dir: Path

    def manage(self, *args: str, extra_env: dict[str, str] | None = None) -> str:
        return self.python("manage.py", *args, extra_env=extra_env)

    def python(self, *args: str, extra_env: dict[str, str] | None = None) -> str:
        return self.completed(*args, extra_env=extra_env).stdout

    def completed(
        self, *args: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(  # nosec B603
            [PYTHON, *args],
            cwd=ROOT,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(
                f"bench: {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
            )
        return done

    def probe(self, *args: str) -> dict[str, Any]:
        output = self.python("-m", "bench.probe", *args)
        return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def base_env(db: Database) -> dict[str, str]:
    """The environment of every process of a run: production settings (DEBUG off, no .env),
    plain HTTP on loopback, rate limits raised, the run's database and static folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "DJANGO_", "BREVO_", "LEGACY_", "EMAIL_"))
        and key not in {"TEST_DB_ENGINE", "ENV_FILE", "INTEGRATION_API_KEY"}
    }
    env.update(
        {
            "ENV_FILE": "",  # never the developer's .env
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "API_THROTTLE_RATE_KEY": "10000000/min",
            "API_THROTTLE_RATE_USER": "10000000/min",
            "LOG_LEVEL": "WARNING",
            "BENCH_STATIC_ROOT": str(db.state / "static"),
            **db.env(),
        }
    )
    return env


def seed(run: Run, scale: str) -> None:
    started = time.monotonic()
    log(f"{run.db.kind}: migrate")
    run.manage("migrate", "--noinput")
    log(f"{run.db.kind}: seed_bench --scale {scale}")
    run.manage(
        "seed_bench",
        "--scale",
        scale,
        # One argument: a generated password may start with "-", which argparse would take for
        # an option.
        f"--password={secrets.token_urlsafe(16)}",
        "--credentials",
        str(run.db.credentials),
    )
    run.db.marker.write_text(json.dumps({"scale": scale, "seconds": time.monotonic() - started}))
    log(f"{run.db.kind}: seeded in {time.monotonic() - started:.0f} s")


# --- the server ---------------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(run: Run) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = run.db.state / "gunicorn.log"  # kept with the database (--keep, --reuse)
    with server_log.open("wb") as output:
        process = subprocess.Popen(  # nosec B603
            [
                GUNICORN,
                "project.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "120",
                "--no-control-socket",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=run.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"bench: gunicorn exited:\n{server_log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("bench: gunicorn did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Session:
    cookie: str  # the Cookie header: sessionid and csrftoken
    csrf_token: str
    opener: urllib.request.OpenerDirector


def login(base: str, paths: dict[str, str], username: str, password: str) -> Session:
    """Log in through the scan login form, as a phone does."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + paths["login"], timeout=30) as answer:
        answer.read()
    csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf}
    ).encode()
    with opener.open(base + paths["login"], data=form, timeout=30) as answer:
        answer.read()
        if urllib.parse.urlparse(answer.geturl()).path != paths["scan_home"]:
            raise SystemExit(f"bench: the login did not reach the scan home ({answer.geturl()})")
    cookies = {cookie.name: cookie.value or "" for cookie in jar}
    if "sessionid" not in cookies:
        raise SystemExit("bench: no session cookie after the login")
    header = f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"
    return Session(header, cookies["csrftoken"], opener)


def fetch(session: Session, url: str) -> bytes:
    with session.opener.open(url, timeout=60) as answer:
        return answer.read()  # type: ignore[no-any-return]


# --- measurements -------------------------------------------------------------------------------


def measure_http(
    run: Run, info: dict[str, Any], *, duration: int, concurrency: int
) -> tuple[dict[str, loadgen.Latency], dict[str, int]]:
    paths = info["paths"]
    latencies: dict[str, loadgen.Latency] = {}
    with gunicorn(run) as base:
        session = login(base, paths, info["username"], info["password"])
        browser = {"Cookie": session.cookie}
        api = {"Authorization": f"Api-Key {info['api_key']}"}
        for name in GET_REQUESTS:
            url = base + paths[name]
            headers = api if name in API_REQUESTS else browser
            fetch_once(url, headers)  # warms both workers' caches a little, checks the 200
            log(f"{run.db.kind}: {name} ({duration} s)")
            latencies[name] = loadgen.hey(
                url, headers=headers, duration=duration, concurrency=concurrency
            )
            if name == "floor":
                # The capture POSTs right after the floor: the same server state for both.
                log(f"{run.db.kind}: capture_post ({duration} s)")
                from bench.probe import capture_bodies

                bodies = capture_bodies(info["capture"])
                latencies["capture_post"] = loadgen.wrk_captures(
                    base,
                    cookie=session.cookie,
                    csrf_token=session.csrf_token,
                    captures=[
                        (paths["capture_receive"], bodies["capture_receive"]),
                        (paths["capture_remove"], bodies["capture_remove"]),
                    ],
                    duration=duration,
                    concurrency=concurrency,
                )
        catalog = fetch(session, base + paths["catalog"])
        weights = page_weight(base, info["username"], info["password"])
    return latencies, {"catalog_gzip_bytes": weight.gzip_size(catalog), **weights}


def fetch_once(url: str, headers: dict[str, str]) -> None:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310
        answer.read()
        if answer.status != 200:
            raise SystemExit(f"bench: GET {url} answered {answer.status}")


def page_weight(base: str, username: str, password: str) -> dict[str, int]:
    """First load and repeat load of the scan home in chromium (bench.weight, shared with the
    CI gate e2e/test_page_weight.py), against this run's gunicorn."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=weight.CHROMIUM_ARGS,
        )
        try:
            measured = weight.measure_scan_home(browser, base, username, password)
        finally:
            browser.close()
    return {
        "first_load_gzip_bytes": measured.first_load_gzip_bytes,
        "repeat_load_static_bytes": measured.repeat_load_static_bytes,
    }


@contextlib.contextmanager
def fake_brevo(run: Run) -> Iterator[str]:
    """The fake Brevo server (tests/fakes/brevo.py) in a process of its own, answering after
    50 ms: it gets a core's worth of time the way a remote API would, not a share of ours."""
    fake = subprocess.Popen(  # nosec B603: our own module
        [PYTHON, "-m", "tests.fakes.brevo", "--port", "0", "--api-key", BREVO_KEY,
         "--latency-ms", str(QUEUE_LATENCY_S * 1000)],
        cwd=ROOT, env=run.env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first_line = fake.stdout.readline().strip() if fake.stdout else ""
        if not first_line.startswith("BREVO_API_URL="):
            raise SystemExit(f"bench: the fake Brevo server did not start: {first_line!r}")
        yield first_line.removeprefix("BREVO_API_URL=")
    finally:
        fake.terminate()
        fake.wait(timeout=30)


def fake_brevo_stats(base_url: str) -> dict[str, Any]:
    stats_url = urllib.parse.urljoin(base_url, STATS_PATH)
    with urllib.request.urlopen(stats_url, timeout=30) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())  # type: ignore[no-any-return]


@dataclass
class QueueResult:
    events: int
    run_seconds: float  # as the runs measured themselves (their `queue_run` log lines)
    wall_seconds: float  # from each process's start to its exit
    duplicates: int

    @property
    def per_second(self) -> float:
        return self.events / self.run_seconds

    @property
    def per_second_with_start_up(self) -> float:
        return self.events / self.wall_seconds


def queue_run_seconds(stderr: str) -> float:
    """The `seconds` of the run's `queue_run` log line (JSON on stderr at LOG_LEVEL=INFO)."""
    for line in stderr.splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict) and entry.get("event") == "queue_run":
                return float(entry["seconds"])
    raise SystemExit(f"bench: process_email_queue logged no queue_run line:\n{stderr[-2000:]}")


def measure_queue(run: Run, *, emails: int, workers: int | None) -> QueueResult:
    """`process_email_queue --limit=500` runs against the fake Brevo server answering after
    50 ms until the queued emails are sent: the events per second of the runs (as each measured
    itself) and of the processes (start-up included), and the duplicate deliveries."""
    run.probe("enqueue", str(emails))
    with fake_brevo(run) as base_url:
        brevo = {
            "BREVO_API_KEY": BREVO_KEY,
            "BREVO_API_URL": base_url,
            "BREVO_SENDER_EMAIL": "bench@example.org",
            "LOG_LEVEL": "INFO",
        }
        if workers is not None:
            brevo["EMAIL_QUEUE_WORKERS"] = str(workers)
        wall = measured = 0.0
        taken = 0
        while taken < emails:  # no run is timed for finding the queue empty
            started = time.monotonic()
            done = run.completed(
                "manage.py", "process_email_queue", f"--limit={QUEUE_LIMIT}", extra_env=brevo
            )
            wall += time.monotonic() - started
            measured += queue_run_seconds(done.stderr)
            selected = int(done.stdout.split("selected=")[1].split()[0])
            if not selected:
                break  # nothing left that is due: the check below names what is missing
            taken += selected
        stats = fake_brevo_stats(base_url)
    duplicates = sum(count - 1 for count in stats["duplicates"].values())
    if stats["events"] < emails:
        raise SystemExit(f"bench: only {stats['events']} of {emails} emails reached the fake")
    result = QueueResult(stats["events"], measured, wall, duplicates)
    log(f"{run.db.kind}: queue {stats['accepted']} deliveries, runs {measured:.2f} s, processes "
        f"{wall:.2f} s, {duplicates} duplicates")  # fmt: skip
    return result


def run_database(
    db: Database, args: argparse.Namespace, log_dir: Path
) -> tuple[dict[str, Any], int, dict[str, int]]:
    """The run's entry of results.json, the duplicate deliveries of the queue test, and the
    failed requests by name (the gunicorn log is kept with the database)."""
    run = Run(db, {}, log_dir)
    reuse = args.reuse and db.seeded()
    if not reuse:
        db.create()
    run.env = base_env(db)
    if not reuse:
        seed(run, args.scale)
    else:
        log(f"{db.kind}: reusing the seeded database in {db.state}")
    log(f"{db.kind}: collectstatic")
    run.manage("collectstatic", "--noinput", "--verbosity", "0")
    info = run.probe("prepare", "--credentials", str(db.credentials))
    log(f"{db.kind}: scale {info['scale']}")
    queries = run.probe("queries", "--credentials", str(db.credentials))
    latencies, sizes = measure_http(run, info, duration=args.duration, concurrency=args.concurrency)
    queue = measure_queue(run, emails=args.emails, workers=args.email_workers)
    floor = latencies["floor"].p50_ms
    requests = {
        name: {
            "p50_ms": round(latencies[name].p50_ms, 2),
            "p95_ms": round(latencies[name].p95_ms, 2),
            "ratio_p50": round(latencies[name].p50_ms / floor, 2),
            "queries": queries[name],
        }
        for name in ORDER
    }
    result = {
        "db": db.kind,
        "scale": info["scale"],
        "requests": requests,
        "queue_events_per_s": round(queue.per_second, 1),
        "queue_events_per_s_with_start_up": round(queue.per_second_with_start_up, 1),
        "first_load_gzip_bytes": sizes["first_load_gzip_bytes"],
        "repeat_load_static_bytes": sizes["repeat_load_static_bytes"],
        "catalog_gzip_bytes": sizes["catalog_gzip_bytes"],
    }
    failures = {name: value for name, value in latencies.items() if value.failed}
    for name, value in failures.items():
        log(f"{db.kind}: {name}: {value.failed} of {value.requests} failed: {value.first_failure}")
    return result, queue.duplicates, {name: value.failed for name, value in failures.items()}


# --- report -------------------------------------------------------------------------------------


def misses(result: dict[str, Any], duplicates: int, failed: dict[str, int]) -> list[str]:
    found = [f"{name}: {count} requests failed (gunicorn.log)" for name, count in failed.items()]
    for name, row in result["requests"].items():
        if name == "floor":
            continue
        limit = TARGET_RATIO_POST if name == "capture_post" else TARGET_RATIO_GET
        if row["ratio_p50"] > limit:
            found.append(f"{name}: p50 {row['ratio_p50']}× the floor (target ≤ {limit}×)")
    for name, row in result["requests"].items():
        if row["p95_ms"] > TARGET_P95_MS:
            found.append(f"{name}: p95 {row['p95_ms']} ms (target ≤ {TARGET_P95_MS:.0f} ms)")
    if result["queue_events_per_s"] < TARGET_QUEUE_PER_S:
        found.append(f"queue: {result['queue_events_per_s']} events/s (target ≥ 150)")
    if duplicates:
        found.append(f"queue: {duplicates} duplicate deliveries (target 0)")
    if result["first_load_gzip_bytes"] > TARGET_FIRST_LOAD:
        found.append(f"first load: {result['first_load_gzip_bytes']} B gzip (target ≤ 80 KB)")
    if result["repeat_load_static_bytes"]:
        found.append(f"repeat load: {result['repeat_load_static_bytes']} B static (target 0)")
    if result["catalog_gzip_bytes"] > TARGET_CATALOG:
        found.append(f"catalogue: {result['catalog_gzip_bytes']} B gzip (target ≤ 300 KB)")
    return found


def table(result: dict[str, Any], duplicates: int, failed: dict[str, int]) -> str:
    scale = ", ".join(f"{value:,} {name}" for name, value in result["scale"].items())
    lines = [
        f"{result['db']} — {scale}",
        f"{'request':<20} {'p50 ms':>8} {'p95 ms':>8} {'p50/floor':>10} {'queries':>8}",
    ]
    for name, row in result["requests"].items():
        lines.append(
            f"{name:<20} {row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} "
            f"{row['ratio_p50']:>9.2f}× {row['queries']:>8}"
        )
    lines += [
        f"queue: {result['queue_events_per_s']} events/s ("
        f"{result['queue_events_per_s_with_start_up']} with the process start-up), "
        f"{duplicates} duplicates",
        f"first load {result['first_load_gzip_bytes']:,} B gzip · repeat load "
        f"{result['repeat_load_static_bytes']:,} B static · catalogue "
        f"{result['catalog_gzip_bytes']:,} B gzip",
    ]
    missed = misses(result, duplicates, failed)
    lines += [f"MISSED {line}" for line in missed] if missed else ["every target met"]
    return "\n".join(lines)


def write_results(path: Path, results: list[dict[str, Any]]) -> None:
    """Replace this invocation's databases in the file, keep the others' last runs."""
    previous: list[dict[str, Any]] = []
    if path.is_file():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            previous = json.loads(path.read_text())["runs"]
    measured = {result["db"] for result in results}
    runs = [run for run in previous if run.get("db") not in measured] + results
    runs.sort(key=lambda run: ["sqlite", "mysql"].index(run["db"]))
    path.write_text(json.dumps({"runs": runs}, indent=2) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "mysql", "both"], default="both")
    parser.add_argument("--scale", choices=["small", "medium", "full"], default="full")
    parser.add_argument("--duration", type=int, default=30, help="seconds per request (30)")
    parser.add_argument("--concurrency", type=int, default=4, help="parallel clients (4)")
    parser.add_argument("--emails", type=int, default=QUEUE_LIMIT, help="emails queued (500)")
    parser.add_argument(
        "--email-workers",
        type=int,
        default=None,
        help="EMAIL_QUEUE_WORKERS (the settings' default)",
    )
    keep = parser.add_mutually_exclusive_group()
    keep.add_argument("--reuse", action="store_true", help="reuse (and keep) a seeded database")
    keep.add_argument("--keep", action="store_true", help="seed afresh and keep the database")
    parser.add_argument("--output", type=Path, default=RESULTS, help="bench/results.json")
    args = parser.parse_args(argv)
    loadgen.require_tools()
    kinds = ["sqlite", "mysql"] if args.db == "both" else [args.db]
    results: list[tuple[dict[str, Any], int, dict[str, int]]] = []
    with tempfile.TemporaryDirectory(prefix="asf-bench-logs-") as logs:
        for kind in kinds:
            db = Database(kind, args.scale)
            try:
                results.append(run_database(db, args, Path(logs)))
            finally:
                if not (args.reuse or args.keep):
                    db.drop()
            # Written after each database: a failure of the next one keeps this one's numbers.
            write_results(args.output, [results[-1][0]])
            print(table(*results[-1]), file=sys.stderr)
    print()
    for result, duplicates, failed in results:
        print(table(result, duplicates, failed))
        print()
    print(f"written: {args.output}")


if __name__ == "__main__":
    main()
