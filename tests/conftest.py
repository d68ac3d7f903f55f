"""Shared fixtures. Tests marked `mysql` run only when TEST_DB_ENGINE=mysql (deselected, not
skipped, on SQLite: the MariaDB stage of CI runs them)."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import User
from hypothesis import settings as hypothesis_settings

from tests import factories

USING_MYSQL = os.environ.get("TEST_DB_ENGINE") == "mysql"

# CI runs more examples; a developer's run stays quick. Property tests run against a database,
# so no deadline per example.
hypothesis_settings.register_profile("ci", max_examples=50, deadline=None)
hypothesis_settings.register_profile("dev", max_examples=25, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if USING_MYSQL:
        return
    deselected = [item for item in items if item.get_closest_marker("mysql")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("mysql")]


@pytest.fixture
def worker(db: None) -> User:
    return factories.worker(username="magasinier-test")


@pytest.fixture
def manager(db: None) -> User:
    return factories.manager(username="responsable-test")


@pytest.fixture
def outsider(db: None) -> User:
    """Logged in but in no staff group: what an association user looks like to staff pages."""
    return factories.UserFactory(username="association-test")
