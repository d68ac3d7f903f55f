"""A worker on a phone: landing → scan login → scan home, with no console error or CSP violation."""

import pytest

from tests.factories import PASSWORD, worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_goes_from_the_landing_page_to_the_scan_home(checked_page, live_server):
    worker(username="magasinier-e2e")
    page = checked_page
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Entrepôt ASF"
    page.get_by_role("link", name="Application de scan de l'entrepôt").click()
    page.wait_for_url("**/scan/login/?next=/scan/")
    page.get_by_label("Identifiant").fill("magasinier-e2e")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/scan/")
    assert page.locator("h1").inner_text() == "Scan"
    assert "magasinier-e2e" in page.locator("header").inner_text()
    assert page.viewport_size == {"width": 390, "height": 844}


def test_a_wrong_password_keeps_the_worker_on_the_login_page(checked_page, live_server):
    worker(username="magasinier-e2e")
    page = checked_page
    page.goto(live_server.url + "/scan/login/")
    page.get_by_label("Identifiant").fill("magasinier-e2e")
    page.get_by_label("Mot de passe").fill("wrong")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").count() == 1
    assert page.url.startswith(live_server.url + "/scan/login/")
