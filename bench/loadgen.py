"""The load generators of a run: Debian's `hey` for GET requests (every latency, from its CSV
output) and `wrk` with bench/capture.lua for the capture POSTs (each request built with its own
operation id; percentiles from wrk's latency histogram)."""

from __future__ import annotations

import csv
import io
import json
import math
import secrets
import shutil
import subprocess  # nosec B404: fixed tools on loopback URLs
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

CAPTURE_SCRIPT = Path(__file__).with_name("capture.lua")


class LoadError(RuntimeError):
    pass


@dataclass(frozen=True)
class Latency:
    requests: int
    p50_ms: float
    p95_ms: float
    failed: int = 0  # answers other than 2xx / 3xx (the run reports them as a miss)
    first_failure: str = ""


def require_tools() -> None:
    missing = [tool for tool in ("hey", "wrk") if shutil.which(tool) is None]
    if missing:
        raise LoadError(
            f"{' and '.join(missing)} not found: apt-get update && apt-get install -y hey wrk"
        )


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (what hey's own summary and wrk's histogram report)."""
    if not sorted_values:
        raise LoadError("no latency recorded")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def hey(url: str, *, headers: dict[str, str], duration: int, concurrency: int) -> Latency:
    """GET `url` for `duration` seconds from `concurrency` workers; every answer must be 200."""
    command = ["hey", "-z", f"{duration}s", "-c", str(concurrency), "-o", "csv"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    done = subprocess.run(  # nosec B603
        command, capture_output=True, text=True, timeout=duration + 120, check=False
    )
    if done.returncode != 0:
        raise LoadError(f"hey failed ({done.returncode}): {done.stderr[-500:]}")
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    for row in csv.DictReader(io.StringIO(done.stdout)):
        latencies.append(float(row["response-time"]) * 1000)
        statuses[row["status-code"]] += 1
    if not latencies:
        raise LoadError(f"hey recorded no answer for {url}: {done.stderr[-500:]}")
    if set(statuses) != {"200"}:
        raise LoadError(f"GET {url}: statuses {dict(statuses)} (expected only 200)")
    latencies.sort()
    return Latency(len(latencies), percentile(latencies, 0.50), percentile(latencies, 0.95))


def wrk_captures(
    base_url: str,
    *,
    cookie: str,
    csrf_token: str,
    captures: list[tuple[str, dict[str, object]]],
    duration: int,
    concurrency: int,
) -> Latency:
    """POST the captures (alternating) for `duration` seconds on `concurrency` connections,
    each request with a fresh operation id; answers other than 2xx / 3xx are counted (and the
    first one kept) for the report."""
    args = [secrets.token_hex(4), cookie, csrf_token]
    for path, fields in captures:
        body = urlencode({**fields, "csrfmiddlewaretoken": csrf_token, "op_id": "OPID"})
        args += [path, body]
    threads = min(concurrency, 2)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(CAPTURE_SCRIPT),
        base_url,
        "--",
        *args,
    ]
    done = subprocess.run(  # nosec B603
        command, capture_output=True, text=True, timeout=duration + 120, check=False
    )
    if done.returncode != 0:
        raise LoadError(f"wrk failed ({done.returncode}): {done.stderr[-500:]}")
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("{")), None)
    if line is None:
        raise LoadError(f"wrk printed no summary: {done.stdout[-500:]}")
    summary = json.loads(line)
    failed = summary["non_2xx_3xx"] + summary["socket_errors"]
    first = next((ln for ln in done.stderr.splitlines() if ln.startswith("refused:")), "")
    return Latency(
        summary["requests"],
        summary["p50_us"] / 1000,
        summary["p95_us"] / 1000,
        failed=failed,
        first_failure=first[:200],
    )
