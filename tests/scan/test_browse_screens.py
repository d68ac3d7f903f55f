"""Read-only scan screens (S-SCAN, S-STOCK): stock, lots to destroy, product detail, receipts, FAQ.

Data is built through the stock and receiving services, as the warehouse would build it.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ContactFactory, LocationFactory, ProductFactory, WarehouseFactory
from wms.models import (
    LotStatus,
    Product,
    ProductCategory,
    ProductKitItem,
    ProductLot,
    ReceiptStatus,
    ReceiptType,
)
from wms.services import receiving, stock
from wms.services.availability import available_stock
from wms.services.fefo import today
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

SCREENS = {
    "stock": "/scan/stock/",
    "stock_expired": "/scan/stock/expired/",
    "receipts": "/scan/receipts/",
    "faq": "/scan/faq/",
}
HTMX = {"HTTP_HX_REQUEST": "true"}


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def rows(body: str, attribute: str) -> list[str]:
    """The ids carried by `data-<attribute>="…"` rows, in page order."""
    return re.findall(rf'data-{attribute}="(\d+)"', body)


def listed_products(body: str) -> list[Product]:
    by_id = {str(p.pk): p for p in Product.objects.all()}
    return [by_id[pk] for pk in rows(body, "product")]


def row_of(body: str, product: Product) -> str:
    match = re.search(rf'<tr data-product="{product.pk}">(.*?)</tr>', body, re.S)
    assert match, f"{product.name} is not listed"
    return match.group(1)


def cell(row: str, attribute: str) -> str:
    match = re.search(rf"<td [^>]*data-{attribute}>(.*?)</td>", row, re.S)
    assert match
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.fixture
def logged_worker(client, worker):
    client.force_login(worker)
    return client


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# --- access -------------------------------------------------------------------------------------


@pytest.fixture
def screen_urls(db):
    product = ProductFactory()
    return {**SCREENS, "product_detail": f"/scan/product/{product.pk}/"}


@pytest.mark.parametrize("name", [*SCREENS, "product_detail"])
def test_a_worker_opens_each_screen(client, worker, screen_urls, name):
    client.force_login(worker)
    response = client.get(screen_urls[name])
    assert response.status_code == 200
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("name", [*SCREENS, "product_detail"])
def test_a_user_without_staff_role_is_refused_each_screen(client, outsider, screen_urls, name):
    client.force_login(outsider)
    assert client.get(screen_urls[name]).status_code == 403


@pytest.mark.parametrize("name", [*SCREENS, "product_detail"])
def test_anonymous_users_go_to_the_scan_login(client, screen_urls, name):
    url = screen_urls[name]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/scan/login/?next={url}"


@pytest.mark.parametrize("name", [*SCREENS, "product_detail"])
def test_each_screen_answers_head_and_refuses_post(client, worker, screen_urls, name):
    client.force_login(worker)
    assert client.head(screen_urls[name]).status_code == 200
    assert client.post(screen_urls[name]).status_code == 405


@pytest.mark.parametrize(
    ("name", "fragment_id"),
    [
        ("stock", "stock-results"),
        ("stock_expired", "expired-results"),
        ("receipts", "receipt-results"),
        ("faq", "help"),
        ("product_detail", "product-detail"),
    ],
)
def test_an_htmx_request_gets_the_fragment_only(client, worker, screen_urls, name, fragment_id):
    client.force_login(worker)
    response = client.get(screen_urls[name], **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith(("<section", "<div"))
    assert f'id="{fragment_id}"' in body
    assert "HX-Request" in response["Vary"]


def test_the_lists_reload_their_own_url_when_the_screen_is_shown_again(logged_worker):
    # No polling (S-SCAN): the list asks for itself again, filters included, on the body event
    # the page script sends when the screen becomes visible.
    body = get(logged_worker, "/scan/stock/", q="gaze", sort="sku")
    section = re.search(r'<section id="stock-results"[^>]*>', body).group(0)
    assert 'hx-get="/scan/stock/?q=gaze&amp;sort=sku"' in section
    assert 'hx-trigger="scan:refresh from:body"' in section
    assert 'hx-swap="outerHTML"' in section


def test_the_search_form_works_without_javascript_and_with_htmx(logged_worker):
    body = get(logged_worker, "/scan/stock/")
    form = re.search(r"<form [^>]*role=\"search\"[^>]*>", body, re.S).group(0)
    assert 'method="get"' in form
    assert 'action="/scan/stock/"' in form
    assert 'hx-get="/scan/stock/"' in form
    assert 'hx-target="#stock-results"' in form


def test_an_htmx_history_restore_gets_the_whole_page(logged_worker):
    response = logged_worker.get(
        "/scan/stock/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_the_screens_join_the_navigation(logged_worker):
    body = get(logged_worker, "/scan/")
    assert 'href="/scan/stock/"' in body
    assert 'href="/scan/faq/"' in body
    assert reverse("scan:receipts") == "/scan/receipts/"
    assert reverse("scan:stock_expired") == "/scan/stock/expired/"


def test_an_unknown_product_is_a_404(logged_worker):
    assert logged_worker.get("/scan/product/999999/").status_code == 404


# --- stock list ---------------------------------------------------------------------------------


def test_the_stock_lists_products_with_units_only(logged_worker):
    stocked = ProductFactory(name="Gants nitrile")
    ProductFactory(name="Jamais reçu")
    emptied = ProductFactory(name="Vidé")
    stock.receive(product=stocked, quantity=4)
    lot = stock.receive(product=emptied, quantity=2)
    stock.remove(product=emptied, quantity=2, lot=lot)
    assert listed_products(get(logged_worker, "/scan/stock/")) == [stocked]


def test_the_stock_says_when_its_data_was_read(logged_worker):
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    with time_machine.travel(dt.datetime(2026, 11, 29, 8, 15, tzinfo=paris), tick=False):
        body = get(logged_worker, "/scan/stock/")
        fragment = logged_worker.get("/scan/stock/", **HTMX).content.decode()
    for page in (body, fragment):
        stamp = re.search(r"<p [^>]*data-fetched-at>(.*?)</p>", page, re.S)
        assert stamp
        assert "29/11/2026" in stamp.group(1)
        assert "08:15" in stamp.group(1)


@pytest.mark.parametrize(
    ("stored", "searched"),
    [
        ("04006381333931", "4006381333931"),  # GTIN-14 stored, EAN-13 scanned
        ("4006381333931", "04006381333931"),  # EAN-13 stored, GTIN-14 scanned
        ("036000291452", "0036000291452"),  # UPC-A stored, EAN-13 scanned
        ("96385074", "00000096385074"),  # EAN-8 stored, GTIN-14 scanned
    ],
)
def test_the_stock_finds_a_product_by_gtin_in_another_length(logged_worker, stored, searched):
    product = ProductFactory(name="Compresses", ean=stored)
    other = ProductFactory(name="Autre")
    for each in (product, other):
        stock.receive(product=each, quantity=1)
    assert listed_products(get(logged_worker, "/scan/stock/", q=searched)) == [product]


@pytest.mark.parametrize("searched", ["paracetamol", "PARACÉTAMOL", "cétamol 500"])
def test_the_stock_finds_a_product_by_name_ignoring_case_and_accents(logged_worker, searched):
    product = ProductFactory(name="Paracétamol 500mg")
    other = ProductFactory(name="Ibuprofène 200mg")
    for each in (product, other):
        stock.receive(product=each, quantity=1)
    assert listed_products(get(logged_worker, "/scan/stock/", q=searched)) == [product]


def test_the_stock_finds_a_product_by_sku_barcode_or_lot_code(logged_worker):
    by_sku = ProductFactory(sku="ASF-1A2B3C4D", name="Seringues")
    by_barcode = ProductFactory(barcode="CODE-INTERNE-77", name="Masques")
    by_lot = ProductFactory(name="Bandes")
    stock.receive(product=by_sku, quantity=1)
    stock.receive(product=by_barcode, quantity=1)
    stock.receive(product=by_lot, quantity=1, lot_code="LOT-XK42")
    assert listed_products(get(logged_worker, "/scan/stock/", q="asf-1a2b")) == [by_sku]
    assert listed_products(get(logged_worker, "/scan/stock/", q="CODE-INTERNE-77")) == [by_barcode]
    assert listed_products(get(logged_worker, "/scan/stock/", q="xk42")) == [by_lot]
    assert listed_products(get(logged_worker, "/scan/stock/", q="introuvable")) == []


def test_a_product_with_two_matching_lots_is_listed_once(logged_worker):
    product = ProductFactory(name="Pansements")
    stock.receive(product=product, quantity=1, lot_code="L-2026-A")
    stock.receive(product=product, quantity=1, lot_code="L-2026-B")
    assert listed_products(get(logged_worker, "/scan/stock/", q="L-2026")) == [product]


def test_the_category_filter_includes_the_sub_categories(logged_worker):
    medical = ProductCategory.objects.create(name="MÉDICAL")
    dressings = ProductCategory.objects.create(name="Pansements", parent=medical)
    sterile = ProductCategory.objects.create(name="Stériles", parent=dressings)
    logistics = ProductCategory.objects.create(name="LOGISTIQUE")
    in_root = ProductFactory(name="A racine", category=medical)
    in_child = ProductFactory(name="B enfant", category=dressings)
    in_grandchild = ProductFactory(name="C petit-enfant", category=sterile)
    elsewhere = ProductFactory(name="D ailleurs", category=logistics)
    for product in (in_root, in_child, in_grandchild, elsewhere):
        stock.receive(product=product, quantity=1)

    body = get(logged_worker, "/scan/stock/", category=medical.pk)
    assert listed_products(body) == [in_root, in_child, in_grandchild]
    assert "MÉDICAL &gt; Pansements &gt; Stériles" in body
    body = get(logged_worker, "/scan/stock/", category=dressings.pk)
    assert listed_products(body) == [in_child, in_grandchild]


def test_an_unknown_category_is_reported_and_the_list_still_shows(logged_worker):
    product = ProductFactory()
    stock.receive(product=product, quantity=1)
    body = get(logged_worker, "/scan/stock/", category="424242", q=product.name)
    assert "Sélectionnez un choix valide" in body
    assert listed_products(body) == [product]


def test_the_warehouse_filter_scopes_products_and_quantities(logged_worker):
    north = LocationFactory(warehouse=WarehouseFactory(code="NORD", name="Nord"))
    south = LocationFactory(warehouse=WarehouseFactory(code="SUD", name="Sud"))
    both = ProductFactory(name="A partout")
    north_only = ProductFactory(name="B nord")
    stock.receive(product=both, quantity=3, location=north)
    stock.receive(product=both, quantity=5, location=south)
    stock.receive(product=north_only, quantity=2, location=north)

    body = get(logged_worker, "/scan/stock/", warehouse=south.warehouse_id)
    assert listed_products(body) == [both]
    assert cell(row_of(body, both), "usable") == "5"
    body = get(logged_worker, "/scan/stock/")
    assert cell(row_of(body, both), "usable") == "8"


def test_the_stock_sorts_by_name_sku_quantity_and_category(logged_worker):
    zebra = ProductCategory.objects.create(name="ZÈBRE")
    alpha = ProductCategory.objects.create(name="ALPHA")
    alpha_child = ProductCategory.objects.create(name="Zeta", parent=alpha)
    first = ProductFactory(name="Abaisse-langue", sku="S-3", category=zebra)
    second = ProductFactory(name="bandes", sku="S-1", category=alpha_child)
    third = ProductFactory(name="Compresses", sku="S-2", category=None)
    stock.receive(product=first, quantity=5)
    stock.receive(product=second, quantity=20)
    stock.receive(product=third, quantity=9)

    def order(sort):
        return listed_products(get(logged_worker, "/scan/stock/", sort=sort))

    assert order("name") == [first, second, third]
    assert order("sku") == [second, third, first]
    assert order("quantity") == [second, third, first]
    # By path ("ALPHA > Zeta" before "ZÈBRE"), products without a category last.
    assert order("category") == [second, first, third]


def test_quarantined_and_held_units_are_shown_apart_from_usable_stock(logged_worker, manager):
    product = ProductFactory(name="Vaccins")
    stock.receive(product=product, quantity=10)
    stock.receive(product=product, quantity=4, status=LotStatus.QUARANTINED)
    held = stock.receive(product=product, quantity=3)
    stock.hold(lot=held, actor=Actor(manager), reason="rappel fournisseur")
    quarantined_only = ProductFactory(name="Sérum", quarantine_default=True)
    stock.receive(product=quarantined_only, quantity=6)

    body = get(logged_worker, "/scan/stock/")
    row = row_of(body, product)
    assert cell(row, "usable") == "10"
    assert cell(row, "held") == "7"
    assert cell(row, "usable") == str(available_stock(product))
    row = row_of(body, quarantined_only)
    assert cell(row, "usable") == "0"
    assert cell(row, "held") == "6"


def test_units_past_expiry_count_as_to_destroy_not_usable(logged_worker):
    product = ProductFactory(name="Collyre")
    stock.receive(product=product, quantity=5, expires_on=days(30))
    stock.receive(product=product, quantity=2, expires_on=days(-1))
    stock.receive(product=product, quantity=1, status=LotStatus.QUARANTINED, expires_on=days(-3))
    row = row_of(get(logged_worker, "/scan/stock/"), product)
    assert (cell(row, "usable"), cell(row, "held"), cell(row, "to-destroy")) == ("5", "0", "3")


def test_the_stock_shows_the_last_movement_date(logged_worker):
    product = ProductFactory()
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 30, tzinfo=paris), tick=False):
        lot = stock.receive(product=product, quantity=5)
    with time_machine.travel(dt.datetime(2026, 4, 7, 14, 5, tzinfo=paris), tick=False):
        stock.adjust(lot=lot, delta=-1, reason_code="damaged")
    assert "07/04/2026 14:05" in row_of(get(logged_worker, "/scan/stock/"), product)


def test_the_stock_is_paginated_by_25(logged_worker):
    location = LocationFactory()
    for n in range(30):
        stock.receive(
            product=ProductFactory(name=f"Produit {n:02d}"), quantity=1, location=location
        )
    first = get(logged_worker, "/scan/stock/")
    second = get(logged_worker, "/scan/stock/", page=2)
    assert len(rows(first, "product")) == 25
    assert len(rows(second, "product")) == 5
    assert 'href="/scan/stock/?page=2"' in first
    assert 'hx-get="/scan/stock/?page=2"' in first
    assert set(rows(first, "product")).isdisjoint(rows(second, "product"))


def test_the_next_page_link_keeps_the_filters(logged_worker):
    location = LocationFactory()
    for n in range(26):
        stock.receive(product=ProductFactory(name=f"Gaze {n:02d}"), quantity=1, location=location)
    body = get(logged_worker, "/scan/stock/", q="gaze", sort="sku")
    assert 'href="/scan/stock/?q=gaze&amp;sort=sku&amp;page=2"' in body


# --- lots to destroy ----------------------------------------------------------------------------


def test_the_expired_list_shows_lots_past_expiry_or_expired_oldest_first(logged_worker, manager):
    product = ProductFactory(name="Sirop")
    in_date = stock.receive(product=product, quantity=5, expires_on=days(10), lot_code="BON")
    old = stock.receive(product=product, quantity=2, expires_on=days(-40), lot_code="VIEUX")
    recent = stock.receive(product=product, quantity=3, expires_on=days(-2), lot_code="RECENT")
    marked = stock.receive(product=product, quantity=4, expires_on=days(90), lot_code="MARQUE")
    stock.change_lot_status(lot=marked, status=LotStatus.EXPIRED, actor=Actor(manager))
    destroyed = stock.receive(product=product, quantity=1, expires_on=days(-60), lot_code="DETRUIT")
    stock.remove(
        product=product,
        quantity=1,
        lot=destroyed,
        reason_code="expired_destruction",
        actor=Actor(manager),
    )

    body = get(logged_worker, "/scan/stock/expired/")
    assert rows(body, "lot") == [str(old.pk), str(recent.pk), str(marked.pk)]
    assert str(in_date.pk) not in rows(body, "lot")
    assert old.expires_on.strftime("%d/%m/%Y") in body
    assert str(old.location) in body
    assert "Sirop" in body


def test_the_expired_list_filters_by_warehouse(logged_worker):
    north = LocationFactory(warehouse=WarehouseFactory(code="NORD", name="Nord"))
    south = LocationFactory(warehouse=WarehouseFactory(code="SUD", name="Sud"))
    product = ProductFactory()
    stock.receive(product=product, quantity=1, expires_on=days(-5), location=north)
    in_south = stock.receive(product=product, quantity=1, expires_on=days(-5), location=south)
    body = get(logged_worker, "/scan/stock/expired/", warehouse=south.warehouse_id)
    assert rows(body, "lot") == [str(in_south.pk)]


# --- product detail -----------------------------------------------------------------------------


def test_the_product_detail_shows_the_product(logged_worker):
    medical = ProductCategory.objects.create(name="MÉDICAL")
    dressings = ProductCategory.objects.create(name="Pansements", parent=medical)
    product = ProductFactory(
        name="Compresses stériles",
        sku="ASF-COMP-01",
        ean="4006381333931",
        category=dressings,
        brand="SANIT",
        storage_conditions="Au sec, 15-25 °C",
        perishable=True,
        needs_review=True,
    )
    body = get(logged_worker, f"/scan/product/{product.pk}/")
    for text in (
        "Compresses stériles",
        "ASF-COMP-01",
        "4006381333931",
        "MÉDICAL &gt; Pansements",
        "SANIT",
        "Au sec, 15-25 °C",
        'class="badge badge-warn"',
    ):
        assert text in body


def test_the_product_detail_lists_its_lots_in_fefo_order(logged_worker, manager):
    product = ProductFactory()
    later = stock.receive(product=product, quantity=5, expires_on=days(200), lot_code="L-200")
    no_expiry = stock.receive(product=product, quantity=5, lot_code="SANS-DATE")
    sooner = stock.receive(product=product, quantity=5, expires_on=days(20), lot_code="L-20")
    same_day_older = stock.receive(
        product=product, quantity=5, expires_on=days(20), lot_code="L-20-B", received_on=days(-9)
    )
    quarantined = stock.receive(
        product=product,
        quantity=2,
        expires_on=days(100),
        lot_code="QUAR",
        status=LotStatus.QUARANTINED,
    )
    empty = stock.receive(product=product, quantity=1, expires_on=days(1), lot_code="VIDE")
    stock.remove(product=product, quantity=1, lot=empty)

    body = get(logged_worker, f"/scan/product/{product.pk}/")
    expected = [same_day_older, sooner, quarantined, later, no_expiry]
    assert rows(body, "lot") == [str(lot.pk) for lot in expected]
    assert days(20).strftime("%d/%m/%Y") in body
    assert "badge-warn" in body  # the quarantined lot's status


def test_the_product_detail_shows_on_hand_reserved_and_available(logged_worker):
    product = ProductFactory()
    lot = stock.receive(product=product, quantity=10, lot_code="RES")
    # Test setup only: no stock service reserves yet (orders come later), as in
    # tests/wms/test_availability.py.
    ProductLot.objects.filter(pk=lot.pk).update(quantity_reserved=3)
    body = get(logged_worker, f"/scan/product/{product.pk}/")
    row = re.search(rf'<tr data-lot="{lot.pk}">(.*?)</tr>', body, re.S).group(1)
    values = [re.sub(r"<[^>]+>", "", v).strip() for v in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert values[-3:] == ["10", "3", "7"]


def test_the_product_detail_flags_a_lot_past_its_expiry(logged_worker):
    product = ProductFactory()
    stock.receive(product=product, quantity=1, expires_on=days(-1))
    body = get(logged_worker, f"/scan/product/{product.pk}/")
    assert "badge badge-danger" in body


def test_the_product_detail_shows_the_last_20_movements_newest_first(logged_worker, worker):
    product = ProductFactory()
    lot = stock.receive(product=product, quantity=50, actor=Actor(worker))
    for _ in range(22):
        stock.adjust(lot=lot, delta=-1, reason_code="damaged", actor=Actor(worker))
    movements = list(lot.movements.order_by("-created_at", "-id"))
    body = get(logged_worker, f"/scan/product/{product.pk}/")
    assert rows(body, "movement") == [str(m.pk) for m in movements[:20]]
    assert "Ajustement" in body
    assert "-1" in body
    assert "magasinier-test" in body


def test_the_product_detail_of_a_kit_shows_its_components_and_availability(logged_worker):
    gloves = ProductFactory(name="Gants")
    masks = ProductFactory(name="Masques")
    kit = ProductFactory(name="Kit hygiène")
    ProductKitItem.objects.create(kit=kit, component=gloves, quantity=2)
    ProductKitItem.objects.create(kit=kit, component=masks, quantity=5)
    stock.receive(product=gloves, quantity=9)
    stock.receive(product=masks, quantity=21)
    body = get(logged_worker, f"/scan/product/{kit.pk}/")
    kit_line = re.search(r"<p [^>]*data-kit-stock>(.*?)</p>", body, re.S).group(1)
    assert re.match(r"\s*4\b", kit_line)  # min(9 // 2, 21 // 5)
    assert f'href="/scan/product/{gloves.pk}/"' in body
    assert f'href="/scan/product/{masks.pk}/"' in body


# --- receipts -----------------------------------------------------------------------------------


def test_the_receipts_list_shows_each_receipt_newest_first(logged_worker):
    donor = ContactFactory(name="Édith Piaf")
    product = ProductFactory()
    older = receiving.create_receipt(
        receipt_type=ReceiptType.PALLET, received_on=days(-10), source=donor, pallet_count=2
    )
    newer = receiving.create_receipt(
        received_on=days(-1),
        source=donor,
        lines=[dict(product=product, quantity=3), dict(product=product, quantity=4)],
    )
    receiving.receive_line(newer.lines.order_by("pk").first())

    body = get(logged_worker, "/scan/receipts/")
    assert rows(body, "receipt") == [str(newer.pk), str(older.pk)]
    row = re.search(rf'<tr data-receipt="{newer.pk}">(.*?)</tr>', body, re.S).group(1)
    values = [re.sub(r"<[^>]+>", "", v).strip() for v in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert values == [
        newer.reference,
        "Don",
        "Brouillon",
        "Édith Piaf",
        days(-1).strftime("%d/%m/%Y"),
        "2",
        "1",
    ]
    assert "Palette" in body


def test_the_receipts_list_filters_by_type_and_status(logged_worker):
    product = ProductFactory()
    pallet = receiving.create_receipt(receipt_type=ReceiptType.PALLET)
    received = receiving.create_receipt(lines=[dict(product=product, quantity=1)])
    receiving.receive_all(received)
    draft = receiving.create_receipt(lines=[dict(product=product, quantity=1)])

    by_type = get(logged_worker, "/scan/receipts/", receipt_type=ReceiptType.PALLET)
    assert rows(by_type, "receipt") == [str(pallet.pk)]
    by_status = get(logged_worker, "/scan/receipts/", status=ReceiptStatus.RECEIVED)
    assert rows(by_status, "receipt") == [str(received.pk)]
    both = get(
        logged_worker,
        "/scan/receipts/",
        receipt_type=ReceiptType.DONATION,
        status=ReceiptStatus.DRAFT,
    )
    assert rows(both, "receipt") == [str(draft.pk)]


def test_the_receipts_list_refuses_an_unknown_type_and_lists_everything(logged_worker):
    receipt = receiving.create_receipt()
    body = get(logged_worker, "/scan/receipts/", receipt_type="bogus")
    assert "Sélectionnez un choix valide" in body
    assert rows(body, "receipt") == [str(receipt.pk)]


def test_the_receipts_list_is_paginated(logged_worker):
    for _ in range(27):
        receiving.create_receipt()
    assert len(rows(get(logged_worker, "/scan/receipts/"), "receipt")) == 25
    assert len(rows(get(logged_worker, "/scan/receipts/", page=2), "receipt")) == 2


# --- help ---------------------------------------------------------------------------------------


def test_the_faq_covers_flows_statuses_fefo_review_scanner_and_offline(logged_worker):
    body = get(logged_worker, "/scan/faq/")
    for anchor in ("faq-tasks", "faq-statuses", "faq-fefo", "faq-review", "faq-scanner"):
        assert f'id="{anchor}"' in body
    assert 'id="faq-offline"' in body
    assert "FEFO" in body
    assert "GS1" in body


# --- query budgets ------------------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def stock_data(size: int) -> None:
    root = ProductCategory.objects.create(name=f"RACINE {size}")
    child = ProductCategory.objects.create(name="Enfant", parent=root)
    location = LocationFactory()
    for n in range(size):
        product = ProductFactory(category=child if n % 2 else root, ean="")
        stock.receive(product=product, quantity=5, location=location, lot_code=f"L{n}")
        stock.receive(product=product, quantity=2, location=location, expires_on=days(-n - 1))
        stock.receive(product=product, quantity=1, location=location, status="quarantined")


@pytest.mark.parametrize(
    "query",
    ["", "?sort=category", "?sort=quantity&warehouse=1", "?q=L1", "?category=ROOT"],
)
def test_the_stock_costs_the_same_queries_for_3_and_30_products(client, worker, query):
    client.force_login(worker)
    counts = []
    for size in (3, 30):
        stock_data(size)
        root = ProductCategory.objects.get(name=f"RACINE {size}")
        url = "/scan/stock/" + query.replace("ROOT", str(root.pk))
        counts.append(count_queries(client, url))
        counts.append(count_queries(client, "/scan/stock/expired/"))
    assert counts[0] == counts[2], counts
    assert counts[1] == counts[3], counts
    assert counts[0] <= 12 and counts[1] <= 10, counts


def test_the_product_detail_costs_the_same_queries_for_3_and_30_lots(client, worker):
    client.force_login(worker)
    counts = []
    for size in (3, 30):
        kit = ProductFactory(name=f"Kit {size}")
        location = LocationFactory()
        for _ in range(size):
            component = ProductFactory()
            ProductKitItem.objects.create(kit=kit, component=component, quantity=1)
            stock.receive(product=component, quantity=3, location=location)
        counts.append(count_queries(client, f"/scan/product/{kit.pk}/"))
        product = ProductFactory(name=f"Lots {size}")
        for n in range(size):
            lot = stock.receive(
                product=product, quantity=3, location=location, expires_on=days(n - 2)
            )
            stock.adjust(lot=lot, delta=-1, reason_code="damaged", actor=Actor(worker))
        counts.append(count_queries(client, f"/scan/product/{product.pk}/"))
    assert counts[0] == counts[2], counts
    assert counts[1] == counts[3], counts
    assert max(counts) <= 12, counts


def test_the_receipts_list_costs_the_same_queries_for_3_and_30_receipts(client, worker):
    client.force_login(worker)
    counts = []
    product = ProductFactory()
    for size in (3, 30):
        for n in range(size):
            receipt = receiving.create_receipt(
                source=ContactFactory(),
                lines=[dict(product=product, quantity=1), dict(product=product, quantity=2)],
            )
            if n % 2:
                receiving.receive_all(receipt)
        counts.append(count_queries(client, "/scan/receipts/"))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 8, counts
