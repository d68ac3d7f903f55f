"""`GET /api/v1/products/` and `/api/v1/products/{id}/` (api-v1-compat.md "Products", S-API)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import LocationFactory, ProductFactory
from wms.models import (
    LotStatus,
    Product,
    ProductCategory,
    ProductKitItem,
    ProductLot,
    ProductTag,
)
from wms.services import stock
from wms.services.fefo import today

pytestmark = pytest.mark.django_db

KEY = "integration-key-for-product-tests-0123456789"
LIST = "/api/v1/products/"
CONTRACT_FIELDS = {
    "id",
    "sku",
    "name",
    "brand",
    "color",
    "category_id",
    "category_name",
    "tags",
    "barcode",
    "ean",
    "pu_ht",
    "tva",
    "pu_ttc",
    "available_stock",
    "default_location_id",
    "storage_conditions",
    "perishable",
    "quarantine_default",
    "notes",
    "is_active",
    "weight_g",
    "volume_cm3",
    "length_cm",
    "width_cm",
    "height_cm",
    "photo",
}


@pytest.fixture(autouse=True)
def integration_key() -> Iterator[None]:
    with override_settings(INTEGRATION_API_KEY=KEY):
        yield


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def key_api() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_ASF_INTEGRATION_KEY=KEY)
    return client


def reserve(lot: ProductLot, quantity: int) -> None:
    # Test setup only: reservations come with orders (a later issue) and no stock service
    # reserves yet, so the reserved quantity is set directly here to exercise the subtraction.
    ProductLot.objects.filter(pk=lot.pk).update(quantity_reserved=quantity)


def skus(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["sku"] for row in response.json()]


# --- who may read ------------------------------------------------------------------------------


def test_anonymous_callers_get_401_json(api):
    product = ProductFactory()
    for path in [LIST, f"{LIST}{product.pk}/"]:
        response = api.get(path)
        assert response.status_code == 401
        assert response.json() == {
            "detail": "Informations d'authentification non fournies.",
            "errors": {},
        }


def test_a_user_without_a_staff_role_gets_403(api, outsider):
    product = ProductFactory()
    api.force_login(outsider)
    for path in [LIST, f"{LIST}{product.pk}/"]:
        response = api.get(path)
        assert response.status_code == 403
        assert response.json() == {"detail": "Accès à l'API refusé.", "errors": {}}


@pytest.mark.parametrize("role", ["worker", "manager"])
def test_worker_and_manager_sessions_read_the_products(api, role, request):
    product = ProductFactory(sku="SESSION-1")
    api.force_login(request.getfixturevalue(role))
    assert skus(api.get(LIST)) == ["SESSION-1"]
    assert api.get(f"{LIST}{product.pk}/").json()["sku"] == "SESSION-1"


# --- shape -------------------------------------------------------------------------------------


def test_the_list_is_a_plain_array_with_exactly_the_contract_fields(key_api):
    category = ProductCategory.objects.create(name="PANSEMENTS")
    product = ProductFactory(
        sku="MED-COMP-010",
        name="Compresse stérile",
        brand="HARTMANN",
        category=category,
        pu_ht=Decimal("12.5"),
        tva=Decimal("5.5"),
        length_cm=Decimal("10.5"),
        weight_g=250,
        photo="products/compresse.png",
    )
    product.tags.add(ProductTag.objects.create(name="Stérile"), ProductTag.objects.create(name="A"))
    response = key_api.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert len(body) == 1
    row = body[0]
    assert set(row) == CONTRACT_FIELDS
    assert row["id"] == product.pk
    assert row["category_id"] == category.pk
    assert row["category_name"] == "PANSEMENTS"
    assert row["tags"] == ["A", "Stérile"]
    # Decimals are strings, as the earlier system gave them.
    assert (row["pu_ht"], row["tva"], row["pu_ttc"]) == ("12.50", "0.0550", "13.19")
    assert (row["length_cm"], row["width_cm"]) == ("10.50", None)
    assert row["weight_g"] == 250
    assert row["default_location_id"] == product.default_location_id
    assert row["photo"] == "http://testserver" + product.photo.url
    assert row["available_stock"] == 0
    assert row["is_active"] is True


def test_a_product_without_category_or_photo_gives_nulls(key_api):
    product = ProductFactory(default_location=None)
    row = key_api.get(f"{LIST}{product.pk}/").json()
    assert set(row) == CONTRACT_FIELDS
    assert (row["category_id"], row["category_name"], row["photo"]) == (None, None, None)
    assert (row["default_location_id"], row["tags"], row["pu_ht"]) == (None, [], None)


def test_the_list_is_ordered_by_name(key_api):
    for name in ["Seringue", "Attelle", "Masque"]:
        ProductFactory(name=name)
    names = [row["name"] for row in key_api.get(LIST).json()]
    assert names == ["Attelle", "Masque", "Seringue"]


# --- available stock ---------------------------------------------------------------------------


def test_available_stock_counts_usable_units_only(key_api):
    product = ProductFactory()
    usable = stock.receive(product=product, quantity=10, lot_code="OK")
    stock.adjust(lot=usable, delta=-2, reason_code="damaged")  # 8 on hand
    reserve(usable, 3)  # 5 usable
    stock.receive(product=product, quantity=4, expires_on=today())  # usable until tonight
    stock.receive(product=product, quantity=7, expires_on=today() - dt.timedelta(days=1))
    stock.receive(product=product, quantity=20, status=LotStatus.QUARANTINED)
    stock.receive(product=product, quantity=30, status=LotStatus.HOLD)
    assert key_api.get(LIST).json()[0]["available_stock"] == 9
    assert key_api.get(f"{LIST}{product.pk}/").json()["available_stock"] == 9


def test_a_kit_shows_its_kit_availability(key_api):
    gauze = ProductFactory(name="Compresse")
    gloves = ProductFactory(name="Gants")
    out_of_stock = ProductFactory(name="Sparadrap")
    stock.receive(product=gauze, quantity=9)  # 9 // 2 = 4 kits
    stock.receive(product=gloves, quantity=10)  # 10 // 3 = 3 kits
    kit = ProductFactory(name="Kit pansement", default_location=None)
    ProductKitItem.objects.create(kit=kit, component=gauze, quantity=2)
    ProductKitItem.objects.create(kit=kit, component=gloves, quantity=3)
    broken = ProductFactory(name="Kit suture", default_location=None)
    ProductKitItem.objects.create(kit=broken, component=gauze, quantity=1)
    ProductKitItem.objects.create(kit=broken, component=out_of_stock, quantity=1)
    stocks = {row["name"]: row["available_stock"] for row in key_api.get(LIST).json()}
    assert stocks == {
        "Compresse": 9,
        "Gants": 10,
        "Kit pansement": 3,
        "Kit suture": 0,
        "Sparadrap": 0,
    }
    assert key_api.get(f"{LIST}{kit.pk}/").json()["available_stock"] == 3


# --- pagination --------------------------------------------------------------------------------


@pytest.fixture
def five_products() -> list[Product]:
    return [ProductFactory(name=f"Produit {letter}", sku=f"P-{letter}") for letter in "ABCDE"]


def test_the_plain_list_is_complete_beyond_a_page(key_api):
    for index in range(60):
        ProductFactory(name=f"Article {index:03d}")
    body = key_api.get(LIST).json()
    assert isinstance(body, list)
    assert len(body) == 60


def test_page_switches_to_the_envelope(key_api, five_products):
    body = key_api.get(LIST, {"page": 1}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 5
    assert (body["next"], body["previous"]) == (None, None)
    assert [row["sku"] for row in body["results"]] == ["P-A", "P-B", "P-C", "P-D", "P-E"]
    assert set(body["results"][0]) == CONTRACT_FIELDS


def test_page_size_paginates(key_api, five_products):
    first = key_api.get(LIST, {"page_size": 2}).json()
    assert first["count"] == 5
    assert [row["sku"] for row in first["results"]] == ["P-A", "P-B"]
    assert first["next"] == "http://testserver/api/v1/products/?page=2&page_size=2"
    assert first["previous"] is None
    last = key_api.get(LIST, {"page_size": 2, "page": 3}).json()
    assert [row["sku"] for row in last["results"]] == ["P-E"]
    assert last["next"] is None


def test_page_size_is_capped_at_500(key_api, five_products):
    body = key_api.get(LIST, {"page_size": 10_000}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 5


def test_a_page_beyond_the_end_is_a_json_404(key_api, five_products):
    response = key_api.get(LIST, {"page": 9})
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "errors"}


def test_pagination_applies_after_the_filters(key_api, five_products):
    body = key_api.get(LIST, {"page": 1, "sku": "p-c"}).json()
    assert body["count"] == 1
    assert [row["sku"] for row in body["results"]] == ["P-C"]


# --- filters -----------------------------------------------------------------------------------


@pytest.fixture
def catalogue() -> dict[str, Any]:
    """Two active products that differ in every filtered field, and an archived one."""
    dressings = ProductCategory.objects.create(name="PANSEMENTS")
    hygiene = ProductCategory.objects.create(name="HYGIENE")
    sterile = ProductTag.objects.create(name="Stérile")
    single_use = ProductTag.objects.create(name="Usage unique")
    target = ProductFactory(
        sku="MED-COMP-010",
        name="Compresse Stérile 10x10",
        brand="HARTMANN",
        color="Bleu",
        category=dressings,
        barcode="BC-778899",
        ean="4006381333931",
        pu_ht=Decimal("12.50"),
        tva=Decimal("0.055"),
        length_cm=Decimal("10.50"),
        width_cm=Decimal("8"),
        height_cm=Decimal("15.25"),
        weight_g=250,
        volume_cm3=1200,
        storage_conditions="Au frais",
        notes="Ne pas empiler",
        perishable=True,
        quarantine_default=True,
    )
    target.tags.add(sterile)
    other = ProductFactory(
        sku="EPI-GANT-001",
        name="Gants Nitrile",
        brand="AMBU",
        color="Vert",
        category=hygiene,
        barcode="XY-1",
        pu_ht=Decimal("3"),
        tva=Decimal("0.2"),
        length_cm=Decimal("1"),
        width_cm=Decimal("2"),
        height_cm=Decimal("3"),
        weight_g=100,
        volume_cm3=300,
        storage_conditions="Température ambiante",
    )
    other.tags.add(single_use)
    archived = ProductFactory(sku="OLD-001", name="Ancien Modèle", is_active=False)
    stock.receive(
        product=target,
        quantity=7,
        expires_on=today() + dt.timedelta(days=90),
        status=LotStatus.AVAILABLE,
    )
    stock.receive(product=other, quantity=4)
    return {
        "target": target,
        "other": other,
        "archived": archived,
        "dressings": dressings,
        "sterile": sterile,
    }


TARGET_ONLY: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("q", lambda c: "compresse"),
    ("q", lambda c: "comp-010"),  # SKU
    ("q", lambda c: "778899"),  # barcode
    ("q", lambda c: "hartm"),  # brand
    ("name", lambda c: "stérile 10"),
    ("brand", lambda c: "hartmann"),
    ("sku", lambda c: "med-comp"),
    ("barcode", lambda c: "bc-77"),
    ("ean", lambda c: "40063813"),
    ("color", lambda c: "bleu"),
    ("category", lambda c: "pansem"),
    ("tag", lambda c: "stér"),
    ("storage_conditions", lambda c: "frais"),
    ("notes", lambda c: "EMPILER"),
    ("category_id", lambda c: c["dressings"].pk),
    ("tag_id", lambda c: c["sterile"].pk),
    ("default_location_id", lambda c: c["target"].default_location_id),
    ("weight_g", lambda c: 250),
    ("volume_cm3", lambda c: 1200),
    ("perishable", lambda c: "true"),
    ("quarantine_default", lambda c: "true"),
    ("pu_ht", lambda c: "12.5"),
    ("pu_ht", lambda c: "12.50"),
    ("tva", lambda c: "0.055"),
    ("pu_ttc", lambda c: "13.19"),
    ("length_cm", lambda c: "10.5"),
    ("width_cm", lambda c: "8"),
    ("height_cm", lambda c: "15.25"),
    ("available_stock", lambda c: 7),
]


@pytest.mark.parametrize(("param", "value"), TARGET_ONLY, ids=[p for p, _ in TARGET_ONLY])
def test_each_filter_selects_the_matching_product(key_api, catalogue, param, value):
    assert skus(key_api.get(LIST, {param: value(catalogue)})) == ["MED-COMP-010"]


def test_boolean_filters_also_select_false(key_api, catalogue):
    assert skus(key_api.get(LIST, {"perishable": "false"})) == ["EPI-GANT-001"]
    assert skus(key_api.get(LIST, {"quarantine_default": "0"})) == ["EPI-GANT-001"]


def test_filters_combine(key_api, catalogue):
    assert skus(key_api.get(LIST, {"q": "n", "brand": "ambu"})) == ["EPI-GANT-001"]
    assert skus(key_api.get(LIST, {"q": "gants", "brand": "hartmann"})) == []


def test_archived_products_are_hidden_unless_asked_for(key_api, catalogue):
    everyone_active = ["MED-COMP-010", "EPI-GANT-001"]
    assert skus(key_api.get(LIST)) == everyone_active
    assert skus(key_api.get(LIST, {"is_active": "false"})) == ["OLD-001"]
    assert skus(key_api.get(LIST, {"is_active": "true"})) == everyone_active
    # A malformed value is ignored: the default (active only) applies.
    assert skus(key_api.get(LIST, {"is_active": "peut-être"})) == everyone_active


def test_the_detail_of_an_archived_product_is_readable(key_api, catalogue):
    response = key_api.get(f"{LIST}{catalogue['archived'].pk}/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("weight_g", "abc"),
        ("weight_g", "2.5"),
        ("weight_g", "99999999999999999999999"),
        ("category_id", "pansements"),
        ("tag_id", ""),
        ("available_stock", "beaucoup"),
        ("pu_ht", "douze"),
        ("pu_ht", "1e400"),
        ("tva", "NaN"),
        ("perishable", "oui"),
        ("no_such_filter", "x"),
    ],
)
def test_malformed_or_unknown_filters_are_ignored(key_api, catalogue, param, value):
    response = key_api.get(LIST, {param: value})
    assert skus(response) == ["MED-COMP-010", "EPI-GANT-001"]


def test_a_malformed_filter_does_not_disable_the_valid_ones(key_api, catalogue):
    assert skus(key_api.get(LIST, {"weight_g": "abc", "brand": "ambu"})) == ["EPI-GANT-001"]


def test_a_product_with_two_matching_tags_appears_once_with_its_stock(key_api):
    product = ProductFactory(sku="TWO-TAGS")
    stock.receive(product=product, quantity=6)
    stock.receive(product=product, quantity=5)
    product.tags.add(
        ProductTag.objects.create(name="Stérile"), ProductTag.objects.create(name="Stocké")
    )
    rows = key_api.get(LIST, {"tag": "st"}).json()
    assert [(row["sku"], row["available_stock"]) for row in rows] == [("TWO-TAGS", 11)]
    rows = key_api.get(LIST, {"tag": "st", "available_stock": 11}).json()
    assert [row["sku"] for row in rows] == ["TWO-TAGS"]


# --- detail ------------------------------------------------------------------------------------


def test_the_detail_gives_one_product(key_api, catalogue):
    target = catalogue["target"]
    response = key_api.get(f"{LIST}{target.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CONTRACT_FIELDS
    assert (body["sku"], body["available_stock"], body["tags"]) == ("MED-COMP-010", 7, ["Stérile"])


def test_an_unknown_product_is_a_json_404(key_api):
    response = key_api.get(f"{LIST}999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Produit introuvable.", "errors": {}}


def test_head_is_answered_like_get(key_api, api):
    assert key_api.head(LIST).status_code == 200
    assert api.head(LIST).status_code == 401


# --- queries -----------------------------------------------------------------------------------


def make_products(count: int) -> None:
    """Products with what makes a naive list slow: a category, two tags, lots, kits."""
    category = ProductCategory.objects.get_or_create(name="CATALOGUE")[0]
    tags = [ProductTag.objects.get_or_create(name=name)[0] for name in ("Stérile", "Fragile")]
    location = LocationFactory()
    start = Product.objects.count()
    for index in range(start, start + count):
        product = ProductFactory(
            name=f"Article {index:03d}", category=category, default_location=location
        )
        product.tags.add(*tags)
        if index % 5 == 4:
            component = Product.objects.filter(kit_items__isnull=True).exclude(pk=product.pk)[0]
            ProductKitItem.objects.create(kit=product, component=component, quantity=2)
        else:
            stock.receive(product=product, quantity=index + 1)


# Reading and writing the caller's request counter in the database cache (S-API rate limits).
# Two more: one check per caller at a time (a lock and its release, wms/api/throttles.py).
RATE_LIMIT_QUERIES = 8


def list_queries(client: APIClient, params: dict[str, Any]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params)
    assert response.status_code == 200
    body = response.json()
    rows = body if isinstance(body, list) else body["results"]
    return len(queries), len(rows)


@pytest.mark.parametrize("params", [{}, {"tag": "stér"}, {"page_size": 100}])
def test_the_query_count_does_not_grow_with_the_number_of_products(key_api, params):
    make_products(5)
    small, small_rows = list_queries(key_api, params)
    make_products(45)
    large, large_rows = list_queries(key_api, params)
    assert (small_rows, large_rows) == (5, 50)
    assert small == large
    # Key callers: products with their stock in one query, the tags in one prefetch (+ COUNT
    # when paginated), plus the rate limit's counter in the shared database cache.
    assert large <= (3 if "page_size" in params else 2) + RATE_LIMIT_QUERIES


def test_a_session_list_also_costs_a_constant_number_of_queries(api, worker):
    api.force_login(worker)
    make_products(5)
    small, _ = list_queries(api, {})
    make_products(45)
    large, _ = list_queries(api, {})
    assert small == large


# --- schema ------------------------------------------------------------------------------------


def test_the_schema_documents_every_filter(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameters = schema["paths"]["/api/v1/products/"]["get"]["parameters"]
    documented = {p["name"]: p for p in parameters}
    filters = {
        "is_active",
        "q",
        "name",
        "brand",
        "sku",
        "barcode",
        "ean",
        "color",
        "category",
        "tag",
        "storage_conditions",
        "notes",
        "category_id",
        "tag_id",
        "default_location_id",
        "weight_g",
        "volume_cm3",
        "perishable",
        "quarantine_default",
        "pu_ht",
        "tva",
        "pu_ttc",
        "length_cm",
        "width_cm",
        "height_cm",
        "available_stock",
    }
    assert set(documented) == filters | {"page", "page_size"}
    assert all(documented[name].get("description") for name in documented)
    assert documented["weight_g"]["schema"] == {"type": "integer"}
    assert "actifs seulement" in documented["is_active"]["description"]
    assert "/api/v1/products/{id}/" in schema["paths"]
