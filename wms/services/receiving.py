"""Receipts (S-RECEIPTS): creation with its reference, receiving lines into lots (once, even
under a race), receiving everything, and the quick stock entry of the scan app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from wms.models import (
    Contact,
    Location,
    Product,
    ProductLot,
    Receipt,
    ReceiptLine,
    ReceiptStatus,
    ReceiptType,
    Warehouse,
)
from wms.services import stock
from wms.services.errors import StockError
from wms.services.references import next_reference
from wms.services.stock import SYSTEM, Actor


def create_receipt(
    *,
    receipt_type: str = ReceiptType.DONATION,
    received_on: dt.date | None = None,
    source: Contact | None = None,
    carrier: Contact | None = None,
    warehouse: Warehouse | None = None,
    actor: Actor = SYSTEM,
    lines: list[dict[str, Any]] | None = None,
    out_of_format: list[str] | None = None,
    **fields: Any,
) -> Receipt:
    """A draft receipt with its YY-NN-DDD-CC reference and optional lines (not yet received)."""
    if receipt_type not in ReceiptType.values:
        raise StockError(f"Type de réception inconnu : {receipt_type}.")
    received_on = received_on or timezone.localdate()
    with transaction.atomic():
        receipt = Receipt.objects.create(
            reference=next_reference("receipt", on=received_on, source=source),
            receipt_type=receipt_type,
            received_on=received_on,
            source_contact=source,
            carrier_contact=carrier,
            warehouse=warehouse or Warehouse.receiving(),
            created_by=actor.user if getattr(actor.user, "pk", None) else None,
            **fields,
        )
        for line in lines or []:
            add_line(receipt, **line)
        descriptions = [text.strip() for text in out_of_format or [] if text.strip()]
        for number, description in enumerate(descriptions, start=1):
            receipt.out_of_format_lines.create(number=number, description=description)
        if out_of_format:
            receipt.out_of_format_count = receipt.out_of_format_lines.count()
            receipt.save(update_fields=["out_of_format_count"])
    return receipt


def add_line(
    receipt: Receipt,
    *,
    product: Product,
    quantity: int,
    lot_code: str = "",
    expires_on: dt.date | None = None,
    lot_status: str = "",
    location: Location | None = None,
    storage_conditions: str = "",
) -> ReceiptLine:
    if receipt.status != ReceiptStatus.DRAFT:
        raise StockError("Cette réception n'est plus en brouillon.")
    if product is None:
        raise StockError("Produit inconnu.")
    stock.refuse_kit(product)
    quantity = stock._positive(quantity)
    return ReceiptLine.objects.create(
        receipt=receipt,
        product=product,
        quantity=quantity,
        lot_code=lot_code.strip(),
        expires_on=expires_on,
        lot_status=lot_status,
        location=location,
        storage_conditions=storage_conditions,
    )


def receive_line(line: ReceiptLine, *, actor: Actor = SYSTEM) -> ProductLot:
    """Create the line's lot. A second receive is refused, even when two requests race: the line
    row is locked, and its one-to-one link to the lot can hold only one lot."""
    with transaction.atomic():
        locked = (
            ReceiptLine.objects.select_for_update()
            .select_related("receipt", "product", "location")
            .filter(pk=line.pk)
            .first()
        )
        if locked is None:
            raise StockError("Ligne de réception introuvable.")
        if locked.received_lot_id is not None:
            raise StockError("Cette ligne a déjà été reçue.", code="already_received")
        if locked.receipt.status == ReceiptStatus.CANCELLED:
            raise StockError("Cette réception est annulée.")
        lot = stock.receive(
            product=locked.product,
            quantity=locked.quantity,
            actor=actor,
            location=locked.location,
            lot_code=locked.lot_code,
            expires_on=locked.expires_on,
            received_on=locked.receipt.received_on,
            status=locked.lot_status or None,
            storage_conditions=locked.storage_conditions,
            receipt=locked.receipt,
        )
        locked.received_lot = lot
        locked.save(update_fields=["received_lot"])
        _mark_received_when_complete(locked.receipt)
    return lot


def receive_all(receipt: Receipt, *, actor: Actor = SYSTEM) -> list[ProductLot]:
    """Receive every line not yet received, all or nothing."""
    with transaction.atomic():
        pending = list(receipt.lines.filter(received_lot__isnull=True).order_by("pk"))
        if not pending:
            raise StockError("Toutes les lignes de cette réception sont déjà reçues.")
        return [receive_line(line, actor=actor) for line in pending]


def _mark_received_when_complete(receipt: Receipt) -> None:
    if (
        receipt.status == ReceiptStatus.DRAFT
        and not receipt.lines.filter(received_lot__isnull=True).exists()
    ):
        Receipt.objects.filter(pk=receipt.pk, status=ReceiptStatus.DRAFT).update(
            status=ReceiptStatus.RECEIVED
        )
        receipt.status = ReceiptStatus.RECEIVED


def quick_entry(
    *,
    product: Product,
    quantity: int,
    actor: Actor = SYSTEM,
    expires_on: dt.date | None = None,
    lot_code: str = "",
    donor: Contact | None = None,
    location: Location | None = None,
) -> ProductLot:
    """ "MAJ stock": one product received now, recorded as a received donation receipt."""
    with transaction.atomic():
        receipt = create_receipt(
            receipt_type=ReceiptType.DONATION,
            source=donor,
            actor=actor,
            lines=[
                dict(
                    product=product,
                    quantity=quantity,
                    expires_on=expires_on,
                    lot_code=lot_code,
                    location=location,
                )
            ],
        )
        return receive_line(receipt.lines.get(), actor=actor)


def cancel_receipt(receipt: Receipt, *, actor: Actor) -> Receipt:
    with transaction.atomic():
        locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if locked.lines.filter(received_lot__isnull=False).exists():
            raise StockError("Des lignes sont déjà reçues : ajustez le stock au lieu d'annuler.")
        locked.status = ReceiptStatus.CANCELLED
        locked.save(update_fields=["status"])
    return locked
