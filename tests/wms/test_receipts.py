"""Receipts (S-RECEIPTS): references, receiving lines once, quick entry."""

import datetime as dt

import pytest

from tests.factories import ContactFactory, ProductFactory
from tests.stock_helpers import snapshot
from wms.models import ReceiptStatus, ReceiptType, ReferenceSequence
from wms.services import receiving
from wms.services.errors import StockError
from wms.services.references import next_reference, source_letters

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 3, 2)


def test_references_count_per_year_and_per_source():
    piaf = ContactFactory(name="Édith Piaf", is_donor=True)
    other = ContactFactory(name="Laboratoire Dupont", is_donor=True)
    assert next_reference("receipt", on=ON, source=piaf) == "26-01-EDI-01"
    assert next_reference("receipt", on=ON, source=piaf) == "26-02-EDI-02"
    assert next_reference("receipt", on=ON, source=other) == "26-03-LAB-01"
    assert next_reference("receipt", on=ON) == "26-04-XXX-00"
    assert next_reference("receipt", on=dt.date(2027, 1, 1), source=piaf) == "27-01-EDI-01"


def test_source_letters_strip_accents_and_pad():
    assert source_letters("Édith Piaf") == "EDI"
    assert source_letters("Yu") == "YUX"
    assert source_letters("L'Oréal") == "LOR"


def test_the_yearly_counter_goes_past_two_digits():
    ReferenceSequence.objects.create(kind="receipt", scope="2026", last_value=99)
    assert next_reference("receipt", on=ON) == "26-100-XXX-00"


def test_other_reference_kinds():
    assert next_reference("shipment", on=ON) == "260001"
    ReferenceSequence.objects.filter(kind="shipment", scope="2026").update(last_value=9999)
    assert next_reference("shipment", on=ON) == "2610000"
    assert next_reference("order", on=ON) == "CMD-2026-0001"
    assert next_reference("carton", on=ON) == "20260302-1"
    assert next_reference("carton", on=ON) == "20260302-2"
    with pytest.raises(ValueError):
        next_reference("nope", on=ON)


def test_a_receipt_is_received_line_by_line_then_marked_received(worker):
    product = ProductFactory()
    receipt = receiving.create_receipt(
        receipt_type=ReceiptType.DONATION,
        received_on=ON,
        source=ContactFactory(name="Édith Piaf"),
        lines=[dict(product=product, quantity=5, lot_code="A"), dict(product=product, quantity=2)],
        out_of_format=["Fauteuil roulant", "  ", "Lit médical"],
    )
    assert receipt.reference == "26-01-EDI-01"
    assert receipt.out_of_format_count == 2
    assert [line.number for line in receipt.out_of_format_lines.all()] == [1, 2]
    first, _second = receipt.lines.order_by("pk")
    lot = receiving.receive_line(first)
    assert (lot.quantity_on_hand, lot.source_receipt, lot.received_on) == (5, receipt, ON)
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.DRAFT
    receiving.receive_all(receipt)
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.RECEIVED
    assert product.lots.count() == 2


def test_a_line_is_never_received_twice():
    product = ProductFactory()
    receipt = receiving.create_receipt(lines=[dict(product=product, quantity=5)])
    line = receipt.lines.get()
    receiving.receive_line(line)
    before = snapshot()
    with pytest.raises(StockError, match="déjà été reçue"):
        receiving.receive_line(line)
    with pytest.raises(StockError, match="déjà reçues"):
        receiving.receive_all(receipt)
    assert snapshot() == before


def test_receive_all_is_all_or_nothing():
    good = ProductFactory()
    perishable = ProductFactory(perishable=True)
    receipt = receiving.create_receipt(
        lines=[dict(product=good, quantity=5), dict(product=perishable, quantity=1)]
    )
    before = snapshot()
    with pytest.raises(StockError, match="périssable"):
        receiving.receive_all(receipt)
    assert snapshot() == before


def test_bad_lines_and_types_are_refused():
    product = ProductFactory()
    with pytest.raises(StockError, match="Type de réception inconnu"):
        receiving.create_receipt(receipt_type="parcel")
    before = snapshot()
    with pytest.raises(StockError, match="au moins 1"):
        receiving.create_receipt(lines=[dict(product=product, quantity=0)])
    assert snapshot() == before  # the reference number was given back too


def test_quick_entry_records_a_received_donation_receipt():
    donor = ContactFactory(name="Pharmacie Centrale", is_donor=True)
    product = ProductFactory()
    lot = receiving.quick_entry(product=product, quantity=7, donor=donor, lot_code="Q1",
                                expires_on=dt.date(2030, 5, 1))  # fmt: skip
    receipt = lot.source_receipt
    assert (receipt.receipt_type, receipt.status, receipt.source_contact) == (
        ReceiptType.DONATION,
        ReceiptStatus.RECEIVED,
        donor,
    )
    assert (lot.quantity_on_hand, lot.lot_code) == (7, "Q1")


def test_cancel_refuses_a_receipt_with_received_lines():
    receipt = receiving.create_receipt(lines=[dict(product=ProductFactory(), quantity=1)])
    receiving.receive_all(receipt)
    with pytest.raises(StockError, match="déjà reçues"):
        receiving.cancel_receipt(receipt, actor=None)
    draft = receiving.create_receipt()
    assert receiving.cancel_receipt(draft, actor=None).status == ReceiptStatus.CANCELLED
