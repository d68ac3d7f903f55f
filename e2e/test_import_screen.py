"""A manager on a phone imports contacts (S-IMPORT): a file with a bad row is reported line by line
and cannot be confirmed; the corrected file is imported. The print template editor's pages are
checked too (issue 10, acceptance 5): no console error, no CSP violation on any of these pages
(the `checked_page` fixture fails the test on them)."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.conftest import PageProblems
from tests.factories import PASSWORD, manager
from wms.models import Contact, ImportUpload
from wms.printing.documents import NOTE

pytestmark = pytest.mark.django_db(transaction=True)

MANAGER = "responsable-e2e"
BAD = "Nom;E-mail\nPharmacie du Port;port@pharmacie.example\nClinique Nord;pas-un-email\n"
GOOD = "Nom;E-mail\nPharmacie du Port;port@pharmacie.example\nClinique Nord;nord@clinique.example\n"


def assert_clean(page: Any) -> None:
    """Checked after each step, so that a problem is reported on the page where it happened."""
    problems: PageProblems = page.problems
    assert problems.csp_violations() == [], f"CSP violations on {page.url}"
    assert problems.console_errors == [], f"console errors on {page.url}"


def sign_in(page: Any, base: str) -> None:
    manager(username=MANAGER)
    page.goto(base + "/scan/login/")
    page.locator("[name=username]").fill(MANAGER)
    page.locator("[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form[action='/scan/login/'] [type=submit]").first.click()
    page.wait_for_url(base + "/scan/")


def upload(page: Any, base: str, text: str) -> None:
    page.goto(base + "/scan/import/?table=contacts")
    assert page.locator("select[name=table]").input_value() == "contacts"
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "contacts.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    with page.expect_navigation():
        page.locator("form[data-import-form] button[type=submit]").click()
    page.wait_for_selector("[data-import-summary]")
    assert_clean(page)


def test_a_manager_imports_contacts_after_the_report(checked_page, live_server):
    base = live_server.url
    page = checked_page
    sign_in(page, base)

    # The update box follows the chosen table (categories have nothing to update).
    page.goto(base + "/scan/import/")
    box = page.locator("[data-update-field]")
    page.locator("select[name=table]").select_option("categories")
    assert box.is_hidden()
    page.locator("select[name=table]").select_option("contacts")
    assert box.is_visible()
    assert_clean(page)

    upload(page, base, BAD)
    assert "ligne 3" in page.locator("[data-row-error='3']").inner_text()
    assert page.locator("[data-confirm]").is_disabled()
    with page.expect_navigation():
        page.locator("[data-cancel]").click()
    assert not ImportUpload.objects.exists()
    assert_clean(page)

    upload(page, base, GOOD)
    assert page.locator("[data-created]").get_attribute("data-created") == "2"
    assert not Contact.objects.exists()
    with page.expect_navigation():
        page.locator("[data-confirm]").click()
    page.wait_for_url(base + "/scan/import/")
    assert page.locator(".flash-success").count() == 1
    assert sorted(Contact.objects.values_list("name", flat=True)) == [
        "Clinique Nord",
        "Pharmacie du Port",
    ]
    assert not ImportUpload.objects.exists()
    assert_clean(page)


def test_the_print_template_pages_are_clean(checked_page, live_server):
    base = live_server.url
    page = checked_page
    sign_in(page, base)
    page.goto(base + "/scan/templates/")
    page.wait_for_selector("[data-template-list]")
    assert_clean(page)
    page.locator(f"[data-document='{NOTE}'] a").click()
    page.wait_for_url(f"{base}/scan/templates/{NOTE}/")
    with page.expect_navigation():
        page.locator("button[name=action][value=preview]").click()
    page.wait_for_selector("[data-preview]")
    assert_clean(page)
