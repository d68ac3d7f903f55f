"""Placing and changing an order in the portal (S-ORDERS): the product table (active
products, kits only when offered, usable stock, carton estimate), a happy path, every kind of bad
input refused with nothing created and the input kept, the edit / resubmit flow and the
cancellation of a pending order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import DestinationFactory, ProductFactory
from tests.portal.conftest import PDF, order_post, place, queued, recipient_of, stocked
from wms.models import (
    IntegrationEvent,
    Order,
    OrderDocument,
    OrderLine,
    OrderStatus,
    ProductKitItem,
    ReviewStatus,
)
from wms.services import orders
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

NEW = "/portal/orders/new/"


def row_of(body: str, product) -> str:
    match = re.search(rf'<tr data-product-row="{product.pk}".*?</tr>', body, re.S)
    assert match, f"no row for {product}"
    return match.group(0)


def nothing_created() -> bool:
    return (
        not Order.objects.exists()
        and not OrderLine.objects.exists()
        and not OrderDocument.objects.exists()
        and not IntegrationEvent.objects.exists()
    )


# --- the product table ---------------------------------------------------------------------------


def test_the_table_shows_usable_stock_and_units_per_carton(portal, carton_format):
    sized = stocked(50, name="Compresses stériles")
    unsized = stocked(7, name="Gants", weight_g=None, volume_cm3=None)
    retired = stocked(9, name="Ancien produit", is_active=False)
    body = portal.get(NEW).content.decode()
    row = row_of(body, sized)
    assert re.search(r"data-available>50<", row)
    # 40×30×30 cm = 36 000 cm³ / 500 cm³ = 72; 8 000 g / 100 g = 80: the smaller wins.
    assert re.search(r"data-per-carton-cell>72<", row)
    assert 'data-per-carton="72"' in row
    assert re.search(r"data-per-carton-cell>–<", row_of(body, unsized))
    assert f'data-product-row="{retired.pk}"' not in body


def test_without_a_default_carton_format_the_estimate_is_a_dash(portal):
    product = stocked(5)
    row = row_of(portal.get(NEW).content.decode(), product)
    assert re.search(r"data-per-carton-cell>–<", row)


def kit_of(component, per_kit: int):
    kit = ProductFactory(name="Kit pansement", weight_g=None, volume_cm3=None)
    ProductKitItem.objects.create(kit=kit, component=component, quantity=per_kit)
    return kit


def test_kits_are_offered_only_when_the_setting_says_so(portal, carton_format, settings):
    component = stocked(25)
    kit = kit_of(component, 4)
    settings.PORTAL_OFFER_KITS = False
    assert f'data-product-row="{kit.pk}"' not in portal.get(NEW).content.decode()
    settings.PORTAL_OFFER_KITS = True
    row = row_of(portal.get(NEW).content.decode(), kit)
    assert re.search(r"data-available>6<", row)  # floor(25 / 4)


def test_the_form_is_prefilled_with_the_associations_address(portal):
    form = portal.get(NEW).context["form"]
    assert form.initial["city"] == "Paris"
    assert form.initial["country"] == "France"
    assert "12 rue des Lilas" in form.initial["address"]


def test_the_recipient_choices_are_this_associations_active_entries(
    portal, association, other_association
):
    mine = recipient_of(association, name="Dispensaire Nord")
    retired = recipient_of(association, name="Ancien dispensaire", is_active=False)
    theirs = recipient_of(other_association, name="Hôpital voisin")
    choices = list(portal.get(NEW).context["form"].fields["recipient"].queryset)
    assert choices == [mine]
    assert retired not in choices and theirs not in choices


# --- a new order ---------------------------------------------------------------------------------


def test_an_association_places_an_order_delivered_to_itself(
    portal, association, association_user, carton_format, manager
):
    gauze, gloves = stocked(50), stocked(30)
    tomorrow = timezone.localdate() + dt.timedelta(days=10)
    data = order_post(
        {gauze: "12", gloves: "0"}, requested_date=tomorrow.isoformat(), notes="Urgent"
    )
    response = portal.post(NEW, data)
    order = Order.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("portal:order_detail", args=[order.pk])
    assert order.association_contact == association
    assert order.created_by == association_user
    assert order.review_status == ReviewStatus.PENDING
    assert order.status == OrderStatus.DRAFT
    assert (order.city, order.country, order.requested_date) == ("Paris", "France", tomorrow)
    assert order.notes == "Urgent"
    assert list(order.lines.values_list("product", "quantity")) == [(gauze.pk, 12)]
    assert queued("order_new") and queued("order_confirmation")
    recipients = queued("order_confirmation")[0].payload["recipients"]
    assert association_user.email.lower() in [email.lower() for email in recipients]


def test_an_order_to_a_saved_recipient_takes_its_address(portal, association, carton_format):
    entry = recipient_of(association)
    product = stocked(10)
    portal.post(NEW, order_post({product: 2}, recipient=entry.pk, city="", country=""))
    order = Order.objects.get()
    assert order.portal_recipient == entry
    assert (order.city, order.country) == ("Antananarivo", "Madagascar")
    assert order.recipient_name == entry.name


def test_an_order_may_carry_a_document_from_the_start(portal, association_user):
    product = stocked(10)
    data = order_post(
        {product: 1},
        **{"document-kind": "donation", "document-file": SimpleUploadedFile("don.pdf", PDF)},
    )
    assert portal.post(NEW, data).status_code == 303
    document = OrderDocument.objects.get()
    assert document.order == Order.objects.get()
    assert document.kind == "donation"
    assert document.original_name == "don.pdf"
    assert document.uploaded_by == association_user
    assert "don.pdf" not in document.file.name  # stored under a random name


@pytest.mark.parametrize(
    "case",
    [
        "no line",
        "only zeros",
        "negative",
        "not a number",
        "decimal",
        "unknown product",
        "unknown key",
        "kit not offered",
        "inactive product",
        "other association's recipient",
        "inactive recipient",
        "date in the past",
        "no city",
        "bad document",
        "huge quantity",
    ],
)
def test_bad_input_creates_nothing_and_keeps_what_was_typed(
    portal, association, other_association, carton_format, settings, case
):
    settings.PORTAL_OFFER_KITS = False
    product = stocked(20)
    lines: dict = {product: "3"}
    fields: dict = {"notes": "Mes notes"}
    if case == "no line":
        lines = {}
    elif case == "only zeros":
        lines = {product: "0", stocked(5): ""}
    elif case == "negative":
        lines = {product: "-2"}
    elif case == "not a number":
        lines = {product: "abc"}
    elif case == "decimal":
        lines = {product: "1.5"}
    elif case == "unknown product":
        lines[999999] = "1"
    elif case == "unknown key":
        lines["abc"] = "1"
    elif case == "kit not offered":
        lines[kit_of(product, 2)] = "1"
    elif case == "inactive product":
        lines[stocked(5, is_active=False)] = "1"
    elif case == "other association's recipient":
        fields["recipient"] = recipient_of(other_association).pk
    elif case == "inactive recipient":
        fields["recipient"] = recipient_of(association, is_active=False).pk
    elif case == "date in the past":
        fields["requested_date"] = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    elif case == "no city":
        fields["city"] = ""
    elif case == "bad document":
        fields["document-file"] = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00" + b"\x00" * 40)
    elif case == "huge quantity":
        lines = {product: "99999999999"}
    response = portal.post(NEW, order_post(lines, **fields))
    assert response.status_code == 200
    assert nothing_created()
    body = response.content.decode()
    assert (
        b"data-order-error" in response.content
        or response.context["form"].errors
        or response.context["document_form"].errors
    )
    assert "Mes notes" in body  # the input is kept
    if case in ("bad document", "no city", "date in the past"):
        assert re.search(rf'name="qty-{product.pk}" value="3"', body)


@override_settings(PORTAL_OFFER_KITS=True)
def test_a_kit_is_ordered_when_the_portal_offers_kits(portal, carton_format):
    kit = kit_of(stocked(20), 2)
    assert portal.post(NEW, order_post({kit: "3"})).status_code == 303
    assert Order.objects.get().lines.get().product == kit


# --- modify, resubmit, cancel --------------------------------------------------------------------


def edit_url(order: Order) -> str:
    return reverse("portal:order_edit", args=[order.pk])


def test_a_pending_order_is_modified_with_its_values_prefilled(portal, association):
    first, second = stocked(20), stocked(20)
    order = place(association, [(first, 4)])
    page = portal.get(edit_url(order))
    assert re.search(rf'name="qty-{first.pk}" value="4"', page.content.decode())
    assert page.context["form"].initial["city"] == "Antananarivo"
    response = portal.post(edit_url(order), order_post({first: "0", second: "7"}))
    assert response.status_code == 303
    assert list(order.lines.values_list("product", "quantity")) == [(second.pk, 7)]
    order.refresh_from_db()
    assert order.city == "Paris"
    assert order.review_status == ReviewStatus.PENDING


def test_a_refused_modification_changes_nothing(portal, association):
    product = stocked(20)
    order = place(association, [(product, 4)])
    response = portal.post(edit_url(order), order_post({product: "-1"}))
    assert response.status_code == 200
    assert list(order.lines.values_list("quantity", flat=True)) == [4]


def ask_changes(order: Order, manager) -> None:
    orders.request_changes(order=order, actor=Actor(user=manager), comment="Moins de gants")


def test_changes_requested_then_modified_and_sent_again(portal, association, manager):
    product = stocked(20)
    order = place(association, [(product, 10)])
    ask_changes(order, manager)
    detail = portal.get(reverse("portal:order_detail", args=[order.pk]))
    assert b"Moins de gants" in detail.content
    assert b"data-resubmit" in detail.content and b"data-edit-link" in detail.content
    before = len(queued("order_new"))
    response = portal.post(edit_url(order), order_post({product: "5"}, resubmit="1"))
    assert response.status_code == 303
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.PENDING
    assert order.lines.get().quantity == 5
    assert len(queued("order_new")) == before + 1


def test_saving_without_resubmitting_keeps_changes_requested(portal, association, manager):
    product = stocked(20)
    order = place(association, [(product, 10)])
    ask_changes(order, manager)
    portal.post(edit_url(order), order_post({product: "6"}))
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.CHANGES_REQUESTED
    response = portal.post(reverse("portal:order_resubmit", args=[order.pk]))
    assert response.status_code == 303
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.PENDING


def test_a_pending_order_cannot_be_resubmitted(portal, association):
    order = place(association, [(stocked(5), 1)])
    response = portal.post(reverse("portal:order_resubmit", args=[order.pk]))
    assert response.status_code == 200
    assert b"data-order-error" in response.content


def approve(order: Order, manager) -> Order:
    return orders.approve(
        order=order, approval=orders.Approval(DestinationFactory()), actor=Actor(user=manager)
    )


def test_an_approved_order_can_no_longer_be_modified_or_cancelled(portal, association, manager):
    product = stocked(20)
    order = approve(place(association, [(product, 3)]), manager)
    response = portal.get(edit_url(order))
    assert response.status_code == 303
    assert response["Location"] == reverse("portal:order_detail", args=[order.pk])
    portal.post(edit_url(order), order_post({product: "9"}))
    assert order.lines.get().quantity == 3
    refused = portal.post(reverse("portal:order_cancel", args=[order.pk]))
    assert refused.status_code == 200
    assert b"data-order-error" in refused.content
    order.refresh_from_db()
    assert order.status == OrderStatus.RESERVED
    detail = portal.get(reverse("portal:order_detail", args=[order.pk])).content
    assert b"data-cancel-form" not in detail and b"data-edit-link" not in detail


def test_a_pending_order_is_cancelled_by_its_association(portal, association, manager):
    order = place(association, [(stocked(5), 1)])
    response = portal.post(reverse("portal:order_cancel", args=[order.pk]), {"reason": "Doublon"})
    assert response.status_code == 303
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.review_comment == "Doublon"
    assert queued("order_cancelled")
    again = portal.post(reverse("portal:order_cancel", args=[order.pk]))
    assert again.status_code == 200
    assert b"data-order-error" in again.content


def test_edit_and_cancel_only_take_their_methods(portal, association):
    order = place(association, [(stocked(5), 1)])
    assert portal.get(reverse("portal:order_cancel", args=[order.pk])).status_code == 405
    assert portal.put(edit_url(order)).status_code == 405
