"""`make audit`: pip-audit on the project's virtualenv, summarised in one honest line.

pip-audit prints "No known vulnerabilities found" even when it could not audit a single package
(no route to a vulnerability database: every package is skipped). This script counts what was
audited, what was skipped and what was found, says so plainly, and always exits 0: the audit is
informational (ARCHITECTURE.md, "Environment notes").
"""

from __future__ import annotations

import json
import subprocess  # nosec B404
import sys
from dataclasses import dataclass, field
from typing import Any

TIMEOUT_SECONDS = 300
PIP_AUDIT_ARGS = ["--local", "--format", "json", "--progress-spinner", "off"]
NETWORK_HINTS = (
    "connectionerror",
    "connection refused",
    "max retries exceeded",
    "name or service not known",
    "temporary failure in name resolution",
    "network is unreachable",
    "read timed out",
    "connecttimeout",
    "proxyerror",
    "sslerror",
)


@dataclass
class Vulnerability:
    package: str
    version: str
    vuln_id: str
    fix_versions: list[str] = field(default_factory=list)


@dataclass
class AuditResult:
    packages: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    vulnerabilities: list[Vulnerability] = field(default_factory=list)


@dataclass
class Run:
    returncode: int | None
    stdout: str
    stderr: str


def run_pip_audit() -> Run:
    """Run pip-audit with this interpreter (the project's .venv) on the installed packages."""
    # A fixed argument list and no shell: nothing here comes from outside.
    command = [sys.executable, "-m", "pip_audit", *PIP_AUDIT_ARGS]
    try:
        done = subprocess.run(  # noqa: S603  # nosec B603
            command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as exc:
        return Run(
            None, _text(exc.stdout), _text(exc.stderr) + f"\ntimed out after {TIMEOUT_SECONDS}s"
        )
    except OSError as exc:
        return Run(None, "", str(exc))
    return Run(done.returncode, done.stdout, done.stderr)


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value or ""


def parse_report(stdout: str) -> AuditResult | None:
    """pip-audit's JSON report, or None when stdout holds no such report."""
    try:
        data: Any = json.loads(stdout)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        return None
    result = AuditResult()
    for dep in data["dependencies"]:
        result.packages += 1
        name = str(dep.get("name", "?"))
        if "skip_reason" in dep:
            result.skipped.append((name, str(dep["skip_reason"])))
            continue
        for vuln in dep.get("vulns") or []:
            result.vulnerabilities.append(
                Vulnerability(
                    package=name,
                    version=str(dep.get("version", "?")),
                    vuln_id=str(vuln.get("id", "?")),
                    fix_versions=[str(v) for v in vuln.get("fix_versions") or []],
                )
            )
    return result


def installed_package_count() -> int | None:
    """How many distributions are installed here (what pip-audit would have had to audit)."""
    from importlib.metadata import distributions

    try:
        return len({(d.metadata["Name"] or "").lower() for d in distributions()})
    except Exception:  # a broken metadata file must not break the report
        return None


def looks_like_network_error(text: str) -> bool:
    lowered = text.lower()
    return any(hint in lowered for hint in NETWORK_HINTS)


def last_lines(text: str, count: int = 5) -> str:
    return "\n".join(text.strip().splitlines()[-count:])


def report_result(result: AuditResult) -> None:
    audited = result.packages - len(result.skipped)
    print(
        f"pip-audit: {result.packages} packages, {len(result.skipped)} could not be audited, "
        f"{len(result.vulnerabilities)} known vulnerabilities"
    )
    if result.skipped:
        name, reason = result.skipped[0]
        print(f"pip-audit: skip reason, e.g. {name}: {reason}")
    if result.packages and audited == 0:
        print(
            "pip-audit: WARNING: no package could be audited (vulnerability service unreachable?): "
            'its "No known vulnerabilities found" means nothing here.'
        )
    elif result.skipped:
        names = ", ".join(name for name, _ in result.skipped[:10])
        more = "" if len(result.skipped) <= 10 else f" and {len(result.skipped) - 10} more"
        print(f"pip-audit: not audited: {names}{more}")
    for vuln in result.vulnerabilities:
        fixes = ", ".join(vuln.fix_versions) or "no fix released"
        print(f"  {vuln.package} {vuln.version}: {vuln.vuln_id} (fixed in: {fixes})")


def report_failure(run: Run) -> None:
    total = installed_package_count()
    packages = "?" if total is None else str(total)
    if run.returncode is None:
        reason = "did not finish"
    elif looks_like_network_error(run.stderr):
        reason = "could not reach the vulnerability service"
    else:
        reason = f"failed (exit {run.returncode}) without a JSON report"
    print(
        f"pip-audit: {reason}: {packages} packages, {packages} (all) could not be audited, "
        "known vulnerabilities: unknown"
    )
    details = last_lines(run.stderr) or last_lines(run.stdout)
    if details:
        print("pip-audit said:")
        print(details)


def main() -> int:
    run = run_pip_audit()
    result = parse_report(run.stdout)
    if result is None:
        report_failure(run)
    else:
        report_result(result)
    print("pip-audit is informational here: exit status 0 whatever the outcome.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
