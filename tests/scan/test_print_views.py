"""Print pages and the label selection screen (S-PRINT, S-ROLES): who may open them, what a bad
selection gets (a 400 page saying why, never a 500), query counts that do not grow with the
data, and the admin actions that lead to them."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import LocationFactory, ProductFactory, WarehouseFactory
from tests.shipping_helpers import scene, stocked_product
from tests.wms.admin_support import assert_managers_hold_admin_permissions
from wms.models import Carton, Location, Product, Shipment
from wms.services import packing

pytestmark = pytest.mark.django_db

BUDGET = 10  # session, user, permissions, then a fixed handful for the page itself


def shipment_urls(shipment: Shipment) -> list[str]:
    carton = Carton.objects.filter(shipment=shipment).order_by("pk").first()
    assert carton is not None
    return [
        *(
            f"/scan/print/shipment/{shipment.pk}/{document}/"
            for document in ("note", "packing-list", "donation", "humanitarian", "customs")
        ),
        f"/scan/print/shipment/{shipment.pk}/labels/",
        f"/scan/print/carton/{carton.pk}/label/",
        f"/scan/print/carton/{carton.pk}/packing-list/",
        f"/scan/print/carton/{carton.pk}/picking-list/",
    ]


def label_urls() -> list[str]:
    products = ",".join(str(pk) for pk in Product.objects.values_list("pk", flat=True))
    locations = ",".join(str(pk) for pk in Location.objects.values_list("pk", flat=True))
    warehouse = Location.objects.values_list("warehouse_id", flat=True).first()
    return [
        f"/scan/print/labels/products/?ids={products}&layout=sheet",
        f"/scan/print/labels/products/?ids={products}&layout=grid",
        f"/scan/print/labels/locations/?ids={locations}",
        f"/scan/print/labels/locations/?ids={locations}&layout=grid",
        "/scan/labels/",
        f"/scan/labels/?q=Produit&warehouse={warehouse}",
    ]


@pytest.fixture
def every_url() -> list[str]:
    shipment = scene().packed_shipment(cartons=2, units=1)
    return shipment_urls(shipment) + label_urls()


# --- who may open them --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["worker", "manager"])
def test_staff_can_open_every_print_page(client, request, every_url, role):
    client.force_login(request.getfixturevalue(role))
    for url in every_url:
        response = client.get(url)
        assert response.status_code == 200, url
        assert client.head(url).status_code == 200, url


def test_a_user_outside_the_staff_is_refused(client, outsider, every_url):
    client.force_login(outsider)
    for url in every_url:
        assert client.get(url).status_code == 403, url


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, every_url):
    for url in every_url:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/scan/login/?next="), url


def test_print_pages_answer_get_only(client, worker, every_url):
    client.force_login(worker)
    for url in every_url:
        assert client.post(url).status_code == 405, url


# --- not found and bad selections ---------------------------------------------------------------


def test_unknown_documents_shipments_and_cartons_are_not_found(client, worker):
    shipment = scene().packed_shipment(cartons=1, units=1)
    carton = Carton.objects.get(shipment=shipment)
    client.force_login(worker)
    for url in (
        f"/scan/print/shipment/{shipment.pk}/invoice/",
        f"/scan/print/shipment/{shipment.pk}/NOTE/",
        f"/scan/print/shipment/{shipment.pk + 1000}/note/",
        f"/scan/print/shipment/{shipment.pk + 1000}/labels/",
        f"/scan/print/carton/{carton.pk + 1000}/label/",
        f"/scan/print/carton/{carton.pk + 1000}/packing-list/",
        f"/scan/print/carton/{carton.pk + 1000}/picking-list/",
    ):
        assert client.get(url).status_code == 404, url


def refusal(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    match = re.search(r"data-error>(.*?)</p>", response.content.decode(), re.S)
    assert match and match.group(1).strip(), "the page says why"
    return match.group(1)


@pytest.mark.parametrize("kind", ["products", "locations"])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?ids=",
        "?ids=,,",
        "?ids=abc",
        "?ids=1,x",
        "?ids=-1",
        "?ids=1.5",
        "?ids=١",  # an Arabic-Indic digit: isdigit() says yes, int() would accept it
        "?ids=99999999999999999999999",
        "?ids=1&layout=poster",
        "?ids=" + ",".join(str(n) for n in range(1, 502)),
    ],
)
def test_a_bad_selection_gets_a_page_saying_why(client, worker, kind, query):
    client.force_login(worker)
    refusal(client, f"/scan/print/labels/{kind}/{query}")


def test_a_selection_of_unknown_items_only_is_refused(client, worker):
    client.force_login(worker)
    refusal(client, "/scan/print/labels/products/?ids=424242")
    refusal(client, "/scan/print/labels/locations/?ids=424242")


def test_unknown_ids_are_left_out_and_duplicates_printed_once(client, worker):
    products = [ProductFactory() for _ in range(2)]
    client.force_login(worker)
    url = f"/scan/print/labels/products/?ids={products[1].pk},424242,{products[0].pk},"
    response = client.get(url + f"{products[0].pk}")
    assert response.status_code == 200
    labels = re.findall(r'data-product-label="([^"]+)"', response.content.decode())
    assert sorted(labels) == sorted(product.sku for product in products)


def test_the_selection_screen_checkboxes_send_repeated_ids(client, worker):
    locations = [LocationFactory() for _ in range(3)]
    client.force_login(worker)
    response = client.get(
        "/scan/print/labels/locations/", {"ids": [locations[0].pk, locations[2].pk]}
    )
    assert response.status_code == 200
    printed = re.findall(r'data-location-label="([^"]+)"', response.content.decode())
    assert printed == [locations[0].qr_payload, locations[2].qr_payload]


def test_every_active_location_of_a_warehouse_can_be_printed_at_once(client, worker):
    warehouse = WarehouseFactory()
    active = [LocationFactory(warehouse=warehouse) for _ in range(3)]
    LocationFactory(warehouse=warehouse, is_active=False)
    LocationFactory()  # another warehouse
    client.force_login(worker)
    response = client.get(f"/scan/print/labels/locations/?warehouse={warehouse.pk}&layout=grid")
    assert response.status_code == 200
    printed = re.findall(r'data-location-label="([^"]+)"', response.content.decode())
    assert printed == [location.qr_payload for location in active]
    refusal(client, "/scan/print/labels/locations/?warehouse=abc")
    refusal(client, f"/scan/print/labels/locations/?warehouse={warehouse.pk + 100}")


# --- query budgets ------------------------------------------------------------------------------


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_shipment_and_carton_pages_do_not_query_per_carton(
    client, worker, django_assert_max_num_queries
):
    shop = scene()
    small = shop.packed_shipment(cartons=2, units=1)
    large = shop.packed_shipment(cartons=12, units=1)
    # A second product in the large shipment: more lines, lots and products per carton.
    other = stocked_product(20, name="Autre produit")
    for carton in Carton.objects.filter(shipment=large).order_by("pk")[:1]:
        packing.reopen_carton(carton=carton, actor=shop.actor)
        packing.pack(product=other, quantity=2, actor=shop.actor, carton=carton)
    client.force_login(worker)
    for small_url, large_url in zip(shipment_urls(small), shipment_urls(large), strict=True):
        count = queries(client, small_url)
        with django_assert_max_num_queries(count):
            queries(client, large_url)
        assert count <= BUDGET, (small_url, count)


def test_label_pages_do_not_query_per_label(client, worker, django_assert_max_num_queries):
    warehouse = WarehouseFactory()
    client.force_login(worker)

    def seed(count: int) -> list[str]:
        locations = [LocationFactory(warehouse=warehouse, zone=f"Z{n}") for n in range(count)]
        for location in locations:
            ProductFactory(name=f"Produit {location.zone}", default_location=location)
        return label_urls()

    small = [queries(client, url) for url in seed(2)]
    large = seed(10)  # the same pages, now with 12 products and 12 locations
    for count, url in zip(small, large, strict=True):
        with django_assert_max_num_queries(count):
            queries(client, url)
    assert max(small) <= BUDGET


# --- the selection screen -----------------------------------------------------------------------


def test_the_selection_screen_lists_matching_products_and_the_warehouse_locations(client, worker):
    warehouse = WarehouseFactory(name="Réserve")
    locations = [LocationFactory(warehouse=warehouse, zone="B", aisle=f"{n:02d}") for n in (2, 1)]
    LocationFactory(warehouse=warehouse, zone="C", is_active=False)
    soap = ProductFactory(name="Savon doux", brand="Marseille", default_location=locations[0])
    ProductFactory(name="Gants nitrile")
    client.force_login(worker)

    body = client.get("/scan/labels/", {"q": "savon", "warehouse": warehouse.pk}).content.decode()
    product_form = re.search(r'data-label-form="products">(.*?)</form>', body, re.S)
    location_form = re.search(r'data-label-form="locations">(.*?)</form>', body, re.S)
    assert product_form and location_form
    assert re.findall(r'name="ids" value="(\d+)"', product_form.group(1)) == [str(soap.pk)]
    assert re.findall(r'name="ids" value="(\d+)"', location_form.group(1)) == [
        str(locations[1].pk),
        str(locations[0].pk),
    ]
    assert 'action="/scan/print/labels/products/"' in body
    assert 'action="/scan/print/labels/locations/"' in body
    assert f"/scan/print/labels/locations/?warehouse={warehouse.pk}&amp;layout=grid" in body
    assert "style=" not in body


def test_the_selection_screen_searches_by_sku_and_brand_and_ignores_a_bad_warehouse(client, worker):
    soap = ProductFactory(name="Savon", brand="Marseille", sku="SAV-001")
    client.force_login(worker)
    for query in ({"q": "sav-0"}, {"q": "marseille"}, {"q": "SAVON", "warehouse": "abc"}):
        response = client.get("/scan/labels/", query)
        assert response.status_code == 200
        listed = re.findall(r'name="ids" value="(\d+)"', response.content.decode())
        assert listed == [str(soap.pk)], query


def test_the_selection_screen_says_when_more_products_match_than_it_lists(client, worker):
    ProductFactory.create_batch(51, name="Compresse")
    client.force_login(worker)
    body = client.get("/scan/labels/", {"q": "compresse"}).content.decode()
    assert len(re.findall(r'name="ids"', body)) == 50


# --- admin actions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "factory", "target"),
    [
        ("product", ProductFactory, "/scan/print/labels/products/"),
        ("location", LocationFactory, "/scan/print/labels/locations/"),
    ],
)
def test_the_admin_action_opens_the_labels_of_the_selected_rows(
    client, manager, model, factory, target
):
    assert_managers_hold_admin_permissions()
    rows = [factory() for _ in range(3)]
    client.force_login(manager)
    chosen = [rows[2].pk, rows[0].pk]
    response = client.post(
        f"/admin/wms/{model}/", {"action": "print_labels", "_selected_action": chosen}
    )
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == target
    assert parse_qs(location.query)["ids"] == [",".join(str(pk) for pk in sorted(chosen))]
    assert client.get(response["Location"]).status_code == 200
