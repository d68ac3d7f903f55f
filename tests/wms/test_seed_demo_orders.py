"""`seed_demo`, orders part (S-ORDERS): two associations with their portal users asso1 / asso2 and
address books, a public order link whose address is printed, and orders in every review status,
all made through the order services; idempotent, the ledger clean and the reservations agreeing
with the lots."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Model
from django.test import override_settings

from tests.wms.test_orders_workflow import reservations_agree
from wms.demo_orders import DEMO_LINK_LABEL, DEMO_ORDER_NOTE
from wms.models import (
    AccountRequestStatus,
    AssociationProfile,
    AssociationRecipient,
    Contact,
    Order,
    OrderLine,
    OrderReservation,
    OrderStatus,
    PublicAccountRequest,
    PublicOrderLink,
    ReviewStatus,
    ShipmentDocument,
    ShipmentStatus,
)
from wms.services import shipping

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-from-env-1"
ORDER_TABLES: tuple[type[Model], ...] = (
    Contact,
    AssociationProfile,
    AssociationRecipient,
    PublicOrderLink,
    PublicAccountRequest,
    Order,
    OrderLine,
    OrderReservation,
    ShipmentDocument,
)


def seed() -> str:
    out = io.StringIO()
    with override_settings(
        DEBUG=True, DEMO_PASSWORD=PASSWORD, SITE_BASE_URL="http://127.0.0.1:8000"
    ):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ORDER_TABLES}


def ledger_exit_code() -> int:
    try:
        call_command("check_stock_ledger", stdout=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


@pytest.fixture
def seeded() -> str:
    return seed()


def demo_orders():
    return Order.objects.filter(notes__startswith=DEMO_ORDER_NOTE)


def test_running_it_twice_duplicates_nothing_and_keeps_the_books_clean():
    first = seed()
    before = counts()

    second = seed()

    assert counts() == before
    assert "Commandes de démonstration créées (" in first
    assert "Commandes de démonstration déjà présentes : aucune ajoutée." in second
    assert ledger_exit_code() == 0
    assert reservations_agree()


def test_there_is_a_demo_order_in_every_review_status(seeded):
    assert set(demo_orders().values_list("review_status", flat=True)) == set(ReviewStatus.values)
    pairs = set(demo_orders().values_list("review_status", "status"))
    assert {
        (ReviewStatus.PENDING, OrderStatus.DRAFT),
        (ReviewStatus.APPROVED, OrderStatus.RESERVED),
        (ReviewStatus.APPROVED, OrderStatus.READY),
        (ReviewStatus.REJECTED, OrderStatus.CANCELLED),
        (ReviewStatus.CHANGES_REQUESTED, OrderStatus.DRAFT),
        (ReviewStatus.PENDING, OrderStatus.CANCELLED),
    } <= pairs
    assert ledger_exit_code() == 0
    assert reservations_agree()


def test_the_reserved_order_holds_its_lots_and_was_lowered(seeded):
    reserved = demo_orders().get(status=OrderStatus.RESERVED)
    lines = list(reserved.lines.all())
    assert all(line.quantity_reserved == line.quantity for line in lines)
    assert sum(r.quantity for r in OrderReservation.objects.filter(line__order=reserved)) == sum(
        line.quantity for line in lines
    )
    assert reserved.recipient is not None and reserved.recipient.needs_review
    assert reserved.destination.iata_code == "BKO"


def test_the_prepared_order_has_a_packed_shipment_with_its_attestation(seeded):
    ready = demo_orders().get(status=OrderStatus.READY)
    shipment = ready.shipment
    assert shipment is not None and shipment.status == ShipmentStatus.PACKED
    assert shipping.carton_progress(shipment)[0] >= 1
    assert all(line.quantity_prepared == line.quantity for line in ready.lines.all())
    copy = ShipmentDocument.objects.get(shipment=shipment)
    assert copy.copied_from is not None and copy.copied_from.order == ready
    assert not OrderReservation.objects.filter(line__order=ready).exists()


def test_the_portal_users_are_asso1_and_asso2_with_the_printed_password(seeded, rf):
    assert "asso1@example.org / asso2@example.org" in seeded
    assert seeded.rstrip().endswith(f"password: {PASSWORD}")
    for username in ("asso1", "asso2"):
        user = authenticate(rf.post("/"), username=username, password=PASSWORD)
        assert user is not None, username
        assert user.email == f"{username}@example.org"
        assert not user.is_staff and not user.groups.exists()
        profile = user.association_profile
        assert profile.contact.orders.filter(notes__startswith=DEMO_ORDER_NOTE).exists()
        assert profile.contact.portal_recipients.count() == 2


def test_address_books_are_in_destination_countries(seeded):
    countries = set(AssociationRecipient.objects.values_list("country", flat=True))
    destinations = {"Mali", "Haïti", "Madagascar", "Burkina Faso"}
    assert countries <= destinations


def test_the_public_link_is_printed_with_its_address_and_has_an_order(seeded):
    link = PublicOrderLink.objects.get(label=DEMO_LINK_LABEL)
    assert link.is_usable()
    assert f"http://127.0.0.1:8000/scan/public-order/{link.token}/" in seeded
    order = link.orders.get()
    assert order.association_contact is None
    assert order.submitted_identity["email"] == "espoir.ouaga@example.org"


def test_a_pending_account_request_waits_for_the_managers(seeded):
    assert PublicAccountRequest.objects.filter(status=AccountRequestStatus.PENDING).count() == 1


def test_every_demo_contact_keeps_one_default_address(seeded):
    for contact in Contact.objects.all():
        assert contact.addresses.filter(default_marker=True).count() == 1, contact.name


def test_when_the_stock_cannot_be_reserved_the_orders_are_added_by_a_later_run():
    with override_settings(MIN_SHELF_LIFE_DAYS_EXPORT=100_000):
        first = seed()

    assert "Commandes de démonstration non créées : Stock insuffisant" in first
    assert not Order.objects.exists()
    assert AssociationProfile.objects.count() == 2  # the accounts are there already
    assert ledger_exit_code() == 0

    second = seed()

    assert "Commandes de démonstration créées (" in second
    assert set(demo_orders().values_list("review_status", flat=True)) == set(ReviewStatus.values)
    assert ledger_exit_code() == 0
    assert reservations_agree()
