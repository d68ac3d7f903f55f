"""`manage.py seed_api_fuzz` (bin/api_fuzz.sh): demo data, inbound events and a full-scope API key
printed alone on stdout — on an empty database only."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from tests.factories import ProductFactory
from tests.stock_helpers import ledger_is_clean
from wms.models import ApiKey, IntegrationEvent, Order, Product, Shipment

pytestmark = pytest.mark.django_db


def seed() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_api_fuzz", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_seeds_an_empty_database_and_prints_only_a_working_key():
    cache.clear()
    out, err = seed()
    raw_key = out.strip()
    assert "\n" not in raw_key
    assert "api-fuzz" in err
    assert Product.objects.count() > 10
    assert Shipment.objects.exists() and Order.objects.exists()
    assert IntegrationEvent.objects.filter(direction="inbound").count() >= 3
    assert ledger_is_clean()
    key = ApiKey.objects.get()
    assert key.scopes == {"read", "write", "events"}
    response = APIClient().get("/api/v1/whoami/", HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert response.json() == {
        "kind": "key",
        "name": "api-fuzz",
        "scopes": ["events", "read", "write"],
    }


def test_it_refuses_a_database_that_holds_products():
    ProductFactory()
    with pytest.raises(CommandError, match="empty database"):
        seed()
    assert not ApiKey.objects.exists()
    assert Product.objects.count() == 1
