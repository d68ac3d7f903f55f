"""The order form of a public link and its summary (S-ORDERS "Public order link", S-PRINT)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import CartonFormatFactory, ContactFactory, ProductFactory, manager
from tests.public import queued
from tests.shipping_helpers import stocked_product
from wms.models import (
    AssociationRecipient,
    Contact,
    IntegrationEvent,
    Order,
    ProductKitItem,
    PublicAccountRequest,
    PublicOrderLink,
    ReviewStatus,
    ThrottleSlot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def link() -> PublicOrderLink:
    return PublicOrderLink.objects.create(label="Partenaires Madagascar")


@pytest.fixture
def product() -> Any:
    # Default carton 40×30×30 cm (36 000 cm³), 8 kg: 500 cm³ and 100 g a unit ⇒ 72 a carton.
    CartonFormatFactory(name="Standard")
    return stocked_product(100, name="Gants nitrile", weight_g=100, volume_cm3=500)


def url(link: PublicOrderLink) -> str:
    return reverse("scan:public_order", args=[link.token])


def order_data(product: Any = None, quantity: Any = 12, **overrides: Any) -> dict[str, Any]:
    data = {
        "association_name": "Amis de Mahajanga",
        "contact_name": "Hery Rakoto",
        "email": "hery@amis-mahajanga.example",
        "phone": "+261 20 00 000",
        "address": "Lot II 45, rue de l'Hôpital",
        "city": "Mahajanga",
        "country": "Madagascar",
        "requested_date": "",
        "notes": "Livraison au dispensaire.",
    }
    if product is not None:
        data[f"qty-{product.pk}"] = str(quantity)
    data.update(overrides)
    return data


def submit(client: Client, link: PublicOrderLink, data: dict[str, Any], ip: str = "10.0.0.1"):
    return client.post(url(link), data, REMOTE_ADDR=ip)


# --- the form ------------------------------------------------------------------------------------


def test_the_form_shows_products_with_usable_stock_and_their_carton_estimate(client, link, product):
    unknown_size = stocked_product(5, name="Compresses", weight_g=None, volume_cm3=None)
    ProductFactory(name="Sans stock")
    stocked_product(5, name="Retiré du catalogue", is_active=False)

    response = client.get(url(link))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="qty-{product.pk}"' in html
    assert "≈ 72" in html
    assert f'data-product="{unknown_size.pk}"' in html
    assert "Sans stock" not in html
    assert "Retiré du catalogue" not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # no-referrer would make Chromium post `Origin: null` (a CSRF 403)
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"]


def test_a_product_without_weight_or_volume_has_no_carton_estimate(client, link, product):
    unknown_size = stocked_product(5, name="Compresses", weight_g=None, volume_cm3=None)

    html = client.get(url(link)).content.decode()

    row = html.split(f'data-product="{unknown_size.pk}"')[1].split("</tr>")[0]
    assert "data-per-carton>–<" in row


def test_kits_are_offered_only_when_the_portal_offers_them(client, link, product, settings):
    kit = ProductFactory(name="Kit pansement")
    ProductKitItem.objects.create(kit=kit, component=product, quantity=2)

    settings.PORTAL_OFFER_KITS = False
    assert f'data-product="{kit.pk}"' not in client.get(url(link)).content.decode()
    refused = submit(client, link, order_data(kit, 1))
    assert refused.status_code == 200
    assert not Order.objects.exists()

    settings.PORTAL_OFFER_KITS = True
    assert f'data-product="{kit.pk}"' in client.get(url(link)).content.decode()
    assert submit(client, link, order_data(kit, 1)).status_code == 303


def test_the_page_names_no_contact_recipient_or_association(client, link, product):
    association = ContactFactory(name="Zorglub Association Secrète", email="zorglub@example.org")
    AssociationRecipient.objects.create(
        association=association,
        name="Xanthippe Destinataire Privée",
        line1="1 rue X",
        city="Toliara",
        country="Madagascar",
    )
    PublicAccountRequest.objects.create(association_name="Quetzalcoatl Demandeur", email="q@x.org")
    secrets = ["Zorglub", "zorglub@example.org", "Xanthippe", "Toliara", "Quetzalcoatl"]

    pages = [
        client.get(url(link)).content.decode(),
        submit(client, link, order_data(product, "-1")).content.decode(),
        client.get(reverse("scan:public_order_account", args=[link.token])).content.decode(),
    ]

    for html in pages:
        for secret in secrets:
            assert secret not in html
        assert "<datalist" not in html


def test_the_page_costs_the_same_queries_with_many_products(
    client, link, product, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        client.get(url(link))
    for index in range(15):
        stocked_product(3, name=f"Produit {index}")
    with django_assert_max_num_queries(4) as captured:
        response = client.get(url(link))
    assert response.content.decode().count("data-product=") == 16
    assert len(captured) <= 4


def test_head_requests_are_answered(client, link, product):
    assert client.head(url(link)).status_code == 200


# --- submission ----------------------------------------------------------------------------------


def test_an_order_is_saved_pending_with_the_typed_identity_and_emails_are_queued(
    client, link, product
):
    boss = manager(email="responsable@asf.example")
    other = stocked_product(20, name="Masques")
    data = order_data(product, 12, **{f"qty-{other.pk}": "0"})
    data["requested_date"] = (timezone.localdate() + dt.timedelta(days=10)).isoformat()

    response = submit(client, link, data)

    order = Order.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse(
        "scan:public_order_summary", args=[link.token, order.reference]
    )
    assert order.review_status == ReviewStatus.PENDING
    assert order.public_link == link
    assert order.association_contact is None
    assert order.submitted_identity == {
        "name": "Amis de Mahajanga",
        "email": "hery@amis-mahajanga.example",
        "phone": "+261 20 00 000",
        "contact_name": "Hery Rakoto",
    }
    assert (order.city, order.country) == ("Mahajanga", "Madagascar")
    assert order.requested_date == timezone.localdate() + dt.timedelta(days=10)
    assert [(line.product, line.quantity) for line in order.lines.all()] == [(product, 12)]
    assert queued("order_new") == [[boss.email]]
    assert queued("order_confirmation") == [["hery@amis-mahajanga.example"]]


def test_an_existing_contact_with_the_same_name_and_email_is_neither_linked_nor_changed(
    client, link, product
):
    existing = ContactFactory(
        name="Amis de Mahajanga", email="hery@amis-mahajanga.example", phone="+33 1 00"
    )
    before = Contact.objects.values().get(pk=existing.pk)

    assert submit(client, link, order_data(product)).status_code == 303

    order = Order.objects.get()
    assert order.association_contact is None
    assert Contact.objects.values().get(pk=existing.pk) == before
    assert Contact.objects.count() == 1


def test_the_submitter_sees_a_printable_summary(client, link, product):
    location = submit(client, link, order_data(product, 150))["Location"]

    response = client.get(location)

    order = Order.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert order.reference in html
    assert "Amis de Mahajanga" in html and "Mahajanga" in html
    assert "Gants nitrile" in html
    assert "print/order-summary.css" in html
    # 150 units at 72 a carton: 3 cartons.
    assert "data-cartons>3<" in html
    assert "data-total-cartons>3<" in html


def test_another_visitor_with_the_same_link_cannot_see_the_summary(client, link, product):
    location = submit(client, link, order_data(product))["Location"]
    order = Order.objects.get()

    assert Client().get(location).status_code == 404
    # Nor through another link's token, even in the submitter's session.
    other_link = PublicOrderLink.objects.create(label="Autre")
    other = reverse("scan:public_order_summary", args=[other_link.token, order.reference])
    assert client.get(other).status_code == 404


def test_the_summary_of_an_unknown_reference_is_not_found(client, link):
    missing = reverse("scan:public_order_summary", args=[link.token, "CMD-2000-0001"])
    assert client.get(missing).status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({}, id="no line"),
        pytest.param({"qty": "0"}, id="only zero"),
        pytest.param({"qty": "-3"}, id="negative"),
        pytest.param({"qty": "2.5"}, id="not whole"),
        pytest.param({"qty": "beaucoup"}, id="not a number"),
        pytest.param({"qty": "99999999"}, id="too large"),
        pytest.param({"unknown": "5"}, id="unknown product"),
        pytest.param({"qty-abc": "5"}, id="malformed product key"),
        pytest.param({"email": "pas-une-adresse"}, id="bad email"),
        pytest.param({"association_name": ""}, id="no name"),
        pytest.param({"association_name": "A" * 201}, id="name too long"),
        pytest.param({"city": "V" * 121}, id="city too long"),
        pytest.param({"country": ""}, id="no country"),
        pytest.param({"notes": "n" * 4001}, id="notes too long"),
        pytest.param({"requested_date": "2001-01-01"}, id="date in the past"),
        pytest.param({"requested_date": "31/02/2030"}, id="impossible date"),
    ],
)
def test_bad_input_creates_nothing_and_keeps_what_was_typed(client, link, product, change):
    data = order_data()
    if "qty" in change:
        data[f"qty-{product.pk}"] = change.pop("qty")
    if "unknown" in change:
        data["qty-987654"] = change.pop("unknown")
    data.update(change)

    response = submit(client, link, data)

    assert response.status_code == 200
    assert not Order.objects.exists()
    assert not IntegrationEvent.objects.exists()
    assert not ThrottleSlot.objects.exists()
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Lot II 45" in html  # the typed address is still there
    if f"qty-{product.pk}" in data:
        assert f'value="{data[f"qty-{product.pk}"]}"' in html


def test_the_messages_are_in_french(client, link, product):
    # French from the committed catalogue (locale/fr, built from /tmp/i18n8/public.json).
    html = submit(client, link, order_data(product, "-3")).content.decode()
    assert "doit être un nombre entier" in html
    link.is_active = False
    link.save()
    assert "Lien expiré" in client.get(url(link)).content.decode()


@pytest.mark.parametrize(
    "state",
    [
        pytest.param({"is_active": False}, id="inactive"),
        pytest.param({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, id="expired"),
    ],
)
def test_an_inactive_or_expired_link_says_so_and_takes_no_order(client, product, state):
    link = PublicOrderLink.objects.create(label="Ancien", **state)

    page = client.get(url(link))
    posted = submit(client, link, order_data(product))

    assert page.status_code == 410
    assert posted.status_code == 410
    assert "data-link-expired" in page.content.decode()
    assert f'name="qty-{product.pk}"' not in page.content.decode()
    assert not Order.objects.exists()
    account = reverse("scan:public_order_account", args=[link.token])
    assert client.get(account).status_code == 410


def test_an_unknown_token_is_not_found(client):
    assert client.get(reverse("scan:public_order", args=["nope"])).status_code == 404


# --- throttles -----------------------------------------------------------------------------------


def test_the_same_email_from_another_address_is_refused_within_the_window(client, link, product):
    assert submit(client, link, order_data(product), ip="10.0.0.1").status_code == 303

    refused = submit(client, link, order_data(product), ip="10.0.0.2")

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 300
    assert "réessayez dans" in refused.content.decode()
    assert "Amis de Mahajanga" in refused.content.decode()  # the input is kept
    assert Order.objects.count() == 1


def test_another_email_from_the_same_address_is_refused_within_the_window(client, link, product):
    assert submit(client, link, order_data(product), ip="10.0.0.1").status_code == 303

    other = order_data(product, email="autre@example.org")
    assert submit(client, link, other, ip="10.0.0.1").status_code == 429
    assert Order.objects.count() == 1
    assert len(queued("order_new") + queued("order_confirmation")) == 1  # only the first's


def test_a_refused_submission_does_not_burn_the_slot(client, link, product):
    assert submit(client, link, order_data(product, "-1")).status_code == 200
    assert submit(client, link, order_data(product, email="x@")).status_code == 200

    assert submit(client, link, order_data(product)).status_code == 303


def test_zero_disables_the_throttle(client, link, product, settings):
    settings.PUBLIC_ORDER_THROTTLE_SECONDS = 0

    statuses = [submit(client, link, order_data(product)).status_code for _ in range(3)]

    assert statuses == [303, 303, 303]
    assert Order.objects.count() == 3


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(
    client, link, product, settings
):
    settings.TRUSTED_PROXY_COUNT = 1

    def from_client(address: str, email: str) -> int:
        data = order_data(product, email=email)
        # Every request reaches us from the proxy (same REMOTE_ADDR).
        return client.post(url(link), data, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=address)

    assert from_client("203.0.113.1", "a@example.org").status_code == 303
    assert from_client("203.0.113.2", "b@example.org").status_code == 303
    # A forged entry on the left changes nothing: the proxy's own entry is the client.
    assert from_client("198.51.100.7, 203.0.113.1", "c@example.org").status_code == 429
