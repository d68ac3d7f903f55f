"""/scan/catalog.json: the compact offline catalogue (S-OFFLINE)."""

import gzip
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import LocationFactory, ProductFactory
from wms.models import Product, ProductKitItem

pytestmark = pytest.mark.django_db


def get(client, **headers):
    return client.get("/scan/catalog.json", **headers)


def test_it_lists_active_products_kits_and_locations(client, worker):
    client.force_login(worker)
    kit = ProductFactory(name="Kit pansement", ean="4006381333931")
    ProductKitItem.objects.create(kit=kit, component=ProductFactory(barcode="B-42"), quantity=2)
    ProductFactory(is_active=False)
    response = get(client)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    data = json.loads(response.content)
    rows = {row[1]: dict(zip(data["product_fields"], row, strict=True)) for row in data["products"]}
    assert len(rows) == 2
    assert rows[kit.sku]["gtin"] == "04006381333931" and rows[kit.sku]["is_kit"] == 1
    assert any(row["barcode"] == "B-42" and row["is_kit"] == 0 for row in rows.values())
    payloads = [location[1] for location in data["locations"]]
    assert kit.default_location.qr_payload in payloads


def test_the_etag_answers_304_until_something_changes(client, worker):
    client.force_login(worker)
    product = ProductFactory()
    first = get(client)
    etag = first["ETag"]
    assert get(client, HTTP_IF_NONE_MATCH=etag).status_code == 304
    product.name = "Nouveau nom"
    product.save()
    changed = get(client, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    LocationFactory()
    assert get(client, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 200


def test_it_is_for_scan_users_only(client, outsider):
    assert get(client).status_code == 302
    client.force_login(outsider)
    assert get(client).status_code == 403


def test_ten_thousand_products_fit_in_300_kb_gzipped_with_constant_queries(client, worker):
    client.force_login(worker)
    location = LocationFactory()
    Product.objects.bulk_create(
        Product(sku=f"ASF-{n:08X}", name=f"Compresses stériles {n} x 10 cm", name_key=f"c{n}",
                gtin=f"0376{n:010d}", default_location=location)
        for n in range(10_000)
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        response = get(client)
    size = len(gzip.compress(response.content))
    assert size <= 300 * 1024, size
    assert len(json.loads(response.content)["products"]) == 10_000
    assert len(queries) <= 6
