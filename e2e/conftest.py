"""Browser-test harness (ARCHITECTURE.md): Debian's chromium through pytest-playwright.

CHROMIUM_PATH (default /usr/bin/chromium) is the browser; E2E_REQUIRED=1 turns "absent" into a
failure instead of a skip. Every page collects console errors and CSP violations, and a test
fails when any occurred.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython

from bench.weight import CHROMIUM_ARGS, PHONE

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
E2E_REQUIRED = os.environ.get("E2E_REQUIRED") == "1"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


def chromium_available() -> bool:
    return os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    e2e_items = [item for item in items if here in Path(str(item.fspath)).resolve().parents]
    for item in e2e_items:
        item.add_marker(pytest.mark.e2e)
    if not e2e_items or chromium_available():
        return
    message = f"chromium not found at CHROMIUM_PATH={CHROMIUM_PATH} (apt-get install chromium)"
    if E2E_REQUIRED:
        raise pytest.UsageError(f"E2E_REQUIRED=1 but {message}")
    for item in e2e_items:
        item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM_PATH, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": PHONE, "locale": "fr-FR"}


class PageProblems:
    """Console errors and CSP violations seen by one page."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console_errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.add_init_script(CSP_LISTENER)

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def csp_violations(self) -> list[str]:
        try:
            return list(self.page.evaluate("window.__cspViolations || []"))
        except Exception:  # the page may be closed or mid-navigation at teardown
            return []


@pytest.fixture
def migration_data(transactional_db: None) -> None:
    """Put back the rows that data migrations create (groups, permissions, sequence rows).

    Live-server tests flush the database after each test. Serialized rollback cannot restore
    those rows here: once Playwright's event loop runs, Django gives this thread a fresh
    connection object that lacks the serialized copy. So every RunPython step of our migrations
    runs again (they are written to be idempotent).
    """
    loader = MigrationLoader(connection)
    with connection.schema_editor() as schema_editor:
        for (app_label, _name), migration in sorted(loader.disk_migrations.items()):
            if app_label != "wms":
                continue
            for operation in migration.operations:
                if isinstance(operation, RunPython):
                    operation.code(django_apps, schema_editor)


@pytest.fixture
def checked_page(page: Any, request: pytest.FixtureRequest, migration_data: None) -> Iterator[Any]:
    """A phone-sized page that fails the test on any console error or CSP violation."""
    problems = PageProblems(page)
    page.problems = problems
    yield page
    violations = problems.csp_violations()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    assert violations == [], f"CSP violations: {violations}"
    assert problems.console_errors == [], f"console errors: {problems.console_errors}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def signed_in_page(checked_page: Any, live_server: Any) -> Any:
    """A phone page signed in through the scan login form as the worker `magasinier`."""
    from tests.factories import PASSWORD, worker

    worker(username="magasinier")
    page = checked_page
    page.goto(live_server.url + "/scan/login/")
    page.get_by_label("Identifiant").fill("magasinier")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/scan/")
    return page
