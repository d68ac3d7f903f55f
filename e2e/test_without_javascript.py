"""Every capture screen works as a plain form: a browser with JavaScript off completes a quick
entry (S-SCAN)."""

from typing import Any

import pytest

from tests.factories import PASSWORD, ProductFactory, worker
from wms.models import ProductLot, StockMovement

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_script_page(browser: Any, migration_data: None) -> Any:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844},
                                  locale="fr-FR")  # fmt: skip
    yield context.new_page()
    context.close()


def test_a_quick_entry_completes_with_javascript_disabled(no_script_page, live_server):
    worker(username="magasinier")
    product = ProductFactory(name="Compresses stériles", ean="4006381333931")
    page = no_script_page
    page.goto(live_server.url + "/scan/login/")
    page.get_by_label("Identifiant").fill("magasinier")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server.url + "/scan/stock-update/")
    form = page.locator("form[action='/scan/stock-update/']")
    form.locator("[name=product_code]").fill("4006381333931")
    form.locator("[name=quantity]").fill("12")
    form.locator("[name=lot_code]").fill("SANS-JS")
    form.get_by_role("button", name="Enregistrer l'entrée").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/scan/stock-update/"
    assert "Entrée de 12 × Compresses stériles" in page.content()
    lot = ProductLot.objects.get(product=product)
    assert (lot.quantity_on_hand, lot.lot_code) == (12, "SANS-JS")
    movement = StockMovement.objects.get(lot=lot)
    assert movement.operation_id is not None
