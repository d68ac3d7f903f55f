"""Pallet receipts (S-RECEIPTS, S-IMPORT): the logistics record of a pallet, alone or with the
lines of its packing list, received all or nothing.

The logistics fields travel through the listing import as JSON (`ImportUpload.options["receipt"]`:
ids and ISO dates), so they are read back here and checked again: a donor deactivated between the
upload and the confirmation refuses the import instead of being written on a new receipt.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from wms.imports.errors import ImportFileError
from wms.imports.listing import (
    FIELD_KEYS,
    Decision,
    PlannedLine,
    ReadOptions,
    check_size,
    extension_of,
    file_shape,
    guess_mapping,
    mapping_problems,
    new_product_key,
    plan_errors,
    plan_listing,
    read_listing,
)
from wms.imports.readers import Table
from wms.models import (
    Contact,
    ImportKind,
    ImportUpload,
    Product,
    ProductLot,
    Receipt,
    ReceiptType,
    Warehouse,
)
from wms.services import receiving
from wms.services.errors import StockError
from wms.services.stock import SYSTEM, Actor

TEXT_LIMITS = {"origin_reference": 80, "carrier_reference": 80}


class ListingRejected(StockError):
    """Rows of the listing cannot be received: nothing was created. `errors` holds one
    "ligne N : raison" per bad row."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors), code="listing_rejected")
        self.errors = errors


@dataclass(frozen=True)
class Logistics:
    """What the pallet receipt form records (S-RECEIPTS "pallet receipt")."""

    received_on: dt.date
    pallet_count: int = 0
    source: Contact | None = None
    carrier: Contact | None = None
    transport_request_date: dt.date | None = None
    origin_reference: str = ""
    carrier_reference: str = ""
    warehouse: Warehouse | None = None
    notes: str = ""

    def as_json(self) -> dict[str, Any]:
        """JSON-safe: what `ImportUpload.options["receipt"]` keeps between the import steps."""
        return {
            "received_on": self.received_on.isoformat(),
            "pallet_count": self.pallet_count,
            "source": self.source.pk if self.source else None,
            "carrier": self.carrier.pk if self.carrier else None,
            "transport_request_date": (
                self.transport_request_date.isoformat() if self.transport_request_date else None
            ),
            "origin_reference": self.origin_reference,
            "carrier_reference": self.carrier_reference,
            "warehouse": self.warehouse.pk if self.warehouse else None,
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Logistics:
        data = data or {}
        return cls(
            received_on=_iso_date(data.get("received_on"), "La date de réception")
            or timezone.localdate(),
            pallet_count=_count(data.get("pallet_count")),
            source=_contact(data.get("source"), "is_donor", "Le donateur"),
            carrier=_contact(data.get("carrier"), "is_carrier", "Le transporteur"),
            transport_request_date=_iso_date(
                data.get("transport_request_date"), "La date de demande de transport"
            ),
            origin_reference=str(data.get("origin_reference") or ""),
            carrier_reference=str(data.get("carrier_reference") or ""),
            warehouse=_warehouse(data.get("warehouse")),
            notes=str(data.get("notes") or ""),
        )

    def receipt_fields(self) -> dict[str, Any]:
        for name, limit in TEXT_LIMITS.items():
            if len(getattr(self, name)) > limit:
                raise StockError(f"Référence trop longue : {limit} caractères au plus.")
        return {
            "received_on": self.received_on,
            "source": self.source,
            "carrier": self.carrier,
            "warehouse": self.warehouse,
            "pallet_count": self.pallet_count,
            "transport_request_date": self.transport_request_date,
            "origin_reference": self.origin_reference.strip(),
            "carrier_reference": self.carrier_reference.strip(),
            "notes": self.notes.strip(),
        }


def _iso_date(value: Any, what: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise StockError(f"{what} est invalide.") from None


def _count(value: Any) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise StockError("Le nombre de palettes doit être un nombre entier.") from None
    if not 0 <= number <= 10_000:
        raise StockError("Le nombre de palettes doit être compris entre 0 et 10 000.")
    return number


def _contact(pk: Any, role: str, what: str) -> Contact | None:
    if pk in (None, ""):
        return None
    contact = Contact.objects.filter(pk=pk, is_active=True, **{role: True}).first()
    if contact is None:
        raise StockError(f"{what} choisi n'existe plus ou n'est plus actif.")
    return contact


def _warehouse(pk: Any) -> Warehouse | None:
    if pk in (None, ""):
        return Warehouse.receiving()
    warehouse = Warehouse.objects.filter(pk=pk).first()
    if warehouse is None:
        raise StockError("L'entrepôt choisi n'existe plus.")
    return warehouse


# --- a pallet without its listing ---------------------------------------------------------------


def record_pallet(logistics: Logistics, *, actor: Actor = SYSTEM) -> Receipt:
    """The logistics record alone: a `pallet` receipt without lines. It stays a draft (a receipt
    becomes `received` when its last line is received, and this one has none yet)."""
    return receiving.create_receipt(
        receipt_type=ReceiptType.PALLET, actor=actor, **logistics.receipt_fields()
    )


# --- a pallet with its listing: the steps before the confirmation -------------------------------


def store_listing(
    *,
    user: Any,
    name: str,
    data: bytes,
    read: ReadOptions,
    logistics: Logistics,
    max_mb: int,
) -> ImportUpload:
    """Keep an uploaded listing for the next steps, under a random name, with its first column
    guess. Raises ImportFileError (nothing stored) for a file that cannot be a listing: too big,
    another format, unreadable, a scanned PDF, pages or a header row it does not have. A workbook
    whose first sheet does not read is kept when it has other sheets: the next step chooses."""
    check_size(len(data), max_mb)
    extension = extension_of(name)
    shape = file_shape(data, name)
    try:
        table = read_listing(data, name, read)
    except ImportFileError:
        if len(shape.sheets) <= 1:
            raise
        mapping = dict.fromkeys(FIELD_KEYS, "")
    else:
        mapping = guess_mapping(table.headers)
    ImportUpload.purge_abandoned()
    upload = ImportUpload(
        kind=ImportKind.LISTING,
        original_name=Path(name).name[-200:],
        size=len(data),
        options={
            "receipt": logistics.as_json(),
            "read": read.as_json(),
            "mapping": mapping,
            "decisions": {},
        },
        created_by=user,
    )
    upload.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(data), save=False)
    upload.save()
    return upload


def stored_data(upload: ImportUpload) -> bytes:
    """The uploaded file's bytes. A file gone from storage (a media restore, a second app server
    without shared media) is the user's problem to solve by uploading again, not a server error."""
    try:
        return upload.read()
    except OSError as exc:
        raise ImportFileError(
            "Le fichier déposé n'est plus disponible sur le serveur : abandonnez cet import et "
            "déposez la liste de nouveau."
        ) from exc


def listing_table(upload: ImportUpload) -> Table:
    options = upload.options or {}
    return read_listing(
        stored_data(upload), upload.original_name, ReadOptions.from_json(options.get("read"))
    )


def set_read_options(upload: ImportUpload, read: ReadOptions) -> Table:
    """Read the file again another way (sheet, header row, pages); the column guess starts over.
    Raises ImportFileError and keeps the previous choices when the file does not read so."""
    table = read_listing(stored_data(upload), upload.original_name, read)
    upload.options = {
        **upload.options,
        "read": read.as_json(),
        "mapping": guess_mapping(table.headers),
        "decisions": {},
    }
    upload.save(update_fields=["options"])
    return table


def set_mapping(upload: ImportUpload, mapping: Mapping[str, str]) -> None:
    """Keep the user's column mapping; StockError (one message per line) when it cannot work."""
    try:
        table = listing_table(upload)
    except ImportFileError as exc:
        raise StockError(exc.message) from exc
    chosen = {key: str(mapping.get(key) or "") for key in FIELD_KEYS}
    problems = mapping_problems(chosen, table)
    if problems:
        raise StockError("\n".join(problems), code="mapping")
    upload.options = {**upload.options, "mapping": chosen, "decisions": {}}
    upload.save(update_fields=["options"])


def set_decisions(upload: ImportUpload, decisions: Mapping[int, Decision]) -> None:
    upload.options = {
        **upload.options,
        "decisions": {str(line): decision.as_json() for line, decision in decisions.items()},
    }
    upload.save(update_fields=["options"])


def abandon_listing(upload: ImportUpload) -> None:
    upload.delete_file()


# --- a pallet with its listing: the confirmation ------------------------------------------------


@dataclass
class ListingReview:
    """The listing as the review screen shows it, with the errors a confirmation would refuse."""

    logistics: Logistics
    plan: list[PlannedLine]
    errors: list[str] = field(default_factory=list)

    @property
    def applied(self) -> list[PlannedLine]:
        return [planned for planned in self.plan if planned.apply]


def review_listing(upload: ImportUpload, table: Table | None = None) -> ListingReview:
    """Read the upload with its reading options, mapping and decisions (`table`: the file as
    this request already read it with the same options). Raises ImportFileError when the file
    cannot be read, StockError when the logistics are no longer valid."""
    options = upload.options or {}
    logistics = Logistics.from_json(options.get("receipt"))
    if table is None:
        table = listing_table(upload)
    plan = plan_listing(
        table, options.get("mapping") or {}, options.get("decisions"), logistics.warehouse
    )
    return ListingReview(logistics=logistics, plan=plan, errors=plan_errors(plan))


@dataclass(frozen=True)
class ListingReceived:
    receipt: Receipt
    lots: list[ProductLot]
    new_products: list[Product]


def confirm_listing(upload: ImportUpload, *, actor: Actor = SYSTEM) -> ListingReceived:
    """One pallet receipt whose lines are the applied rows, every line received, the new products
    created (flagged for review) — or nothing at all. The upload is gone afterwards, so a second
    confirmation of the same listing finds nothing to confirm."""
    with transaction.atomic():
        # The lock makes two confirmations of one listing (a double tap, two tabs) wait for each
        # other; the second then finds the upload deleted.
        locked = (
            ImportUpload.objects.select_for_update()
            .filter(pk=upload.pk, kind=ImportKind.LISTING)
            .first()
        )
        if locked is None:
            raise StockError("Cette liste a déjà été importée ou abandonnée.", code="gone")
        try:
            review = review_listing(locked)
        except ImportFileError as exc:
            raise StockError(exc.message) from exc
        if review.errors:
            raise ListingRejected(review.errors)
        new_products: dict[str, Product] = {}
        lines = []
        for planned in review.applied:
            product = planned.product or _new_product(planned, new_products)
            lines.append(
                {
                    "product": product,
                    "quantity": planned.quantity,
                    "lot_code": planned.row.lot_code,
                    "expires_on": planned.row.expires_on,
                    "location": planned.location,
                    "storage_conditions": planned.row.storage_conditions,
                }
            )
        receipt = receiving.create_receipt(
            receipt_type=ReceiptType.PALLET,
            actor=actor,
            lines=lines,
            **review.logistics.receipt_fields(),
        )
        lots = receiving.receive_all(receipt, actor=actor)
        receipt.refresh_from_db()
        # The row goes with the transaction; its file only once the receipt is committed, so a
        # rollback never leaves an upload without its file.
        file = locked.file
        locked.delete()
        transaction.on_commit(lambda: file.delete(save=False))
    return ListingReceived(receipt=receipt, lots=lots, new_products=list(new_products.values()))


def _new_product(planned: PlannedLine, created: dict[str, Product]) -> Product:
    row = planned.row
    key = new_product_key(row)
    if key not in created:
        created[key] = Product.objects.create(
            name=row.name, brand=row.brand, ean=row.ean, needs_review=True
        )
    return created[key]
