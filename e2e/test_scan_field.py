"""The scan field on a phone (issue 6, acceptance 2): a GS1 Data Matrix typed by a keyboard-wedge
scanner, its separators sent as Ctrl+], fills product, lot and expiry on the quick-entry screen;
a double-fire is ignored and deliberate repeats are counted."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.factories import LocationFactory, ProductFactory
from wms.gtin import check_digit

pytestmark = pytest.mark.django_db(transaction=True)

SCANNER_DELAY_MS = 5  # a wedge scanner types a character every few milliseconds
GTIN_BODY = "0376012345678"
GTIN = GTIN_BODY + str(check_digit(GTIN_BODY))
LOT = "L2027-A"
EXPIRY = dt.date(2027, 3, 31)


def gs1_parts():
    """(01) GTIN (10) lot <GS> (17) expiry: the lot is variable-length, so a separator follows."""
    return [f"01{GTIN}10{LOT}", f"17{EXPIRY:%y%m%d}"]


def scan_with_wedge(page, parts):
    for index, part in enumerate(parts):
        if index:
            page.keyboard.press("Control+BracketRight")
        page.keyboard.type(part, delay=SCANNER_DELAY_MS)
    page.keyboard.press("Enter")


@pytest.fixture
def perishable_product(migration_data):
    return ProductFactory(
        sku="ASF-E2E-GS1",
        name="Lait infantile",
        ean=GTIN,
        perishable=True,
        default_location=LocationFactory(),
    )


def test_a_gs1_scan_fills_the_quick_entry_and_the_entry_creates_the_lot(
    signed_in_page, live_server, perishable_product
):
    from wms.models import ProductLot

    page = signed_in_page
    page.goto(live_server.url + "/scan/stock-update/")
    field = page.locator("[data-scan-field]")
    assert field.get_attribute("inputmode") == "none"  # no soft keyboard on a scan
    assert page.evaluate("document.activeElement === document.querySelector('[data-scan-field]')")

    scan_with_wedge(page, gs1_parts())
    expect(page.locator('input[name="product_code"]')).to_have_value("ASF-E2E-GS1")
    assert page.locator('input[name="lot_code"]').input_value() == LOT
    assert page.locator('input[name="expires_on"]').input_value() == EXPIRY.isoformat()
    # The separator typed as Ctrl+] is a real GS in the field, not nothing.
    assert field.input_value() == f"01{GTIN}10{LOT}\x1d17{EXPIRY:%y%m%d}"

    page.locator('input[name="quantity"]').fill("12")
    page.locator('form[action="/scan/stock-update/"] [type="submit"]').click()
    page.locator('[data-capture-result="applied"]').wait_for()
    lot = ProductLot.objects.get(product=perishable_product)
    assert (lot.lot_code, lot.expires_on, lot.quantity_on_hand) == (LOT, EXPIRY, 12)
    assert page.locator('input[name="product_code"]').input_value() == ""  # ready for the next


def test_a_double_fire_is_ignored_and_deliberate_repeats_are_counted(
    signed_in_page, live_server, perishable_product
):
    page = signed_in_page
    page.goto(live_server.url + "/scan/stock-update/")
    counter = page.locator("[data-scan-count]")
    resolves = []
    page.on("request", lambda request: "/scan/resolve/" in request.url and resolves.append(1))

    scan_with_wedge(page, gs1_parts())
    scan_with_wedge(page, gs1_parts())  # the scanner fired twice for one trigger pull
    expect(page.locator('input[name="product_code"]')).to_have_value("ASF-E2E-GS1")
    assert counter.is_hidden()
    assert len(resolves) == 1

    page.wait_for_timeout(400)  # beyond SCAN_DUPLICATE_WINDOW_MS (300): a deliberate repeat
    scan_with_wedge(page, gs1_parts())
    expect(counter).to_have_text("×2")
    page.wait_for_timeout(400)
    scan_with_wedge(page, gs1_parts())
    expect(counter).to_have_text("×3")

    page.keyboard.type("ASF-AUTRE", delay=SCANNER_DELAY_MS)  # another code starts a new count
    page.keyboard.press("Enter")
    expect(counter).to_be_hidden()


def test_the_keyboard_button_brings_the_soft_keyboard_back(signed_in_page, live_server):
    page = signed_in_page
    page.goto(live_server.url + "/scan/stock-update/")
    field = page.locator("[data-scan-field]")
    toggle = page.locator("[data-scan-keyboard]")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert field.get_attribute("inputmode") == "text"
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.activeElement === document.querySelector('[data-scan-field]')")
    toggle.click()
    assert field.get_attribute("inputmode") == "none"


def test_a_scanner_with_a_tab_suffix_completes_the_scan_but_a_person_can_tab_away(
    signed_in_page, live_server, perishable_product
):
    page = signed_in_page
    page.goto(live_server.url + "/scan/stock-update/")
    page.keyboard.type("ASF-E2E-GS1", delay=SCANNER_DELAY_MS)
    page.keyboard.press("Tab")
    expect(page.locator('input[name="product_code"]')).to_have_value("ASF-E2E-GS1")
    assert page.evaluate("document.activeElement.hasAttribute('data-scan-field')")

    page.keyboard.type("abc", delay=150)  # typed by hand
    page.keyboard.press("Tab")
    assert not page.evaluate("document.activeElement.hasAttribute('data-scan-field')")


def test_the_gs_substitute_of_the_settings_is_a_separator(
    signed_in_page, live_server, perishable_product, settings
):
    settings.SCAN_GS_SUBSTITUTE = "~"
    page = signed_in_page
    page.goto(live_server.url + "/scan/stock-update/")
    page.keyboard.type("~".join(gs1_parts()), delay=SCANNER_DELAY_MS)
    page.keyboard.press("Enter")
    expect(page.locator('input[name="lot_code"]')).to_have_value(LOT)
    assert page.locator('input[name="expires_on"]').input_value() == EXPIRY.isoformat()


FAKE_WAKE_LOCK = """
window.__wakeLocks = [];
Object.defineProperty(navigator, "wakeLock", {configurable: true, value: {request(type) {
  const lock = new EventTarget();
  lock.release = () => Promise.resolve();
  window.__wakeLocks.push({type, lock});
  return Promise.resolve(lock);
}}});
"""


def test_a_task_screen_keeps_the_screen_awake_and_takes_the_lock_again(signed_in_page, live_server):
    page = signed_in_page
    page.add_init_script(FAKE_WAKE_LOCK)
    page.goto(live_server.url + "/scan/")
    assert page.evaluate("window.__wakeLocks.length") == 0  # the home screen is no task
    page.goto(live_server.url + "/scan/stock-update/")
    assert page.evaluate("window.__wakeLocks.map((l) => l.type)") == ["screen"]
    # The browser drops the lock when the phone is put away; back on screen it is taken again.
    page.evaluate(
        """() => {
          window.__wakeLocks[0].lock.dispatchEvent(new Event("release"));
          document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    assert page.evaluate("window.__wakeLocks.length") == 2


def test_a_scan_on_the_count_screen_looks_the_product_up_at_once(
    signed_in_page, live_server, perishable_product
):
    from wms.services import stock

    stock.receive(product=perishable_product, quantity=4, lot_code=LOT, expires_on=EXPIRY)
    page = signed_in_page
    page.goto(live_server.url + "/scan/count/")
    scan_with_wedge(page, gs1_parts())
    page.wait_for_url("**/scan/count/?code=ASF-E2E-GS1")
    expect(page.locator('a[href*="?lot="]').first).to_contain_text(LOT)
