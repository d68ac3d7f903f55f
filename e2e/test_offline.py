"""Offline capture and replay on a phone (issue 6, acceptance 4; S-OFFLINE).

Operations captured without network wait in the browser's outbox (IndexedDB) and are sent when the
network returns, each applied once whatever the number of sends; the server refuses what became
invalid meanwhile and says why; an operation belongs to the user who captured it."""

import pytest
from django.db.models import Sum
from playwright.sync_api import expect

from tests.factories import PASSWORD, LocationFactory, ProductFactory, worker

pytestmark = pytest.mark.django_db(transaction=True)

# page.evaluate has no timeout of its own: a worker that never activates must fail, not hang.
WAIT_FOR_CONTROL = """Promise.race([
  navigator.serviceWorker.ready.then(() => true),
  new Promise((_, reject) => setTimeout(() => reject(new Error("no active worker")), 15000)),
])"""
OUTBOX = "window.AsfOutbox.records()"
APPLIED = "window.AsfOutbox.applied()"


def wait_until(page, script, seconds=20):
    import time

    deadline = time.monotonic() + seconds
    while not (value := page.evaluate(script)):
        assert time.monotonic() < deadline, f"still false after {seconds}s: {script}"
        page.wait_for_timeout(150)
    return value


@pytest.fixture
def stock(migration_data):
    """Two locations; a product to receive, and a product with 10 in stock at the first."""
    from wms.services import stock as stock_service

    here = LocationFactory(zone="A", aisle="01", shelf="1")
    there = LocationFactory(zone="B", aisle="02", shelf="1", warehouse=here.warehouse)
    incoming = ProductFactory(sku="ASF-OFF-ENTREE", name="Gants", default_location=here)
    stocked = ProductFactory(sku="ASF-OFF-STOCK", name="Seringues", default_location=here)
    stock_service.receive(product=stocked, quantity=10, lot_code="S1")
    return {"here": here, "there": there, "incoming": incoming, "stocked": stocked}


def submit(page, path, fields):
    """Fill the capture form of the current screen and send it."""
    form = page.locator(f'form[data-offline="queue"][action="{path}"]')
    for name, value in fields.items():
        form.locator(f'[name="{name}"]').fill(str(value))
    form.locator('[type="submit"]').click()


def allow_http_errors(page, *statuses):
    """The browser logs every 4xx/5xx answer as a console error; these ones the test expects."""
    expected = [f"status of {status} " for status in statuses]
    page.problems.console_errors[:] = [
        error
        for error in page.problems.console_errors
        if not (error.startswith("Failed to load resource") and any(e in error for e in expected))
    ]


def go_offline_on(page, url):
    page.goto(url)
    assert page.evaluate(WAIT_FOR_CONTROL)
    page.reload()  # now the worker controls the page
    page.context.set_offline(True)


def sign_in(page, live_server, username):
    page.goto(live_server.url + "/scan/login/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/scan/")


def sign_out(page, live_server):
    page.goto(live_server.url + "/scan/logout/")
    page.locator("form[action='/scan/logout/'] [type='submit']").click()
    page.wait_for_url("**/scan/login/")


def ledger_operations():
    from wms.models import StockMovement

    return set(
        StockMovement.objects.exclude(operation_id=None).values_list("operation_id", flat=True)
    )


def on_hand(product, location=None):
    from wms.models import ProductLot

    lots = ProductLot.objects.filter(product=product)
    if location is not None:
        lots = lots.filter(location=location)
    return lots.aggregate(total=Sum("quantity_on_hand"))["total"] or 0


def test_three_operations_captured_offline_apply_once_when_the_network_returns(
    signed_in_page, live_server, stock
):
    from scan.models import ScanOperation
    from wms.models import StockMovement

    page = signed_in_page
    badge = page.locator("[data-outbox-badge]")
    go_offline_on(page, live_server.url + "/scan/stock-update/")

    submit(page, "/scan/stock-update/", {"product_code": "ASF-OFF-ENTREE", "quantity": 5})
    expect(page.locator('[data-offline-note="queued"]')).to_be_visible()
    expect(badge).to_have_text("1")

    page.goto(live_server.url + "/scan/move/")  # no network: the saved shell of the screen
    assert page.locator("body").get_attribute("data-shell") is not None
    submit(
        page,
        "/scan/move/",
        {
            "product_code": "ASF-OFF-STOCK",
            "quantity": 3,
            "to_location_code": stock["there"].qr_payload,
        },
    )
    expect(badge).to_have_text("2")

    page.goto(live_server.url + "/scan/out/")
    submit(page, "/scan/out/", {"product_code": "ASF-OFF-STOCK", "quantity": 2})
    expect(badge).to_have_text("3")

    page.reload()  # still offline: the shell again, and the outbox survives
    assert page.locator("body").get_attribute("data-shell") is not None
    expect(badge).to_have_text("3")
    records = page.evaluate(OUTBOX)
    assert [record["url"] for record in records] == [
        "/scan/stock-update/",
        "/scan/move/",
        "/scan/out/",
    ]
    assert {record["user"] for record in records} == {"magasinier"}
    assert all("csrfmiddlewaretoken" not in dict(record["fields"]) for record in records)
    assert ScanOperation.objects.count() == 0

    page.context.set_offline(False)
    expect(badge).to_be_hidden(timeout=20_000)
    assert page.evaluate(OUTBOX) == []
    assert len(page.evaluate(APPLIED)) == 3
    sent = {record["op_id"] for record in records}
    assert {str(op) for op in ledger_operations()} == sent
    assert ScanOperation.objects.filter(outcome="applied").count() == 3
    assert on_hand(stock["incoming"]) == 5
    assert on_hand(stock["stocked"]) == 8
    assert on_hand(stock["stocked"], stock["there"]) == 3
    movements = StockMovement.objects.count()

    # A forced second replay of the very same operations adds nothing.
    page.evaluate(
        "records => Promise.all(records.map((r) => window.AsfOutbox.put(r)))"
        ".then(() => window.AsfOutbox.replay())",
        records,
    )
    wait_until(page, f"{OUTBOX}.then((r) => r.length === 0)")
    assert StockMovement.objects.count() == movements
    assert ScanOperation.objects.count() == 3
    assert on_hand(stock["stocked"]) == 8

    page.goto(live_server.url + "/scan/outbox/")
    expect(page.locator('[data-outbox-list="applied"] [data-op]')).to_have_count(3)
    expect(page.locator('[data-outbox-list="pending"] [data-op]')).to_have_count(0)


def test_an_operation_made_invalid_meanwhile_is_refused_with_the_server_reason(
    signed_in_page, live_server, stock
):
    from scan.models import ScanOperation
    from wms.services import stock as stock_service

    page = signed_in_page
    go_offline_on(page, live_server.url + "/scan/out/")
    submit(page, "/scan/out/", {"product_code": "ASF-OFF-STOCK", "quantity": 9})
    expect(page.locator("[data-outbox-badge]")).to_have_text("1")

    stock_service.remove(product=stock["stocked"], quantity=4)  # someone else, meanwhile
    page.context.set_offline(False)
    wait_until(page, f"{OUTBOX}.then((r) => r.length === 1 && r[0].status === 'rejected')")
    expect(page.locator("[data-outbox-badge]")).to_be_hidden()
    assert on_hand(stock["stocked"]) == 6

    reason = ScanOperation.objects.get(outcome="rejected").response["message"]
    assert "6" in reason  # the server says how many are left
    page.goto(live_server.url + "/scan/outbox/")
    refused = page.locator('[data-outbox-list="rejected"] [data-op]')
    expect(refused).to_have_count(1)
    expect(refused.locator("[data-op-message]")).to_have_text(reason)
    page.locator("[data-op-dismiss]").click()
    expect(refused).to_have_count(0)
    assert page.evaluate(OUTBOX) == []
    allow_http_errors(page, 422)  # the refusal's answer


def test_operations_wait_for_their_user_across_a_logout_and_a_new_login(
    signed_in_page, live_server, stock, monkeypatch
):
    from django.http import HttpResponse

    import scan.views.capture as capture_views
    from scan.models import ScanOperation
    from scan.operations import principal_of

    page = signed_in_page
    worker(username="collegue")
    # The server is in trouble: the capture is kept in the outbox instead of being lost.
    monkeypatch.setattr(
        capture_views, "capture", lambda request, **kwargs: HttpResponse(status=503)
    )
    page.goto(live_server.url + "/scan/stock-update/")
    submit(page, "/scan/stock-update/", {"product_code": "ASF-OFF-ENTREE", "quantity": 4})
    expect(page.locator("[data-outbox-badge]")).to_have_text("1")

    page.goto(live_server.url + "/scan/logout/")
    expect(page.locator("[data-logout-warning]")).to_be_visible()  # offers to synchronise first
    page.locator("form[action='/scan/logout/'] [type='submit']").click()
    expect(page.locator("[data-offline-notice]")).to_be_visible()
    assert page.url.endswith("/scan/logout/")  # the first press only warned
    page.locator("form[action='/scan/logout/'] [type='submit']").click()
    page.wait_for_url("**/scan/login/")

    monkeypatch.undo()  # the server is fine again
    sign_in(page, live_server, "collegue")
    page.goto(live_server.url + "/scan/outbox/")
    expect(page.locator("[data-outbox-others]")).to_be_visible()
    expect(page.locator("[data-outbox-others]")).to_contain_text("1")
    page.locator("[data-outbox-sync]").click()
    expect(page.locator("[data-outbox-sync-status]")).not_to_be_empty()
    assert ScanOperation.objects.count() == 0  # never sent under another user's session
    sign_out(page, live_server)

    sign_in(page, live_server, "magasinier")  # a new login of the same user: a new CSRF token
    wait_until(page, f"{OUTBOX}.then((r) => r.length === 0)")
    operation = ScanOperation.objects.get()
    from django.contrib.auth.models import User

    assert operation.principal == principal_of(User.objects.get(username="magasinier"))
    assert on_hand(stock["incoming"]) == 4
    allow_http_errors(page, 503)


def test_signing_out_offline_is_refused_with_a_message(signed_in_page, live_server):
    page = signed_in_page
    page.goto(live_server.url + "/scan/logout/")
    page.context.set_offline(True)
    page.locator("form[action='/scan/logout/'] [type='submit']").click()
    expect(page.locator("[data-offline-notice]")).to_be_visible()
    page.context.set_offline(False)
    page.goto(live_server.url + "/scan/")
    assert page.url == live_server.url + "/scan/"  # still signed in


def test_a_live_capture_answers_in_place_and_leaves_nothing_in_the_outbox(
    signed_in_page, live_server, stock
):
    from scan.models import ScanOperation

    page = signed_in_page
    page.goto(live_server.url + "/scan/out/")
    submit(page, "/scan/out/", {"product_code": "ASF-OFF-STOCK", "quantity": 3})
    expect(page.locator('[data-capture-result="applied"]')).to_be_visible()
    submit(page, "/scan/out/", {"product_code": "ASF-OFF-STOCK", "quantity": 30})
    expect(page.locator('[data-capture-result="rejected"]')).to_be_visible()
    assert page.evaluate(OUTBOX) == []
    assert on_hand(stock["stocked"]) == 7
    # Each send carried its own fresh operation id.
    assert ScanOperation.objects.values("op_id").distinct().count() == 2
    allow_http_errors(page, 422)


def test_a_gs1_scan_without_network_fills_the_entry_and_applies_later(
    signed_in_page, live_server, stock
):
    from wms.gtin import check_digit
    from wms.models import ProductLot

    body = "0376012345679"
    gtin = body + str(check_digit(body))
    product = ProductFactory(sku="ASF-OFF-GS1", ean=gtin, default_location=stock["here"])
    page = signed_in_page
    go_offline_on(page, live_server.url + "/scan/stock-update/")
    page.locator("[data-scan-field]").focus()
    page.keyboard.type(f"01{gtin}10LOT-HL", delay=5)
    page.keyboard.press("Control+BracketRight")
    page.keyboard.type("17280200", delay=5)  # day 00: the month's last day
    page.keyboard.press("Enter")
    expect(page.locator('input[name="product_code"]')).to_have_value(gtin)
    expect(page.locator('input[name="lot_code"]')).to_have_value("LOT-HL")
    expect(page.locator('input[name="expires_on"]')).to_have_value("2028-02-29")
    submit(page, "/scan/stock-update/", {"quantity": 6})
    expect(page.locator("[data-outbox-badge]")).to_have_text("1")

    page.context.set_offline(False)
    expect(page.locator("[data-outbox-badge]")).to_be_hidden(timeout=20_000)
    lot = ProductLot.objects.get(product=product)
    assert (lot.lot_code, str(lot.expires_on), lot.quantity_on_hand) == ("LOT-HL", "2028-02-29", 6)
