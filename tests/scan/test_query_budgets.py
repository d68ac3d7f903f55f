"""Query-count budgets of the scan screens: the same number of queries with 3 or 30 products
(lists and forms must not query per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ContactFactory, LocationFactory, ProductFactory
from wms.services import receiving, stock

pytestmark = pytest.mark.django_db

SCREENS = [
    "/scan/", "/scan/stock/", "/scan/stock/expired/", "/scan/receipts/", "/scan/faq/",
    "/scan/stock-update/", "/scan/out/", "/scan/adjust/", "/scan/count/", "/scan/move/",
    "/scan/outbox/", "/scan/catalog.json", "/scan/resolve/?code=Produit",
]  # fmt: skip
BUDGET = 15


def seed(count):
    location = LocationFactory()
    donor = ContactFactory(is_donor=True)
    products = [ProductFactory(default_location=location) for _ in range(count)]
    for product in products:
        stock.receive(product=product, quantity=5, lot_code="L")
    receiving.create_receipt(source=donor, lines=[{"product": p, "quantity": 1} for p in products])
    return products


def queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code in (200, 400), (path, response.status_code)
    return len(captured)


@pytest.mark.parametrize("path", [*SCREENS, "product"])
def test_the_query_count_does_not_grow_with_the_data(client, worker, path):
    client.force_login(worker)
    products = seed(3)
    target = f"/scan/product/{products[0].pk}/" if path == "product" else path
    small = queries(client, target)
    more = seed(27)
    target = f"/scan/product/{more[0].pk}/" if path == "product" else path
    large = queries(client, target)
    assert small == large, f"{target}: {small} queries with 3 products, {large} with 30"
    assert large <= BUDGET
