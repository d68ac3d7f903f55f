"""French by default; the English switch changes the scan home's texts."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_scan_home_is_french_and_switches_to_english(signed_in_page):
    page = signed_in_page
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Scan"
    assert page.get_by_text("Bonjour magasinier, choisissez une tâche.").is_visible()
    assert page.locator("nav.bottom-nav").get_by_text("Accueil").is_visible()

    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer").click()
    page.wait_for_load_state()

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Scanning"
    assert page.get_by_text("Hello magasinier, choose a task.").is_visible()
    assert page.locator("nav.bottom-nav").get_by_text("Home").is_visible()
    assert page.get_by_role("link", name="Sign out").count() == 1
