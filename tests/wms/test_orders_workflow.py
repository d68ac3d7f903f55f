"""The order workflow (S-ORDERS): submit, edit and resubmit; a manager approves (lowering
quantities only), rejects, asks for changes or cancels; the parties an approval brings in (the
portal recipient promoted, a public link's identity matched, never merged); the shipment made for
an order and the attestations copied to it.

The helpers at the top are shared by the other order test modules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from tests.factories import ContactFactory, DestinationFactory, ProductFactory, UserFactory
from tests.shipping_helpers import Scene, scene
from tests.stock_helpers import ledger_is_clean, snapshot
from wms.models import (
    AssociationProfile,
    AssociationRecipient,
    Contact,
    ContactAddress,
    IntegrationEvent,
    Order,
    OrderDocument,
    OrderDocumentKind,
    OrderLine,
    OrderReservation,
    OrderStatus,
    Product,
    ProductKitItem,
    ProductLot,
    PublicOrderLink,
    ReviewStatus,
    Shipment,
    ShipmentDocument,
)
from wms.models.orders import DocumentStatus
from wms.services import accounts, orders, shipping, stock
from wms.services.errors import StockError
from wms.services.stock import Actor

# --- shared by the order tests ---------------------------------------------------------------

PDF = b"%PDF-1.4\n%attestation\n"


def lot_of(product: Product, days: int | None, quantity: int, code: str) -> ProductLot:
    """A lot expiring in `days` (None: never)."""
    expires_on = timezone.localdate() + dt.timedelta(days=days) if days is not None else None
    return stock.receive(product=product, quantity=quantity, expires_on=expires_on, lot_code=code)


def packable(quantity: int = 50, days: int | None = 400, **fields: Any) -> Product:
    """A product with its size (for the carton estimates) and one lot."""
    product = ProductFactory(weight_g=100, volume_cm3=500, **fields)
    lot_of(product, days, quantity, "L1")
    return product


def association(
    name: str = "Les Amis de Tana",
    email: str = "",
    *,
    notification_emails: str = "",
    with_user: bool = True,
) -> Contact:
    """An association contact; with a portal user (username and email from the contact)."""
    slug = "".join(char for char in name.lower() if char.isalnum())[:30]
    contact = ContactFactory(name=name, email=email or f"contact@{slug}.example")
    if with_user:
        user = UserFactory(username=f"{slug}@example.org", email=f"{slug}@example.org")
        AssociationProfile.objects.create(
            user=user, contact=contact, notification_emails=notification_emails
        )
    return contact


def portal_actor(contact: Contact) -> Actor:
    return Actor(user=contact.association_profiles.select_related("user").first().user)


def address_book_entry(contact: Contact, **fields: Any) -> AssociationRecipient:
    values = {
        "name": "Centre de santé d'Ambohimanarina",
        "line1": "Lot IVG 12",
        "postal_code": "101",
        "city": "Antananarivo",
        "country": "Madagascar",
        "phone": "+261 20 22 000 00",
        "email": "csb.ambohimanarina@example.org",
        **fields,
    }
    return AssociationRecipient.objects.create(association=contact, **values)


def delivery(recipient: AssociationRecipient | None = None, **fields: Any) -> orders.Delivery:
    if recipient is not None:
        return orders.Delivery(recipient=recipient, **fields)
    values = {"address": "Rue Andriamifidy", "city": "Antananarivo", "country": "Madagascar"}
    return orders.Delivery(**{**values, **fields})


def place(
    contact: Contact,
    lines: list[tuple[Product, int]],
    recipient: AssociationRecipient | None = None,
) -> Order:
    """An order submitted from the portal by the association's user."""
    actor = portal_actor(contact) if contact.association_profiles.exists() else Actor()
    return orders.submit_order(
        lines=[orders.LineInput(product, quantity) for product, quantity in lines],
        delivery=delivery(recipient),
        actor=actor,
        association=contact,
    )


def reserved_by_lot() -> dict[int, int]:
    """Lot id → reserved units, for the lots holding a reservation."""
    return dict(
        ProductLot.objects.filter(quantity_reserved__gt=0).values_list("pk", "quantity_reserved")
    )


def reservations_agree() -> bool:
    """Every lot's reserved counter is the sum of its reservation rows, and every line's
    reserved quantity the sum of its own rows."""
    rows = dict(
        OrderReservation.objects.values("lot_id")
        .annotate(total=Sum("quantity"))
        .values_list("lot_id", "total")
    )
    for lot_id, reserved in ProductLot.objects.values_list("pk", "quantity_reserved"):
        if reserved != rows.get(lot_id, 0):
            return False
    for line in OrderLine.objects.select_related("product"):
        # A kit line counts whole kits; its rows hold its components' units.
        per_unit = {item.component_id: item.quantity for item in line.product.kit_items.all()}
        per_unit = per_unit or {line.product_id: 1}
        held = dict(
            line.reservations.values("lot__product_id")
            .annotate(total=Sum("quantity"))
            .values_list("lot__product_id", "total")
        )
        for product_id, units in per_unit.items():
            if held.get(product_id, 0) != line.quantity_reserved * units:
                return False
    return True


def emails(name: str) -> list[dict[str, Any]]:
    """Payloads of the queued emails built from template `name`."""
    return [
        event.payload
        for event in IntegrationEvent.objects.order_by("pk")
        if name in event.payload.get("tags", [])
    ]


def attestation(
    order: Order, kind: str, status: str, name: str = "attestation.pdf"
) -> OrderDocument:
    document = OrderDocument(order=order, kind=kind, status=status)
    accounts.store(document, SimpleUploadedFile(name, PDF), "pdf")
    return document


# --- this module's fixtures ------------------------------------------------------------------

pytestmark = pytest.mark.django_db

WORKFLOW_TABLES = (Order, OrderLine, OrderReservation, IntegrationEvent, Contact, ContactAddress)


@pytest.fixture(autouse=True)
def books_balance_after_each_scenario():
    yield
    assert ledger_is_clean()
    assert reservations_agree()


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


@pytest.fixture
def asso() -> Contact:
    return association(notification_emails="tresorier@amis-tana.example")


@pytest.fixture
def product() -> Product:
    return packable(50, name="Compresses stériles")


def world() -> dict[str, list[dict[str, Any]]]:
    state = snapshot()
    for model in WORKFLOW_TABLES:
        state[model.__name__] = list(model.objects.order_by("pk").values())
    return state


def refused(match: str, operation: Any, **kwargs: Any) -> StockError:
    before = world()
    with pytest.raises(StockError, match=match) as caught:
        operation(**kwargs)
    assert world() == before
    return caught.value


def approve(order: Order, sc: Scene, **approval: Any) -> Order:
    return orders.approve(
        order=order,
        approval=orders.Approval(destination=sc.destination, **approval),
        actor=sc.actor,
    )


def lines_of(*pairs: tuple[Product, Any]) -> list[orders.LineInput]:
    return [orders.LineInput(product, quantity) for product, quantity in pairs]


# --- submit ----------------------------------------------------------------------------------


def test_an_association_submits_an_order_that_waits_for_validation(asso, product):
    entry = address_book_entry(asso)
    order = orders.submit_order(
        lines=lines_of((product, 12)),
        delivery=delivery(entry, requested_date=dt.date(2031, 3, 1), notes="  Urgent  "),
        actor=portal_actor(asso),
        association=asso,
    )
    assert order.reference.startswith(f"CMD-{timezone.localdate().year}-")
    assert (order.status, order.review_status) == (OrderStatus.DRAFT, ReviewStatus.PENDING)
    assert order.association_contact == asso
    assert order.portal_recipient == entry
    assert order.recipient_name == entry.name and order.recipient is None
    assert (order.city, order.country) == ("Antananarivo", "Madagascar")
    assert order.address == entry.address_text()
    assert order.requested_date == dt.date(2031, 3, 1) and order.notes == "Urgent"
    assert order.created_by == portal_actor(asso).user and order.submitted_at is not None
    assert list(order.lines.values_list("product_id", "quantity")) == [(product.pk, 12)]


def test_two_orders_get_two_references(asso, product):
    first, second = place(asso, [(product, 1)]), place(asso, [(product, 1)])
    assert first.reference != second.reference


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "doit être au moins 1"),
        (-3, "doit être au moins 1"),
        ("abc", "nombre entier"),
        (1.5, "nombre entier"),
        (None, "nombre entier"),
        (10**9, "trop grande"),
    ],
)
def test_a_bad_quantity_is_refused_and_nothing_is_saved(asso, product, quantity, message):
    refused(
        message,
        orders.submit_order,
        lines=lines_of((product, quantity)),
        delivery=delivery(),
        actor=portal_actor(asso),
        association=asso,
    )


def test_bad_lines_are_refused_with_a_clear_message(asso, product):
    kit = ProductFactory(name="Kit hygiène")
    ProductKitItem.objects.create(kit=kit, component=product, quantity=2)
    retired = ProductFactory(name="Ancien produit", is_active=False)
    cases = [
        ([], "au moins une ligne"),
        (lines_of((product, 1), (product, 2)), "figure deux fois"),
        (lines_of((retired, 1)), "n'est plus proposé"),
        (lines_of((kit, 1)), "est un kit"),
        ([orders.LineInput(Product(name="Fantôme"), 1)], "Produit inconnu"),
    ]
    for lines, message in cases:
        refused(
            message,
            orders.submit_order,
            lines=lines,
            delivery=delivery(),
            actor=portal_actor(asso),
            association=asso,
        )


def test_kits_are_offered_only_when_the_setting_says_so_and_always_to_staff(asso, product, sc):
    kit = ProductFactory(name="Kit hygiène")
    ProductKitItem.objects.create(kit=kit, component=product, quantity=2)
    with override_settings(PORTAL_OFFER_KITS=True):
        assert place(asso, [(kit, 1)]).lines.get().product == kit
    staff_order = orders.submit_order(
        lines=lines_of((kit, 1)), delivery=delivery(), actor=sc.actor, association=asso, staff=True
    )
    assert staff_order.created_by == sc.actor.user


def test_too_many_lines_are_refused(asso):
    products = ProductFactory.create_batch(orders.MAX_LINES + 1)
    refused(
        "200 lignes au plus",
        orders.submit_order,
        lines=[orders.LineInput(product, 1) for product in products],
        delivery=delivery(),
        actor=portal_actor(asso),
        association=asso,
    )


def test_a_delivery_needs_a_city_and_a_country_and_an_own_active_recipient(asso, product):
    other = association(name="Autre association")
    theirs = address_book_entry(other)
    retired = address_book_entry(asso, is_active=False)
    for bad, message in (
        (delivery(city=""), "la ville et le pays"),
        (delivery(country="  "), "la ville et le pays"),
        (delivery(city="x" * 121), "120 caractères au plus"),
        (orders.Delivery(recipient=theirs), "n'appartient pas à votre carnet"),
        (orders.Delivery(recipient=retired), "n'appartient pas à votre carnet"),
    ):
        refused(
            message,
            orders.submit_order,
            lines=lines_of((product, 1)),
            delivery=bad,
            actor=portal_actor(asso),
            association=asso,
        )


def test_an_order_needs_an_association_or_a_typed_identity(product):
    refused(
        "l'association qui commande",
        orders.submit_order,
        lines=lines_of((product, 1)),
        delivery=delivery(),
        actor=Actor(),
    )


# --- edit and resubmit -----------------------------------------------------------------------


def test_the_association_edits_its_pending_order(asso, product):
    other = packable(10, name="Gants")
    order = place(asso, [(product, 5)])
    entry = address_book_entry(asso)

    orders.edit_order(
        order=order,
        lines=lines_of((product, 2), (other, 3)),
        delivery=delivery(entry),
        actor=portal_actor(asso),
    )

    order.refresh_from_db()
    assert sorted(order.lines.values_list("product__name", "quantity")) == [
        ("Compresses stériles", 2),
        ("Gants", 3),
    ]
    assert order.portal_recipient == entry
    assert order.review_status == ReviewStatus.PENDING


def test_a_bad_edit_changes_nothing(asso, product):
    order = place(asso, [(product, 5)])
    refused(
        "doit être au moins 1",
        orders.edit_order,
        order=order,
        lines=lines_of((product, 0)),
        delivery=delivery(),
        actor=portal_actor(asso),
    )
    refused(
        "la ville et le pays",
        orders.edit_order,
        order=order,
        lines=lines_of((product, 2)),
        delivery=delivery(city=""),
        actor=portal_actor(asso),
    )


def test_changes_requested_then_edited_and_resubmitted(asso, product, sc):
    order = place(asso, [(product, 5)])
    refused(
        "Dites à l'association", orders.request_changes, order=order, actor=sc.actor, comment=" "
    )

    orders.request_changes(order=order, actor=sc.actor, comment="Précisez la quantité")

    order.refresh_from_db()
    assert order.review_status == ReviewStatus.CHANGES_REQUESTED
    assert order.review_comment == "Précisez la quantité" and order.reviewed_by == sc.actor.user
    refused("n'est pas en attente", approve, order=order, sc=sc)
    orders.edit_order(
        order=order, lines=lines_of((product, 3)), delivery=delivery(), actor=portal_actor(asso)
    )
    orders.resubmit(order=order, actor=portal_actor(asso))
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.PENDING
    assert emails("order_new")[-1]["subject"].startswith("[")
    assert "modifiée et soumise à nouveau" in emails("order_new")[-1]["message"]
    refused("Seule une commande à modifier", orders.resubmit, order=order, actor=portal_actor(asso))
    approve(order, sc)
    assert order.lines.get().quantity == 3


def test_an_approved_or_rejected_order_cannot_be_edited(asso, product, sc):
    approved = approve(place(asso, [(product, 5)]), sc)
    rejected = place(asso, [(product, 5)])
    orders.reject(order=rejected, actor=sc.actor)
    for order in (approved, rejected):
        refused(
            "ne peut plus être modifiée",
            orders.edit_order,
            order=order,
            lines=lines_of((product, 1)),
            delivery=delivery(),
            actor=portal_actor(asso),
        )


# --- approve ---------------------------------------------------------------------------------


def test_a_manager_lowers_quantities_and_the_email_and_the_log_say_so(asso, product, sc, caplog):
    other = packable(20, name="Gants nitrile")
    order = place(asso, [(product, 10), (other, 4)])
    first, second = order.lines.order_by("pk")

    with caplog.at_level("INFO", logger="wms.orders"):
        approve(order, sc, lowered={first.pk: 6, second.pk: 4}, comment="  Stock limité  ")

    [record] = [r for r in caplog.records if getattr(r, "event", "") == "order_approved"]
    assert record.lowered == [  # type: ignore[attr-defined]
        {"product": "Compresses stériles", "asked": 10, "granted": 6}
    ]

    first.refresh_from_db()
    assert first.quantity == 6 and first.quantity_reserved == 6
    order.refresh_from_db()
    assert order.review_comment == "Stock limité"
    assert order.reviewed_by == sc.actor.user and order.reviewed_at is not None
    message = emails("order_approved")[-1]["message"]
    assert "Certaines quantités ont été réduites" in message
    assert "Compresses stériles : 6 au lieu de 10" in message
    assert "Gants nitrile : 4 au lieu de" not in message
    assert "Commentaire : Stock limité" in message


def test_an_approval_without_lowering_says_nothing_about_it(asso, product, sc):
    approve(place(asso, [(product, 10)]), sc)
    assert "réduites" not in emails("order_approved")[-1]["message"]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [(11, "ne peut qu'être baissée"), (0, "doit être au moins 1"), ("x", "nombre entier")],
)
def test_raising_or_zeroing_a_line_is_refused(asso, product, sc, quantity, message):
    order = place(asso, [(product, 10)])
    line = order.lines.get()
    refused(message, approve, order=order, sc=sc, lowered={line.pk: quantity})


def test_a_line_of_another_order_or_an_inactive_destination_is_refused(asso, product, sc):
    order = place(asso, [(product, 10)])
    elsewhere = place(asso, [(product, 1)]).lines.get()
    refused("Ligne de commande inconnue", approve, order=order, sc=sc, lowered={elsewhere.pk: 1})
    closed = DestinationFactory(is_active=False)
    refused(
        "destination active",
        orders.approve,
        order=order,
        approval=orders.Approval(destination=closed),
        actor=sc.actor,
    )


def test_an_order_is_decided_only_once(asso, product, sc):
    approved = approve(place(asso, [(product, 1)]), sc)
    rejected = orders.reject(order=place(asso, [(product, 1)]), actor=sc.actor)
    for order in (approved, rejected):
        refused("n'est pas en attente", approve, order=order, sc=sc)
        refused("n'est pas en attente", orders.reject, order=order, actor=sc.actor)
        refused(
            "n'est pas en attente",
            orders.request_changes,
            order=order,
            actor=sc.actor,
            comment="x",
        )


def test_approval_fills_the_destination_correspondent_and_chosen_shipper(asso, product, sc):
    order = approve(place(asso, [(product, 1)]), sc, shipper=sc.shipper)
    assert order.destination == sc.destination
    assert order.correspondent == sc.destination.correspondent
    assert order.correspondent_name == sc.destination.correspondent.name
    assert (order.shipper, order.shipper_name) == (sc.shipper, sc.shipper.name)


def test_only_a_manager_decides(asso, product, sc, worker):
    order = place(asso, [(product, 1)])
    for actor in (Actor(user=worker), portal_actor(asso)):
        refused("Seul un responsable", orders.reject, order=order, actor=actor)
        refused(
            "Seul un responsable", orders.request_changes, order=order, actor=actor, comment="x"
        )


# --- reject ----------------------------------------------------------------------------------


def test_a_rejected_order_is_closed_with_its_reason(asso, product, sc):
    order = orders.reject(order=place(asso, [(product, 1)]), actor=sc.actor, comment="  Hors zone ")
    order.refresh_from_db()
    assert (order.status, order.review_status) == (OrderStatus.CANCELLED, ReviewStatus.REJECTED)
    assert order.review_comment == "Hors zone" and order.reviewed_by == sc.actor.user


# --- cancel ----------------------------------------------------------------------------------


def test_the_association_cancels_while_pending_or_asked_for_changes(asso, product, sc):
    pending = place(asso, [(product, 1)])
    to_change = place(asso, [(product, 1)])
    orders.request_changes(order=to_change, actor=sc.actor, comment="Précisez")
    for order in (pending, to_change):
        orders.cancel(order=order, actor=portal_actor(asso), reason="Plus besoin")
        order.refresh_from_db()
        assert order.status == OrderStatus.CANCELLED
        assert order.review_comment == "Plus besoin"


def test_the_association_cannot_cancel_once_approved(asso, product, sc):
    order = approve(place(asso, [(product, 1)]), sc)
    refused(
        "seul un responsable peut l'annuler", orders.cancel, order=order, actor=portal_actor(asso)
    )


def test_a_manager_cancels_until_the_shipment_ships(asso, product, sc):
    order = approve(place(asso, [(product, 4)]), sc)
    orders.prepare(order=order, actor=sc.actor)
    order.refresh_from_db()
    assert order.status == OrderStatus.READY

    shipping.ship(shipment=order.shipment, actor=sc.actor)

    refused("est partie", orders.cancel, order=order, actor=sc.actor)
    preparing = approve(place(asso, [(product, 4)]), sc)
    orders.create_shipment(order=preparing, actor=sc.actor)
    orders.cancel(order=preparing, actor=sc.actor, reason="Vol annulé")
    preparing.refresh_from_db()
    assert preparing.status == OrderStatus.CANCELLED


def test_a_cancelled_order_cannot_be_cancelled_again(asso, product, sc):
    order = orders.cancel(order=place(asso, [(product, 1)]), actor=portal_actor(asso))
    refused("déjà annulée", orders.cancel, order=order, actor=sc.actor)
    refused("déjà annulée", orders.cancel, order=order, actor=portal_actor(asso))


# --- the parties an approval brings in -------------------------------------------------------


def test_the_portal_recipient_becomes_a_contact_to_review_with_its_address(asso, product, sc):
    entry = address_book_entry(asso)
    order = approve(place(asso, [(product, 1)], recipient=entry), sc)

    contact = order.recipient
    assert contact is not None and contact != asso
    assert (contact.name, contact.email, contact.phone) == (entry.name, entry.email, entry.phone)
    assert contact.is_recipient and contact.needs_review
    address = contact.addresses.get()
    assert (address.line1, address.postal_code, address.city, address.country) == (
        "Lot IVG 12",
        "101",
        "Antananarivo",
        "Madagascar",
    )
    assert address.is_default and contact.asf_id.startswith("DEST-")
    entry.refresh_from_db()
    assert entry.contact == contact
    assert order.recipient_name == entry.name
    assert shipping.recipients_for(sc.destination).filter(pk=contact.pk).exists()


def test_the_same_address_book_entry_is_promoted_once(asso, product, sc):
    entry = address_book_entry(asso)
    first = approve(place(asso, [(product, 1)], recipient=entry), sc)
    second = approve(place(asso, [(product, 1)], recipient=entry), sc)
    assert first.recipient == second.recipient
    assert Contact.objects.filter(name=entry.name).count() == 1


def test_a_recipient_the_manager_matched_is_used_as_is(asso, product, sc):
    entry = address_book_entry(asso)
    before = Contact.objects.filter(pk=sc.recipient.pk).values().get()
    order = approve(place(asso, [(product, 1)], recipient=entry), sc, recipient=sc.recipient)
    assert order.recipient == sc.recipient
    assert Contact.objects.filter(pk=sc.recipient.pk).values().get() == before
    assert not Contact.objects.filter(name=entry.name).exists()


def test_an_association_delivered_to_itself_becomes_a_recipient_there(asso, product, sc):
    order = approve(place(asso, [(product, 1)]), sc)
    asso.refresh_from_db()
    assert order.recipient == asso and asso.is_recipient
    assert asso.asf_id and asso.asf_id.startswith("DEST-")  # saved with its new role
    address = asso.addresses.get()
    assert address.city == "Antananarivo" and address.is_default
    # Its own address is not added twice by the next order.
    approve(place(asso, [(product, 1)]), sc)
    assert asso.addresses.count() == 1


def public_order(product: Product, link: PublicOrderLink | None = None, **identity: str) -> Order:
    typed = {
        "name": "Association Espoir Madagascar",
        "email": "espoir@example.org",
        "phone": "+261 34 11 222 33",
        "contact_name": "Voahangy",
        **identity,
    }
    return accounts.submit_public_order(
        link=link or PublicOrderLink.objects.create(label="Partenaires 2025"),
        identity=accounts.Identity(**typed),
        lines=lines_of((product, 2)),
        delivery=delivery(address="Lot II M 4", city="Antananarivo", country="Madagascar"),
        client_ip="203.0.113.7",
    )


def test_a_public_link_identity_becomes_a_new_contact_to_review(product, sc):
    order = public_order(product)
    assert order.association_contact is None
    assert order.submitted_identity["email"] == "espoir@example.org"

    order = approve(order, sc)

    contact = order.association_contact
    assert contact is not None and contact.needs_review
    assert (contact.name, contact.email, contact.phone) == (
        "Association Espoir Madagascar",
        "espoir@example.org",
        "+261 34 11 222 33",
    )
    assert order.recipient is not None
    assert order.recipient.addresses.filter(country="Madagascar").exists()


def test_an_existing_contact_the_manager_chose_is_left_unchanged(product, sc):
    existing = ContactFactory(
        name="Espoir Madagascar", email="bureau@espoir.example", phone="01 02 03 04 05"
    )
    ContactAddress.objects.create(
        contact=existing, line1="3 rue de Paris", city="Lyon", country="France"
    )
    contacts_before = list(Contact.objects.filter(pk=existing.pk).values())
    addresses_before = list(ContactAddress.objects.filter(contact=existing).values())
    order = public_order(product, email="autre@example.org", phone="+261 00")

    order = approve(order, sc, association=existing)

    assert order.association_contact == existing
    assert list(Contact.objects.filter(pk=existing.pk).values()) == contacts_before
    assert list(ContactAddress.objects.filter(contact=existing).values()) == addresses_before
    # The typed delivery address went to a recipient flagged for review, not into the contact.
    assert order.recipient is not None and order.recipient != existing
    assert order.recipient.needs_review and order.recipient.is_recipient
    assert order.recipient.addresses.get(default_marker=True).city == "Antananarivo"


def test_an_association_with_an_address_elsewhere_keeps_its_default(product, sc):
    contact = association()
    home = ContactAddress.objects.create(
        contact=contact, line1="3 rue de Paris", city="Lyon", country="France", default_marker=True
    )
    approve(place(contact, [(product, 1)]), sc)
    assert contact.addresses.count() == 2
    assert list(contact.addresses.filter(default_marker=True)) == [home]


# --- the order's shipment and its attestations -----------------------------------------------


def stored(name: str) -> bool:
    return default_storage.exists(name)


def test_create_shipment_copies_only_approved_attestations_into_their_own_files(asso, product, sc):
    order = approve(place(asso, [(product, 2)]), sc)
    donation = attestation(order, OrderDocumentKind.DONATION, DocumentStatus.APPROVED, "don.pdf")
    humanitarian = attestation(order, OrderDocumentKind.HUMANITARIAN, DocumentStatus.APPROVED)
    attestation(order, OrderDocumentKind.DONATION, DocumentStatus.PENDING, "attente.pdf")
    attestation(order, OrderDocumentKind.HUMANITARIAN, DocumentStatus.REJECTED, "refus.pdf")
    attestation(order, OrderDocumentKind.INVOICE, DocumentStatus.APPROVED, "facture.pdf")

    shipment = orders.create_shipment(order=order, actor=sc.actor)

    copies = {copy.copied_from: copy for copy in ShipmentDocument.objects.filter(shipment=shipment)}
    assert set(copies) == {donation, humanitarian}
    copy = copies[donation]
    assert (copy.kind, copy.original_name) == ("donation", "don.pdf")
    assert copy.file.name != donation.file.name
    with copy.file.open("rb") as handle:
        assert handle.read() == PDF

    # Deleting the order's document keeps the shipment's file, and back.
    order_file, copy_file = donation.file.name, copy.file.name
    donation.file.delete(save=False)
    donation.delete()
    assert not stored(order_file) and stored(copy_file)
    copy.refresh_from_db()
    assert copy.copied_from is None
    human_copy = copies[humanitarian]
    human_copy.file.delete(save=False)
    human_copy.delete()
    assert stored(humanitarian.file.name)
    assert Path(settings.MEDIA_ROOT, humanitarian.file.name).read_bytes() == PDF


def test_create_shipment_is_made_once_with_the_order_parties(asso, product, sc):
    entry = address_book_entry(asso)
    order = approve(place(asso, [(product, 2)], recipient=entry), sc)

    shipment = orders.create_shipment(order=order, actor=sc.actor)

    assert orders.create_shipment(order=order, actor=sc.actor) == shipment
    assert Shipment.objects.count() == 1
    order.refresh_from_db()
    assert order.shipment == shipment and shipment.order == order
    assert shipment.destination == sc.destination
    assert shipment.recipient == order.recipient and shipment.shipper == sc.shipper
    assert order.shipper == sc.shipper
    assert order.reference in shipment.notes


def test_create_shipment_is_refused_before_approval_or_without_a_shipper(asso, product, sc):
    pending = place(asso, [(product, 2)])
    refused("Seule une commande validée", orders.create_shipment, order=pending, actor=sc.actor)
    approved = approve(place(asso, [(product, 2)]), sc)
    Contact.objects.filter(is_shipper=True).update(is_shipper=False)
    refused("Aucun expéditeur", orders.create_shipment, order=approved, actor=sc.actor)


def test_only_a_manager_prepares_or_makes_the_shipment(asso, product, sc, worker):
    order = approve(place(asso, [(product, 2)]), sc)
    for actor in (Actor(user=worker), portal_actor(asso)):
        refused("Seul un responsable", orders.create_shipment, order=order, actor=actor)
        refused("Seul un responsable", orders.prepare, order=order, actor=actor)


def test_the_association_emails_reach_its_address_users_and_notification_emails(product):
    contact = association(
        email="bureau@amis.example",
        notification_emails=(
            "Tresorier@amis.example\n\n  logistique@amis.example \nbureau@amis.example"
        ),
    )
    UserFactory(username="second@amis.example", email="second@amis.example")
    AssociationProfile.objects.create(
        user=UserFactory(username="third", email="third@amis.example"), contact=contact
    )
    order = place(contact, [(product, 1)])
    assert orders.association_emails(order) == [
        "bureau@amis.example",
        "lesamisdetana@example.org",
        "tresorier@amis.example",
        "logistique@amis.example",
        "third@amis.example",
    ]


def test_a_shipment_without_order_has_no_order(sc):
    assert orders.order_of(None) is None
    assert orders.order_of(sc.shipment()) is None
