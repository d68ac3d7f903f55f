"""The managers' order review (S-ORDERS, S-SCAN manager screens, S-ROLES): the list, the review
page, and its decisions — approve (FEFO reservation all or nothing, lowered quantities only,
association and recipient matched explicitly), reject, ask for changes, cancel, create the
shipment, prepare — each applied once, a refusal changing nothing."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ContactFactory, DestinationFactory, UserFactory
from tests.shipping_helpers import Scene, scene, stocked_product
from wms.models import (
    AssociationProfile,
    AssociationRecipient,
    Carton,
    CartonStatus,
    Contact,
    ContactAddress,
    IntegrationEvent,
    Order,
    OrderDocument,
    OrderReservation,
    OrderStatus,
    ProductLot,
    PublicOrderLink,
    ReviewStatus,
)
from wms.services import orders
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def world(manager: Any) -> Scene:
    return scene(manager)


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def review(order: Order) -> str:
    return reverse("scan:order_review", args=[order.pk])


def action(name: str, order: Order) -> str:
    return reverse(f"scan:order_{name}", args=[order.pk])


def association(name: str = "Les Amis de Tana", **fields: Any) -> Contact:
    return ContactFactory(name=name, email=fields.pop("email", "amis@example.org"), **fields)


def association_user(contact: Contact) -> Any:
    user = UserFactory(username="portail@example.org")
    AssociationProfile.objects.create(user=user, contact=contact)
    return user


def place(
    lines: list[tuple[Any, int]],
    *,
    contact: Contact | None = None,
    recipient: AssociationRecipient | None = None,
    identity: dict[str, str] | None = None,
    city: str = "Antananarivo",
    country: str = "Madagascar",
) -> Order:
    link = PublicOrderLink.objects.create(label="Partenaires") if identity else None
    return orders.submit_order(
        lines=[orders.LineInput(product, quantity) for product, quantity in lines],
        delivery=orders.Delivery(
            recipient=recipient, address="12 rue des Palmiers", city=city, country=country
        ),
        actor=Actor(),
        association=contact,
        public_link=link,
        identity=identity,
    )


def approve_data(world: Scene, order: Order, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"op_id": str(uuid.uuid4()), "destination": world.destination.pk}
    for line in order.lines.all():
        data[f"line_{line.pk}"] = line.quantity
    data.update(extra)
    return data


def reserved(product: Any) -> int:
    return sum(
        ProductLot.objects.filter(product=product).values_list("quantity_reserved", flat=True)
    )


def emails(tag: str) -> list[IntegrationEvent]:
    return [event for event in IntegrationEvent.objects.all() if tag in event.payload["tags"]]


def approved(client: Any, world: Scene, order: Order) -> Order:
    response = client.post(action("approve", order), approve_data(world, order))
    assert response.status_code == 303, text(response)
    order.refresh_from_db()
    return order


# --- roles --------------------------------------------------------------------------------------


def manager_urls(order: Order, document: OrderDocument) -> list[str]:
    return [
        reverse("scan:orders_view"),
        review(order),
        reverse("scan:order_document_file", args=[order.pk, document.pk]),
    ]


POSTS = ["approve", "reject", "changes", "cancel", "shipment", "prepare"]


@pytest.fixture
def pending(world: Scene, media: Any) -> tuple[Order, OrderDocument]:
    order = place([(stocked_product(20), 5)], contact=association())
    document = OrderDocument(order=order, kind="donation", original_name="don.pdf")
    document.file.save("don.pdf", SimpleUploadedFile("don.pdf", PDF))
    return order, document


def test_managers_open_the_order_screens(client, manager, pending):
    client.force_login(manager)
    for url in manager_urls(*pending):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["worker", "association"])
def test_workers_and_association_users_are_refused(client, worker, pending, role):
    order, document = pending
    user = worker if role == "worker" else association_user(order.association_contact)
    client.force_login(user)
    for url in manager_urls(order, document):
        assert client.get(url).status_code == 403, url
    for name in POSTS:
        assert client.post(action(name, order), {"op_id": str(uuid.uuid4())}).status_code == 403
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.PENDING


def test_anonymous_visitors_are_sent_to_the_login_page(client, pending):
    order, document = pending
    for url in manager_urls(order, document):
        response = client.get(url)
        assert response.status_code == 302 and "/scan/login/" in response["Location"], url
    for name in POSTS:
        response = client.post(action(name, order), {"op_id": str(uuid.uuid4())})
        assert response.status_code == 302 and "/scan/login/" in response["Location"]


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_pending_orders_first_with_their_counts(client, manager, world, media):
    product = stocked_product(30)
    older = place([(product, 2)], contact=association("Première"))
    orders.reject(order=older, actor=world.actor, comment="non")
    public = place(
        [(product, 1), (stocked_product(5), 1)], identity={"name": "Inconnue", "email": "x@y.org"}
    )
    OrderDocument.objects.create(order=public, original_name="a.pdf", file="documents/a.pdf")
    client.force_login(manager)
    page = text(client.get(reverse("scan:orders_view")))
    assert page.index(public.reference) < page.index(older.reference)
    row = page[page.index(f'data-order="{public.pk}"') :]
    assert re.search(r"data-line-count>2<", row)
    assert re.search(r"data-document-count>1 ", row) and "data-pending-documents" in row
    assert "Inconnue" in row and "data-to-confirm" in row.split("</tr>")[0]


def test_bad_query_parameters_still_show_the_pages(client, manager, world):
    order = place([(stocked_product(5), 1)], identity={"name": "X", "email": "x@example.org"})
    client.force_login(manager)
    for query in ({"review_status": "nope", "status": "<b>", "page": "x"}, {"page": "999"}):
        assert client.get(reverse("scan:orders_view"), query).status_code == 200
    for query in ({"destination": "abc"}, {"destination": "999999"}, {"q": "x" * 500}):
        assert client.get(review(order), query).status_code == 200
    assert client.get(reverse("scan:order_review", args=[999999])).status_code == 404
    assert client.post(action("approve", order), {}).status_code == 200  # no op id: a message


def test_the_list_filters_by_review_status(client, manager, world):
    product = stocked_product(30)
    kept = place([(product, 2)], contact=association("Gardée"))
    other = place([(product, 2)], contact=association("Autre"))
    orders.request_changes(order=other, actor=world.actor, comment="adresse")
    client.force_login(manager)
    page = text(client.get(reverse("scan:orders_view"), {"review_status": "changes_requested"}))
    assert other.reference in page and kept.reference not in page


# --- approve ------------------------------------------------------------------------------------


def test_approving_reserves_the_stock_and_emails_the_association(client, manager, world):
    product = stocked_product(20)
    order = place([(product, 5)], contact=association())
    client.force_login(manager)
    response = client.post(action("approve", order), approve_data(world, order))
    assert response.status_code == 303 and response["Location"] == review(order)
    order.refresh_from_db()
    assert (order.review_status, order.status) == (ReviewStatus.APPROVED, OrderStatus.RESERVED)
    assert order.destination == world.destination
    assert reserved(product) == 5
    assert [event.payload["recipients"] for event in emails("order_approved")] == [
        ["amis@example.org"]
    ]


def test_the_destination_is_preselected_from_the_city_and_country(client, manager, world):
    DestinationFactory(city="Toamasina", country="Madagascar")
    order = place(
        [(stocked_product(5), 1)],
        contact=association(),
        city="  ANTANANARIVO",
        country="madagascar",
    )
    client.force_login(manager)
    page = text(client.get(review(order)))
    assert re.search(rf'<option value="{world.destination.pk}" selected>', page)


def test_choosing_another_destination_lists_its_shippers(client, manager, world):
    dakar = DestinationFactory(city="Dakar", country="Sénégal")
    local = ContactFactory(name="Expéditeur Dakar", is_shipper=True)
    local.destinations.add(dakar)
    order = place([(stocked_product(5), 1)], contact=association())
    client.force_login(manager)
    first = text(client.get(review(order)))
    assert "Expéditeur Dakar" not in first.split('id="approve-shipper-field"')[1][:600]
    switched = text(client.get(review(order), {"destination": dakar.pk}))
    shippers = switched.split('id="approve-shipper-field"')[1][:600]
    assert "Expéditeur Dakar" in shippers and "ASF Toulouse" in shippers
    assert re.search(rf'<option value="{dakar.pk}" selected>', switched)


def test_an_approved_order_offers_its_preparation(client, manager, world):
    order = place([(stocked_product(20), 5)], contact=association())
    client.force_login(manager)
    approved(client, world, order)
    page = text(client.get(review(order)))
    assert "data-prepare-form" in page and "data-shipment-form" in page
    assert "data-cancel-form" in page and "data-approve-form" not in page


def test_a_shortage_names_the_product_and_reserves_nothing(client, manager, world):
    plenty, scarce = stocked_product(50), stocked_product(3, name="Gants stériles")
    order = place([(plenty, 5), (scarce, 10)], contact=association())
    client.force_login(manager)
    response = client.post(action("approve", order), approve_data(world, order))
    assert response.status_code == 200
    assert "Gants stériles" in text(response) and "Rien n'a été réservé" in text(response)
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.PENDING
    assert reserved(plenty) == reserved(scarce) == 0
    assert not OrderReservation.objects.exists() and not emails("order_approved")


def test_a_lowered_quantity_is_granted(client, manager, world):
    product = stocked_product(20)
    order = place([(product, 8)], contact=association())
    line = order.lines.get()
    client.force_login(manager)
    response = client.post(
        action("approve", order), approve_data(world, order, **{f"line_{line.pk}": 3})
    )
    assert response.status_code == 303
    line.refresh_from_db()
    assert (line.quantity, line.quantity_reserved) == (3, 3)
    assert reserved(product) == 3


def test_a_raised_quantity_is_refused(client, manager, world):
    product = stocked_product(20)
    order = place([(product, 4)], contact=association())
    line = order.lines.get()
    client.force_login(manager)
    response = client.post(
        action("approve", order), approve_data(world, order, **{f"line_{line.pk}": 9})
    )
    assert response.status_code == 200 and "ne peut qu'être baissée" in text(response)
    line.refresh_from_db()
    order.refresh_from_db()
    assert line.quantity == 4 and order.review_status == ReviewStatus.PENDING
    assert reserved(product) == 0


def test_bad_input_is_refused_with_a_message(client, manager, world):
    order = place([(stocked_product(20), 4)], contact=association())
    line = order.lines.get()
    client.force_login(manager)
    for data in (
        approve_data(world, order, **{f"line_{line.pk}": "abc"}),
        approve_data(world, order, **{f"line_{line.pk}": 0}),
        approve_data(world, order, destination=""),
        approve_data(world, order, destination="999999"),
        approve_data(world, order, op_id="pas-un-uuid"),
    ):
        response = client.post(action("approve", order), data)
        assert response.status_code == 200, data
        assert 'role="alert"' in response.content.decode()
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.PENDING


def test_a_shipper_that_does_not_serve_the_destination_is_refused(client, manager, world):
    elsewhere = DestinationFactory(city="Dakar", country="Sénégal")
    other = ContactFactory(name="Expéditeur Dakar", is_shipper=True)
    other.destinations.add(elsewhere)
    order = place([(stocked_product(20), 4)], contact=association())
    client.force_login(manager)
    response = client.post(action("approve", order), approve_data(world, order, shipper=other.pk))
    assert response.status_code == 200 and "Expéditeur Dakar" in text(response)
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.PENDING


def test_a_double_submit_approves_once(client, manager, world):
    product = stocked_product(20)
    order = place([(product, 5)], contact=association())
    data = approve_data(world, order)
    client.force_login(manager)
    assert client.post(action("approve", order), data).status_code == 303
    assert client.post(action("approve", order), data).status_code == 303  # the replay
    assert reserved(product) == 5 and len(emails("order_approved")) == 1


def test_a_decided_order_cannot_be_approved_again(client, manager, world):
    order = place([(stocked_product(20), 5)], contact=association())
    client.force_login(manager)
    approved(client, world, order)
    response = client.post(action("approve", order), approve_data(world, order))
    assert response.status_code == 200 and "n'est pas en attente" in text(response)


# --- a public-link order: the association is matched explicitly ---------------------------------

IDENTITY = {"name": "Les Amis de Tana", "email": "autre@example.org", "phone": "+261 99"}


def test_a_public_order_suggests_the_matching_contacts(client, manager, world):
    existing = association(email="amis@example.org")
    order = place([(stocked_product(10), 2)], identity=IDENTITY)
    client.force_login(manager)
    page = text(client.get(review(order)))
    assert "data-to-confirm" in page
    assert f'name="association" value="{existing.pk}"' in page
    assert 'name="association" value="new"' in page
    assert f'name="association" value="{existing.pk}" checked' not in page
    assert 'value="new" checked' not in page  # a suggestion exists: the manager must choose


def test_approving_with_an_existing_contact_leaves_that_contact_unchanged(client, manager, world):
    existing = association(email="amis@example.org", phone="+33 1", is_recipient=True)
    ContactAddress.objects.create(
        contact=existing, line1="Lot II", city="Antananarivo", country="Madagascar"
    )
    before = Contact.objects.filter(pk=existing.pk).values().get()
    order = place([(stocked_product(10), 2)], identity=IDENTITY)
    contacts = Contact.objects.count()
    client.force_login(manager)
    response = client.post(
        action("approve", order), approve_data(world, order, association=existing.pk)
    )
    assert response.status_code == 303
    order.refresh_from_db()
    assert order.association_contact == existing and order.recipient == existing
    assert Contact.objects.filter(pk=existing.pk).values().get() == before
    assert existing.addresses.count() == 1
    assert Contact.objects.count() == contacts  # nobody created from the typed identity


def test_without_a_choice_nothing_is_merged(client, manager, world):
    association(email="amis@example.org")
    order = place([(stocked_product(10), 2)], identity=IDENTITY)
    client.force_login(manager)
    response = client.post(action("approve", order), approve_data(world, order))
    assert response.status_code == 200
    assert "Choose" in text(response) or "Choisissez" in text(response)
    order.refresh_from_db()
    assert order.association_contact is None and order.review_status == ReviewStatus.PENDING


def test_a_new_contact_is_created_from_the_typed_identity(client, manager, world):
    order = place([(stocked_product(10), 2)], identity={**IDENTITY, "name": "Nouvelle asso"})
    client.force_login(manager)
    response = client.post(action("approve", order), approve_data(world, order, association="new"))
    assert response.status_code == 303
    order.refresh_from_db()
    created = order.association_contact
    assert created is not None and created.name == "Nouvelle asso" and created.needs_review


# --- an address-book recipient ------------------------------------------------------------------


def entry(contact: Contact, name: str = "Dispensaire Ambohimanarina") -> AssociationRecipient:
    return AssociationRecipient.objects.create(
        association=contact,
        name=name,
        line1="Route digue",
        city="Antananarivo",
        country="Madagascar",
    )


def test_the_recipient_can_be_matched_with_a_contact_of_the_same_name(client, manager, world):
    contact = association()
    same = ContactFactory(name="DISPENSAIRE  Ambohimanarina", is_recipient=True)
    ContactAddress.objects.create(
        contact=same, line1="Lot II", city="Antananarivo", country="Madagascar"
    )
    order = place([(stocked_product(10), 2)], contact=contact, recipient=entry(contact))
    client.force_login(manager)
    page = text(client.get(review(order)))
    assert f'name="recipient" value="{same.pk}"' in page
    response = client.post(action("approve", order), approve_data(world, order, recipient=same.pk))
    assert response.status_code == 303
    order.refresh_from_db()
    assert order.recipient == same
    assert order.portal_recipient.contact == same  # the next order from this entry reuses it


def test_a_matched_recipient_without_an_address_in_the_country_is_refused(client, manager, world):
    contact = association()
    same = ContactFactory(name="DISPENSAIRE  Ambohimanarina", is_recipient=True)
    order = place([(stocked_product(10), 2)], contact=contact, recipient=entry(contact))
    client.force_login(manager)
    response = client.post(action("approve", order), approve_data(world, order, recipient=same.pk))
    assert "ne peut pas recevoir" in text(response) or response.status_code == 303
    order.refresh_from_db()
    assert order.review_status == "pending_validation"
    assert order.lines.first().quantity_reserved == 0


def test_an_unmatched_recipient_becomes_a_contact_to_check(client, manager, world):
    contact = association()
    order = place([(stocked_product(10), 2)], contact=contact, recipient=entry(contact))
    client.force_login(manager)
    page = text(client.get(review(order)))
    assert 'name="recipient" value="new" checked' in page  # no suggestion: create is the default
    response = client.post(action("approve", order), approve_data(world, order, recipient="new"))
    assert response.status_code == 303
    order.refresh_from_db()
    assert order.recipient.name == "Dispensaire Ambohimanarina" and order.recipient.needs_review


# --- reject, changes, cancel ----------------------------------------------------------------------


def test_rejecting_cancels_the_order_and_tells_the_association(client, manager, world):
    order = place([(stocked_product(10), 2)], contact=association())
    client.force_login(manager)
    response = client.post(
        action("reject", order), {"op_id": str(uuid.uuid4()), "comment": "Hors périmètre"}
    )
    assert response.status_code == 303
    order.refresh_from_db()
    assert (order.review_status, order.status) == (ReviewStatus.REJECTED, OrderStatus.CANCELLED)
    assert order.review_comment == "Hors périmètre" and emails("order_rejected")


def test_asking_for_changes_needs_a_comment(client, manager, world):
    order = place([(stocked_product(10), 2)], contact=association())
    client.force_login(manager)
    response = client.post(action("changes", order), {"op_id": str(uuid.uuid4()), "comment": " "})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.PENDING
    response = client.post(
        action("changes", order), {"op_id": str(uuid.uuid4()), "comment": "Précisez la ville"}
    )
    assert response.status_code == 303
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.CHANGES_REQUESTED
    assert emails("order_changes_requested")


def test_cancelling_an_approved_order_releases_its_reservations(client, manager, world):
    product = stocked_product(20)
    order = place([(product, 6)], contact=association())
    client.force_login(manager)
    approved(client, world, order)
    assert reserved(product) == 6
    response = client.post(
        action("cancel", order), {"op_id": str(uuid.uuid4()), "reason": "Vol annulé"}
    )
    assert response.status_code == 303
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and reserved(product) == 0
    assert "data-cancel-form" not in text(client.get(review(order)))


# --- shipment and preparation ---------------------------------------------------------------------


def test_creating_the_shipment_links_it_to_the_order(client, manager, world):
    order = place([(stocked_product(20), 4)], contact=association())
    client.force_login(manager)
    approved(client, world, order)
    response = client.post(action("shipment", order), {"op_id": str(uuid.uuid4())})
    assert response.status_code == 303
    order.refresh_from_db()
    assert order.shipment is not None and order.shipment.shipper == world.shipper


def test_preparing_creates_the_shipment_and_its_cartons(client, manager, world):
    product = stocked_product(40)
    order = place([(product, 12)], contact=association())
    client.force_login(manager)
    approved(client, world, order)
    response = client.post(action("prepare", order), {"op_id": str(uuid.uuid4())})
    assert response.status_code == 303, text(response)
    order.refresh_from_db()
    assert order.status == OrderStatus.READY and order.shipment is not None
    cartons = Carton.objects.filter(shipment=order.shipment)
    assert cartons.exists() and all(c.status == CartonStatus.PACKED for c in cartons)
    assert reserved(product) == 0
    page = text(client.get(review(order)))
    assert reverse("scan:shipment_detail", args=[order.shipment.pk]) in page


def test_preparing_a_pending_order_is_refused(client, manager, world):
    order = place([(stocked_product(20), 4)], contact=association())
    client.force_login(manager)
    response = client.post(action("prepare", order), {"op_id": str(uuid.uuid4())})
    assert response.status_code == 200 and "n'est pas à préparer" in text(response)
    assert not Carton.objects.exists()


# --- documents ------------------------------------------------------------------------------------


def test_a_document_downloads_as_a_private_attachment(client, manager, pending):
    order, document = pending
    client.force_login(manager)
    response = client.get(reverse("scan:order_document_file", args=[order.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        "attachment" in response["Content-Disposition"]
        and "don.pdf" in response["Content-Disposition"]
    )
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF
    other = place([(stocked_product(5), 1)], contact=association("Autre"))
    assert (
        client.get(reverse("scan:order_document_file", args=[other.pk, document.pk])).status_code
        == 404
    )


def test_the_review_page_lists_the_documents_with_their_decision_forms(client, manager, pending):
    order, document = pending
    client.force_login(manager)
    page = text(client.get(review(order)))
    assert f'data-document="{document.pk}"' in page
    assert reverse("scan:order_document_review", args=[document.pk]) in page


# --- query budgets --------------------------------------------------------------------------------


def count_queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


def seed_orders(count: int, media: Any) -> None:
    for index in range(count):
        order = place(
            [(stocked_product(10), 1), (stocked_product(10), 2)],
            contact=association(f"Asso {uuid.uuid4().hex[:8]}") if index % 2 else None,
            identity=None if index % 2 else {"name": f"Public {index}", "email": "p@example.org"},
        )
        OrderDocument.objects.create(order=order, original_name="a.pdf", file="documents/a.pdf")


def test_the_list_costs_the_same_queries_whatever_the_number_of_orders(
    client, manager, world, media
):
    client.force_login(manager)
    seed_orders(2, media)
    small = count_queries(client, reverse("scan:orders_view"))
    seed_orders(12, media)
    large = count_queries(client, reverse("scan:orders_view"))
    assert small == large and large <= 12


def test_the_review_page_costs_the_same_queries_whatever_its_size(client, manager, world, media):
    client.force_login(manager)
    association("A", email="a@b.org")  # one suggestion on each page
    association("B", email="b@b.org")
    small_order = place([(stocked_product(10), 1)], identity={"name": "A", "email": "a@b.org"})
    OrderDocument.objects.create(order=small_order, original_name="a.pdf", file="documents/a.pdf")
    small = count_queries(client, review(small_order))
    big_order = place(
        [(stocked_product(10), 1) for _ in range(15)], identity={"name": "B", "email": "b@b.org"}
    )
    for _ in range(6):
        OrderDocument.objects.create(order=big_order, original_name="a.pdf", file="documents/a.pdf")
        association("B", email=f"{uuid.uuid4().hex[:6]}@b.org")
    large = count_queries(client, review(big_order))
    assert small == large and large <= 25
