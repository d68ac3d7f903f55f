"""CI gate (issue 12, S-OFFLINE): the offline catalogue of 10,000 products stays within
300 KB once gzipped, as a phone downloads it."""

from __future__ import annotations

import gzip
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from bench.seeding import Scale, seed

pytestmark = pytest.mark.django_db

CATALOG_PRODUCTS = 10_000
CATALOG_GZIP_LIMIT = 300 * 1024


def catalog_gzip_bytes(body: bytes) -> int:
    """The size on the wire with gzip at level 6 (what a front server applies)."""
    return len(gzip.compress(body, compresslevel=6))


def test_the_catalogue_of_ten_thousand_products_is_under_300_kb_gzipped():
    report = seed(Scale(products=CATALOG_PRODUCTS, lots=0, movements=0, shipments=0), seed=3)
    client = Client()
    client.force_login(User.objects.get(username=report.worker_username))

    response = client.get("/scan/catalog.json")

    assert response.status_code == 200
    body = response.content
    catalog = json.loads(body)
    assert len(catalog["products"]) == CATALOG_PRODUCTS
    assert all(row[1].startswith("BN-") for row in catalog["products"])
    size = catalog_gzip_bytes(body)
    print(f"\ncatalogue: {len(body):,} bytes, {size:,} bytes gzipped")
    assert size <= CATALOG_GZIP_LIMIT
