"""Quantities typed in the public and portal order tables: ASCII digits only, one value per
product (a duplicated key cannot be guessed)."""

import pytest
from django.http import QueryDict

from tests.factories import ProductFactory
from wms.portal.catalog import has_duplicate_quantities
from wms.public.forms import OrderLines

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", ["qty-{pk}=1&qty-{pk}=5", "qty-{pk}=1&qty-0{pk}=3"])
def test_a_quantity_sent_twice_is_refused(body):
    product = ProductFactory()
    data = QueryDict(body.format(pk=product.pk))
    assert has_duplicate_quantities(data)
    read = OrderLines.from_post(data)
    assert read.lines == [] or read.errors
    assert any("deux fois" in error or "twice" in error for error in read.errors)


def test_a_quantity_in_arabic_indic_digits_is_not_a_number():
    product = ProductFactory()
    read = OrderLines.from_post(QueryDict(f"qty-{product.pk}=٣"))
    assert read.lines == [] and read.errors


def test_one_value_per_product_is_read():
    product = ProductFactory()
    data = QueryDict(f"qty-{product.pk}=3")
    assert not has_duplicate_quantities(data)
    assert [(line.product, line.quantity) for line in OrderLines.from_post(data).lines] == [
        (product, 3)
    ]
