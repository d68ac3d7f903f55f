"""The association's orders in the portal (S-ORDERS): the dashboard (review status, shipment
progress with "PARTIEL x/y"), the order's page (lines, reservations once approved, carton
estimates, shipment and tracking link), the printable summary, and query budgets that do not
grow with the number of orders or lines."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import DestinationFactory
from tests.portal.conftest import place, stocked
from tests.shipping_helpers import scene
from wms.models import Order, OrderStatus, ReviewStatus, Shipment
from wms.services import orders, packing
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

DASHBOARD = "/portal/"


def detail_url(order: Order) -> str:
    return reverse("portal:order_detail", args=[order.pk])


def picking_shipment(manager, packed: int, open_: int) -> Shipment:
    """A shipment with `packed` closed cartons and `open_` cartons still being packed."""
    the_scene = scene(manager)
    shipment = the_scene.shipment()
    product = stocked(100)
    for index in range(packed + open_):
        result = packing.pack(product=product, quantity=2, actor=the_scene.actor, shipment=shipment)
        if index < packed:
            packing.close_carton(carton=result.carton, actor=the_scene.actor)
    shipment.refresh_from_db()
    return shipment


def attach(order: Order, shipment: Shipment) -> None:
    Order.objects.filter(pk=order.pk).update(
        shipment=shipment, review_status=ReviewStatus.APPROVED, status=OrderStatus.PREPARING
    )


# --- dashboard -----------------------------------------------------------------------------------


def test_the_dashboard_lists_only_this_associations_orders(portal, association, other_association):
    mine = place(association, [(stocked(10), 2)])
    theirs = place(other_association, [(stocked(10), 2)])
    body = portal.get(DASHBOARD).content.decode()
    assert f'data-order="{mine.pk}"' in body
    assert mine.reference in body
    assert f'data-order="{theirs.pk}"' not in body
    assert theirs.reference not in body
    assert 'data-review-status="pending_validation"' in body


def test_the_dashboard_shows_partial_progress_of_a_shipment_being_packed(
    portal, association, manager
):
    order = place(association, [(stocked(10), 2)])
    shipment = picking_shipment(manager, packed=1, open_=2)
    assert shipment.status == "picking"
    attach(order, shipment)
    body = portal.get(DASHBOARD).content.decode()
    row = re.search(rf'<tr data-order="{order.pk}".*?</tr>', body, re.S).group(0)
    assert re.search(r"data-progress>PARTIEL 1/3<", row)


def test_the_dashboard_says_when_orders_wait_for_changes(portal, association, manager):
    order = place(association, [(stocked(10), 2)])
    orders.request_changes(order=order, actor=Actor(user=manager), comment="Précisez")
    body = portal.get(DASHBOARD).content.decode()
    assert 'data-notice="changes-requested"' in body
    assert 'data-review-status="changes_requested"' in body


def test_the_dashboard_paginates(portal, association):
    product = stocked(200)
    for _ in range(27):
        place(association, [(product, 1)])
    first = portal.get(DASHBOARD)
    assert len(first.context["rows"]) == 25
    second = portal.get(DASHBOARD + "?page=2")
    assert len(second.context["rows"]) == 2
    assert portal.get(DASHBOARD + "?page=abc").status_code == 200


# --- order page ----------------------------------------------------------------------------------


def test_the_order_page_shows_lines_and_carton_estimates(portal, association, carton_format):
    sized = stocked(200)
    unsized = stocked(20, weight_g=None, volume_cm3=None)
    order = place(association, [(sized, 150), (unsized, 3)])
    response = portal.get(detail_url(order))
    body = response.content.decode()
    assert re.search(rf'<tr data-line="{sized.pk}">.*?data-asked>150<', body, re.S)
    rows = {row.line.product_id: row for row in response.context["rows"]}
    assert rows[sized.pk].per_carton == 72
    assert rows[sized.pk].cartons == 3  # ceil(150 / 72)
    assert rows[unsized.pk].cartons is None
    assert response.context["estimate"] == 3
    assert response.context["estimate_incomplete"] is True
    assert b"data-no-shipment" in response.content


def test_an_approved_order_shows_reserved_quantities(portal, association, manager):
    product = stocked(20)
    order = place(association, [(product, 4)])
    orders.approve(
        order=order, approval=orders.Approval(DestinationFactory()), actor=Actor(user=manager)
    )
    response = portal.get(detail_url(order))
    assert response.context["approved"] is True
    line = response.context["rows"][0].line
    assert line.quantity_reserved == 4
    assert 'data-order-status="reserved"' in response.content.decode()


def test_the_order_page_links_the_public_tracking_page(portal, association, manager):
    order = place(association, [(stocked(10), 2)])
    shipment = picking_shipment(manager, packed=2, open_=0)
    attach(order, shipment)
    body = portal.get(detail_url(order)).content.decode()
    track = reverse("scan:shipment_track", args=[shipment.tracking_token])
    assert f'href="{track}" data-tracking-link' in body
    assert re.search(r"data-progress>Prête<", body)


def test_the_printable_summary_is_an_a5_page_of_the_order(portal, association, carton_format):
    product = stocked(100, name="Compresses")
    order = place(association, [(product, 80)])
    response = portal.get(reverse("portal:order_summary", args=[order.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "print/a5.css" in body
    assert f"data-reference>{order.reference}<" in body
    assert "Compresses" in body
    assert "<script>" not in body and 'style="' not in body


# --- query budgets -------------------------------------------------------------------------------


def orders_with_shipments(association, manager, count: int) -> None:
    product = stocked(500)
    shipment = picking_shipment(manager, packed=1, open_=1)
    for index in range(count):
        order = place(association, [(product, 1)])
        if index % 2 == 0 and not Order.objects.filter(shipment=shipment).exists():
            attach(order, shipment)


@pytest.mark.parametrize("count", [2, 20])
def test_the_dashboard_query_count_does_not_grow_with_orders(
    portal, association, manager, django_assert_max_num_queries, count
):
    orders_with_shipments(association, manager, count)
    with django_assert_max_num_queries(10):
        assert portal.get(DASHBOARD).status_code == 200


@pytest.mark.parametrize("lines", [1, 30])
def test_the_order_page_query_count_does_not_grow_with_lines(
    portal, association, manager, carton_format, django_assert_max_num_queries, lines
):
    order = place(association, [(stocked(10), 1) for _ in range(lines)])
    attach(order, picking_shipment(manager, packed=1, open_=1))
    with django_assert_max_num_queries(12):
        assert portal.get(detail_url(order)).status_code == 200
    with django_assert_max_num_queries(10):
        assert portal.get(reverse("portal:order_summary", args=[order.pk])).status_code == 200


@pytest.mark.parametrize("products", [2, 40])
def test_the_order_form_query_count_does_not_grow_with_products(
    portal, carton_format, django_assert_max_num_queries, products
):
    for _ in range(products):
        stocked(5)
    with django_assert_max_num_queries(10):
        assert portal.get("/portal/orders/new/").status_code == 200
