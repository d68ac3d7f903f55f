"""`/api/v1/orders/` (+ `{id}/`, `{id}/reserve/`, `{id}/prepare/`) — api-v1-compat.md "Orders"."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.api import (
    INTEGRATION_KEY,
    RATE_LIMIT_QUERIES,
    anonymous,
    api_key_client,
    integration_client,
    queries_for,
    rows,
    session_client,
)
from tests.factories import ProductFactory
from tests.shipping_helpers import Scene, scene
from tests.stock_helpers import ledger_is_clean
from tests.wms.test_orders_workflow import approve, association, packable, place
from wms.models import Order, OrderLine, OrderReservation, OrderStatus, ReviewStatus
from wms.services import orders

pytestmark = pytest.mark.django_db

LIST = "/api/v1/orders/"
ORDER_FIELDS = {
    "id",
    "reference",
    "status",
    "shipper_name",
    "recipient_name",
    "correspondent_name",
    "destination_address",
    "destination_city",
    "destination_country",
    "requested_delivery_date",
    "shipment_id",
    "created_at",
    "lines",
    "review_status",
}
LINE_FIELDS = {
    "id",
    "product_id",
    "product_name",
    "quantity",
    "reserved_quantity",
    "prepared_quantity",
}


@pytest.fixture(autouse=True)
def integration_key() -> Iterator[None]:
    with override_settings(INTEGRATION_API_KEY=INTEGRATION_KEY):
        yield


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


def reserve_path(order: Order) -> str:
    return f"{LIST}{order.pk}/reserve/"


def prepare_path(order: Order) -> str:
    return f"{LIST}{order.pk}/prepare/"


def approved_order(sc: Scene, quantity: int = 4) -> Order:
    product = packable(50, name="Compresses stériles")
    order = place(association(), [(product, quantity)])
    return approve(order, sc)


NUMBERS = itertools.count(1)


def bare_orders(count: int, lines: int = 2) -> list[Order]:
    """Orders written directly (fast): for shapes, ordering and query counts."""
    products = [ProductFactory() for _ in range(lines)]
    made = []
    for _ in range(count):
        order = Order.objects.create(reference=f"CMD-{next(NUMBERS):05d}", recipient_name="Hôpital")
        for product in products:
            OrderLine.objects.create(order=order, product=product, quantity=3, quantity_asked=3)
        made.append(order)
    return made


# --- reading -----------------------------------------------------------------------------------


def test_the_list_is_a_plain_array_with_exactly_the_contract_fields(sc):
    order = approved_order(sc, quantity=4)
    Order.objects.filter(pk=order.pk).update(requested_date=dt.date(2026, 5, 4))
    body = rows(integration_client().get(LIST))
    assert len(body) == 1
    row = body[0]
    assert set(row) == ORDER_FIELDS
    assert row["id"] == order.pk
    assert row["reference"] == order.reference
    assert (row["status"], row["review_status"]) == ("reserved", "approved")
    assert row["recipient_name"] == order.recipient_name
    assert row["correspondent_name"] == sc.destination.correspondent.name
    assert (row["destination_city"], row["destination_country"]) == ("Antananarivo", "Madagascar")
    assert row["destination_address"] == "Rue Andriamifidy"
    assert row["requested_delivery_date"] == "2026-05-04"
    assert row["shipment_id"] is None
    [line] = row["lines"]
    assert set(line) == LINE_FIELDS
    assert line["product_name"] == "Compresses stériles"
    assert (line["quantity"], line["reserved_quantity"], line["prepared_quantity"]) == (4, 4, 0)


def test_the_detail_has_the_same_shape_and_unknown_ids_are_a_json_404():
    [order] = bare_orders(1)
    client = integration_client()
    row = client.get(f"{LIST}{order.pk}/").json()
    assert set(row) == ORDER_FIELDS
    assert [set(line) for line in row["lines"]] == [LINE_FIELDS, LINE_FIELDS]
    missing = client.get(f"{LIST}{order.pk + 1000}/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Commande introuvable.", "errors": {}}


def test_orders_come_newest_first():
    first, second, third = bare_orders(3)
    now = timezone.now()
    for order, days in ((first, 3), (second, 1), (third, 2)):
        Order.objects.filter(pk=order.pk).update(created_at=now - dt.timedelta(days=days))
    body = rows(integration_client().get(LIST))
    assert [row["id"] for row in body] == [second.pk, third.pk, first.pk]


def test_page_or_page_size_switches_to_the_envelope():
    bare_orders(3)
    body = integration_client().get(LIST, {"page": 1}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert set(body["results"][0]) == ORDER_FIELDS
    paged = integration_client().get(LIST, {"page_size": 2}).json()
    assert (paged["count"], len(paged["results"])) == (3, 2)


def test_the_list_costs_the_same_queries_for_3_or_30_orders():
    client = integration_client()
    bare_orders(3)
    small = queries_for(client, LIST)
    bare_orders(27)
    assert len(rows(client.get(LIST))) == 30
    large = queries_for(client, LIST)
    assert small == large
    # Orders, then their lines with the product names in one prefetch.
    assert large <= 2 + RATE_LIMIT_QUERIES


def test_the_detail_costs_the_same_queries_for_3_or_30_lines():
    client = integration_client()
    [few] = bare_orders(1, lines=3)
    [many] = bare_orders(1, lines=30)
    assert queries_for(client, f"{LIST}{few.pk}/") == queries_for(client, f"{LIST}{many.pk}/")


@pytest.mark.parametrize("role", ["worker", "manager"])
def test_staff_sessions_read_the_orders(role, request):
    bare_orders(1)
    client = session_client(request.getfixturevalue(role))
    assert len(rows(client.get(LIST))) == 1


def test_a_read_key_reads_the_orders():
    bare_orders(1)
    assert len(rows(api_key_client(read=True).get(LIST))) == 1


def test_anonymous_callers_and_association_users_read_nothing():
    [order] = bare_orders(1)
    user = association("Asso Curieuse").association_profiles.get().user
    for path in (LIST, f"{LIST}{order.pk}/"):
        assert anonymous().get(path).status_code == 401
        response = session_client(user).get(path)
        assert response.status_code == 403
        assert response.json() == {"detail": "Accès à l'API refusé.", "errors": {}}


# --- reserve -----------------------------------------------------------------------------------


def test_a_manager_reserves_what_an_approved_order_lacks(sc, manager):
    order = approved_order(sc, quantity=4)
    # Units given back (as after an unpacked carton from a lot since put on hold): 2 missing.
    line = order.lines.get()
    OrderReservation.objects.filter(line=line).delete()
    lot = line.product.lots.get()
    lot.quantity_reserved = 2
    lot.save(update_fields=["quantity_reserved"])
    line.quantity_reserved = 2
    line.save(update_fields=["quantity_reserved"])
    OrderReservation.objects.create(line=line, lot=lot, quantity=2)

    response = session_client(manager).post(reserve_path(order))
    assert response.status_code == 200, response.content
    assert response.json() == {"order_id": order.pk, "status": "reserved"}
    line.refresh_from_db()
    assert line.quantity_reserved == 4


def test_reserving_an_order_not_approved_is_a_400_with_the_service_message(manager):
    order = place(association(), [(packable(10), 2)])
    response = session_client(manager).post(reserve_path(order))
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("Commande non validée")
    assert body["errors"] == {}
    order.refresh_from_db()
    assert (order.status, order.review_status) == (OrderStatus.DRAFT, ReviewStatus.PENDING)


def test_a_key_with_write_reserves(sc):
    order = approved_order(sc)
    response = api_key_client(read=False, write=True).post(reserve_path(order))
    assert response.status_code == 200, response.content
    assert response.json() == {"order_id": order.pk, "status": "reserved"}


def test_reserving_an_unknown_order_is_a_json_404(manager):
    response = session_client(manager).post(f"{LIST}999999/reserve/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Commande introuvable.", "errors": {}}


def test_workers_the_integration_key_and_read_keys_may_not_reserve_or_prepare(sc, worker):
    order = approved_order(sc)
    callers = {
        "worker": session_client(worker),
        "integration": integration_client(),
        "read key": api_key_client(read=True, events=True),
    }
    for path in (reserve_path(order), prepare_path(order)):
        for name, client in callers.items():
            assert client.post(path).status_code == 403, (name, path)
        assert anonymous().post(path).status_code == 401
    order.refresh_from_db()
    assert (order.status, order.shipment_id) == (OrderStatus.RESERVED, None)


def test_association_users_may_not_reserve(sc):
    order = approved_order(sc)
    user = order.association_contact.association_profiles.get().user
    assert session_client(user).post(reserve_path(order)).status_code == 403


# --- prepare -----------------------------------------------------------------------------------


def test_a_manager_prepares_an_approved_order_into_its_shipment(sc, manager):
    order = approved_order(sc, quantity=4)
    response = session_client(manager).post(prepare_path(order))
    assert response.status_code == 200, response.content
    assert response.json() == {"order_id": order.pk, "status": "ready"}
    order.refresh_from_db()
    assert order.shipment is not None
    assert order.lines.get().quantity_prepared == 4
    assert ledger_is_clean()


def test_preparing_an_order_not_approved_is_a_400(manager):
    order = place(association(), [(packable(10), 2)])
    response = session_client(manager).post(prepare_path(order))
    assert response.status_code == 400
    assert "n'est pas à préparer" in response.json()["detail"]


def test_a_key_with_write_prepares(sc):
    order = approved_order(sc, quantity=2)
    response = api_key_client(read=False, write=True).post(prepare_path(order))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ready"


# --- idempotency -------------------------------------------------------------------------------


def test_the_same_idempotency_key_prepares_once_and_answers_the_same(sc, manager):
    order = approved_order(sc, quantity=4)
    client = session_client(manager)
    first = client.post(prepare_path(order), HTTP_IDEMPOTENCY_KEY="prep-1")
    cartons = set(Order.objects.get(pk=order.pk).shipment.cartons.values_list("pk", flat=True))
    assert cartons
    second = client.post(prepare_path(order), HTTP_IDEMPOTENCY_KEY="prep-1")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    order.refresh_from_db()
    assert set(order.shipment.cartons.values_list("pk", flat=True)) == cartons


def test_the_same_idempotency_key_for_another_order_is_a_409(sc, manager):
    order = approved_order(sc)
    other = place(association("Autre Asso"), [(packable(10), 1)])
    client = session_client(manager)
    assert client.post(reserve_path(order), HTTP_IDEMPOTENCY_KEY="k").status_code == 200
    conflict = client.post(reserve_path(other), HTTP_IDEMPOTENCY_KEY="k")
    assert conflict.status_code == 409
    assert set(conflict.json()) == {"detail", "errors"}


def test_a_refusal_is_replayed_as_the_same_400(manager):
    order = place(association(), [(packable(10), 2)])
    client = session_client(manager)
    first = client.post(reserve_path(order), HTTP_IDEMPOTENCY_KEY="refus")
    second = client.post(reserve_path(order), HTTP_IDEMPOTENCY_KEY="refus")
    assert (first.status_code, second.status_code) == (400, 400)
    assert first.json()["detail"] == second.json()["detail"]
    assert orders.reserved_quantity(order, order.lines.get().product) == 0
