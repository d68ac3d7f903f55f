"""Staff-created orders (S-ORDERS "staff-created orders may be approved at creation", S-ROLES):
the association chosen first (with a search), the delivery (the association's address or one of
its saved recipients), product lines, and an optional approval in the same transaction — all or
nothing, applied once."""

from __future__ import annotations

import html
import uuid
from typing import Any

import pytest

from tests.factories import ContactFactory, UserFactory
from tests.shipping_helpers import Scene, scene, stocked_product
from wms.models import (
    AssociationProfile,
    AssociationRecipient,
    ContactAddress,
    Order,
    OrderStatus,
    ProductLot,
    ReviewStatus,
)

pytestmark = pytest.mark.django_db

URL = "/scan/orders/"


@pytest.fixture
def world(manager: Any) -> Scene:
    return scene(manager)


@pytest.fixture
def amis() -> Any:
    contact = ContactFactory(name="Les Amis de Tana", email="amis@example.org")
    ContactAddress.objects.create(
        contact=contact, line1="Lot II J 45", city="Antananarivo", country="Madagascar"
    )
    return contact


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def data(contact: Any, lines: list[tuple[Any, Any]], **extra: Any) -> dict[str, Any]:
    posted: dict[str, Any] = {
        "op_id": str(uuid.uuid4()),
        "association": contact.pk,
        "address": "Lot II J 45",
        "city": "Antananarivo",
        "country": "Madagascar",
    }
    for index, (code, quantity) in enumerate(lines, start=1):
        posted[f"line_code_{index}"] = code
        posted[f"line_quantity_{index}"] = quantity
    posted.update(extra)
    return posted


def reserved(product: Any) -> int:
    return sum(
        ProductLot.objects.filter(product=product).values_list("quantity_reserved", flat=True)
    )


# --- roles --------------------------------------------------------------------------------------


def test_managers_open_both_steps(client, manager, amis):
    client.force_login(manager)
    assert client.get(URL).status_code == 200
    page = text(client.get(URL, {"association": amis.pk}))
    assert "data-order-form" in page and "Antananarivo" in page  # its address prefills


@pytest.mark.parametrize("role", ["worker", "association"])
def test_workers_and_association_users_are_refused(client, worker, amis, role):
    product = stocked_product(10)
    if role == "association":
        user = UserFactory(username="asso@example.org")
        AssociationProfile.objects.create(user=user, contact=amis)
    else:
        user = worker
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data(amis, [(product.sku, 1)])).status_code == 403
    assert not Order.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client, amis):
    for response in (client.get(URL), client.post(URL, {})):
        assert response.status_code == 302 and "/scan/login/" in response["Location"]


# --- step one -----------------------------------------------------------------------------------


def test_the_association_search_narrows_the_choices(client, manager, amis):
    other = ContactFactory(name="Médecins du Coin")
    client.force_login(manager)
    page = text(client.get(URL, {"q": "amis"}))
    assert f'<option value="{amis.pk}"' in page and f'<option value="{other.pk}"' not in page


# --- creation -----------------------------------------------------------------------------------


def test_a_staff_order_waits_for_validation(client, manager, world, amis):
    product = stocked_product(20)
    client.force_login(manager)
    response = client.post(URL, data(amis, [(product.sku, 4)], requested_date="2030-01-15"))
    order = Order.objects.get()
    assert response.status_code == 303 and response["Location"] == f"/scan/orders/{order.pk}/"
    assert order.association_contact == amis and order.created_by == manager
    assert (order.review_status, order.status) == (ReviewStatus.PENDING, OrderStatus.DRAFT)
    assert [(line.product, line.quantity) for line in order.lines.all()] == [(product, 4)]
    assert order.city == "Antananarivo" and str(order.requested_date) == "2030-01-15"
    assert reserved(product) == 0


def test_approving_now_reserves_the_stock(client, manager, world, amis):
    first, second = stocked_product(20), stocked_product(20)
    client.force_login(manager)
    response = client.post(
        URL,
        data(
            amis,
            [(first.sku, 4), (second.sku, 2)],
            approve_now="on",
            destination=world.destination.pk,
        ),
    )
    assert response.status_code == 303
    order = Order.objects.get()
    assert (order.review_status, order.status) == (ReviewStatus.APPROVED, OrderStatus.RESERVED)
    assert (reserved(first), reserved(second)) == (4, 2)


def test_a_shortage_at_approval_creates_nothing(client, manager, world, amis):
    plenty, scarce = stocked_product(20), stocked_product(1, name="Seringues 5 ml")
    client.force_login(manager)
    response = client.post(
        URL,
        data(
            amis,
            [(plenty.sku, 4), (scarce.sku, 3)],
            approve_now="on",
            destination=world.destination.pk,
        ),
    )
    assert response.status_code == 200 and "Seringues 5 ml" in text(response)
    assert not Order.objects.exists() and reserved(plenty) == 0


def test_approving_now_needs_a_destination(client, manager, world, amis):
    product = stocked_product(20)
    client.force_login(manager)
    response = client.post(URL, data(amis, [(product.sku, 1)], approve_now="on"))
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert not Order.objects.exists()


def test_a_saved_recipient_of_the_association_can_receive_the_goods(client, manager, world, amis):
    entry = AssociationRecipient.objects.create(
        association=amis, name="Dispensaire", line1="Digue", city="Toamasina", country="Madagascar"
    )
    product = stocked_product(20)
    client.force_login(manager)
    page = text(client.get(URL, {"association": amis.pk}))
    assert f'<option value="{entry.pk}">' in page
    response = client.post(URL, data(amis, [(product.sku, 1)], recipient=entry.pk))
    assert response.status_code == 303
    order = Order.objects.get()
    assert order.portal_recipient == entry and order.city == "Toamasina"


def test_another_associations_recipient_is_refused(client, manager, world, amis):
    stranger = AssociationRecipient.objects.create(
        association=ContactFactory(name="Autre"),
        name="X",
        line1="Y",
        city="Z",
        country="Madagascar",
    )
    client.force_login(manager)
    response = client.post(URL, data(amis, [(stocked_product(5).sku, 1)], recipient=stranger.pk))
    assert response.status_code == 200 and "carnet d'adresses" in text(response)
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "lines, extra",
    [
        ([("INCONNU-999", 1)], {}),  # unknown product
        ([("{sku}", 0)], {}),  # quantity below one
        ([("{sku}", "beaucoup")], {}),  # not a number
        ([], {}),  # no line
        ([("{sku}", 1)], {"city": "", "country": ""}),  # nowhere to deliver
        ([("{sku}", 1)], {"association": "999999"}),  # unknown association
        ([("{sku}", 1), ("{sku}", 2)], {}),  # the same product twice
    ],
)
def test_bad_input_creates_nothing_and_says_why(client, manager, world, amis, lines, extra):
    product = stocked_product(5)
    lines = [(code.format(sku=product.sku), quantity) for code, quantity in lines]
    client.force_login(manager)
    response = client.post(URL, data(amis, lines, **extra))
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not Order.objects.exists()


def test_a_double_submit_creates_one_order(client, manager, world, amis):
    product = stocked_product(20)
    posted = data(amis, [(product.sku, 2)], approve_now="on", destination=world.destination.pk)
    client.force_login(manager)
    assert client.post(URL, posted).status_code == 303
    assert client.post(URL, posted).status_code == 303
    assert Order.objects.count() == 1 and reserved(product) == 2
