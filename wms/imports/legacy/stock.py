"""Steps 5 and 7 of the take-over: receipts with their lines and out-of-format items, lots (their
on-hand quantity is the truth: the ledger step makes the journal agree with it), then — once
shipments exist — carton formats, cartons and their contents.

No stock service is called: they would write movements and check today's rules against history.
Rows are written directly, with every column our services would have set.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.utils import timezone

from wms.models import (
    Carton,
    CartonFormat,
    CartonItem,
    CartonStatus,
    LotStatus,
    ProductLot,
    Receipt,
    ReceiptLine,
    ReceiptOutOfFormatLine,
    ReceiptStatus,
    ReceiptType,
)
from wms.models.cartons import DEFAULT_MAX_WEIGHT_G
from wms.text import fold_key

from .catalog import CORRECTED, FOLDED, first_seen, fit, required_id, unique_reference
from .context import TakeOver
from .source import as_bool, as_date, as_datetime, as_decimal, as_text

# `TT-YYYYMMDD-N`: the code our packing service writes too (type letters, then the day's suffix).
GENERATED_CARTON_CODE = re.compile(r"^[A-Z]{2}-(\d{8}-\d+)$")
LOTS = "Lots"
DUPLICATE_REFERENCES = "Références en double"


def _choice(ctx: TakeOver, value: Any, allowed: Any, default: str, where: str) -> str:
    text = as_text(value)
    if text in allowed.values:
        return text
    ctx.report.anomaly(
        CORRECTED, f"{where} : valeur « {text} » inconnue, remplacée par « {default} »"
    )
    return str(default)


def _count(value: Any) -> int:
    return int(value) if value is not None and value != "" else 0


# --- receipts -----------------------------------------------------------------------------------


def import_receipts_and_lots(ctx: TakeOver) -> None:
    import_receipts(ctx)
    import_out_of_format_lines(ctx)
    import_lots(ctx)
    import_receipt_lines(ctx)


def import_receipts(ctx: TakeOver) -> None:
    taken: set[str] = set()
    created = 0
    for row in ctx.rows("wms_receipt"):
        where = f"réception {row['id']} « {as_text(row['reference'])} »"
        typed = as_text(row["reference"]).strip()
        # Our reference is unique (MariaDB compares without case or accents): a repeated or long
        # legacy reference gets a suffix; the typed one stays readable in the notes.
        reference = unique_reference(typed, taken, limit=30, fallback=f"REC-{row['id']}")
        notes = as_text(row["notes"])
        if reference != typed:
            ctx.report.anomaly(
                DUPLICATE_REFERENCES if typed and fold_key(typed) in taken else CORRECTED,
                f"{where} : référence "
                + ("déjà prise" if fold_key(typed) in taken else "vide ou trop longue")
                + f", enregistrée sous « {reference} »",
            )
            notes = (notes + "\n" if notes else "") + f"Référence dans l'ancien système : {typed}"
        taken.add(fold_key(reference))
        created_at = as_datetime(row["created_at"])
        received_on = as_date(row["received_on"]) or (
            timezone.localdate(created_at) if created_at else timezone.localdate()
        )
        receipt = Receipt(
            reference=reference,
            receipt_type=_choice(ctx, row["receipt_type"], ReceiptType, ReceiptType.OTHER, where),
            status=_choice(ctx, row["status"], ReceiptStatus, ReceiptStatus.DRAFT, where),
            source_contact_id=ctx.linked_id("contacts_contact", row["source_contact_id"], where),
            carrier_contact_id=ctx.linked_id("contacts_contact", row["carrier_contact_id"], where),
            origin_reference=fit(ctx, row["origin_reference"], 80, f"{where} (réf. d'origine)"),
            carrier_reference=fit(
                ctx, row["carrier_reference"], 80, f"{where} (réf. transporteur)"
            ),
            pallet_count=_count(row["pallet_count"]),
            carton_count=_count(row["carton_count"]),
            out_of_format_count=_count(row["hors_format_count"]),
            transport_request_date=as_date(row["transport_request_date"]),
            received_on=received_on,
            warehouse_id=ctx.new_id("wms_warehouse", row["warehouse_id"]),
            created_by_id=ctx.new_id("auth_user", row["created_by_id"]),
            notes=notes,
            created_at=created_at or timezone.now(),
        )
        receipt.save()
        ctx.remember("wms_receipt", row["id"], receipt.pk)
        created += 1
    ctx.report.count("wms_receipt", old=ctx.source.count("wms_receipt"), new=created)


def import_out_of_format_lines(ctx: TakeOver) -> None:
    lines = []
    for row in ctx.rows("wms_receipthorsformat"):
        receipt_id = required_id(
            ctx, "wms_receipt", row["receipt_id"], f"ligne hors format {row['id']}"
        )
        lines.append(
            ReceiptOutOfFormatLine(
                receipt_id=receipt_id,
                number=int(row["line_number"]),
                description=fit(
                    ctx, row["description"], 300, f"ligne hors format {row['id']} (description)"
                ),
            )
        )
    ReceiptOutOfFormatLine.objects.bulk_create(lines)
    ctx.report.count(
        "wms_receipthorsformat", old=ctx.source.count("wms_receipthorsformat"), new=len(lines)
    )


# --- lots ---------------------------------------------------------------------------------------


def import_lots(ctx: TakeOver) -> None:
    since = first_seen(ctx, "wms_productlot", "product_lot_id")
    received_at = {
        int(row["received_lot_id"]): as_datetime(row["received_at"])
        for row in ctx.rows("wms_receiptline")
        if row["received_lot_id"] is not None and row["received_at"] is not None
    }
    kits = {int(row["kit_id"]) for row in ctx.rows("wms_productkititem")}
    now = timezone.now()
    dated: list[str] = []
    created = 0
    for row in ctx.rows("wms_productlot"):
        old_id = int(row["id"])
        where = f"lot {old_id}"
        product_id = required_id(ctx, "wms_product", row["product_id"], where)
        location_id = required_id(ctx, "wms_location", row["location_id"], where)
        if int(row["product_id"]) in kits:
            ctx.report.anomaly(
                LOTS,
                f"{where} : stock sur un kit (produit {row['product_id']}) — un kit ne porte pas "
                "de stock chez nous : lot repris tel quel, à vider ou éclater à la main",
            )
        received_on = as_date(row["received_on"])
        # The first trace of the lot: its first movement, else its reception line, else noon of
        # its reception day (a lot typed in the admin), else the take-over.
        created_at = since.get(old_id) or received_at.get(old_id)
        if created_at is None and received_on is not None:
            created_at = timezone.make_aware(dt.datetime.combine(received_on, dt.time(12)))
        created_at = created_at or now
        if received_on is None:
            # Opening stock of the product import has no reception date; ours is required.
            received_on = timezone.localdate(created_at)
            dated.append(f"{old_id}")
        on_hand = int(row["quantity_on_hand"])
        if on_hand < 0:
            ctx.report.anomaly(CORRECTED, f"{where} : stock négatif ({on_hand}) ramené à 0")
            on_hand = 0
        lot = ProductLot(
            product_id=product_id,
            lot_code=fit(ctx, row["lot_code"], 60, f"{where} (n° de lot)"),
            expires_on=as_date(row["expires_on"]),
            received_on=received_on,
            status=_choice(ctx, row["status"], LotStatus, LotStatus.HOLD, where),
            quantity_on_hand=on_hand,
            # The orders step adds back the reservations it keeps.
            quantity_reserved=0,
            location_id=location_id,
            source_receipt_id=ctx.new_id("wms_receipt", row["source_receipt_id"]),
            storage_conditions=fit(ctx, row["storage_conditions"], 200, f"{where} (stockage)"),
            quarantine_reason=fit(ctx, row["quarantine_reason"], 200, f"{where} (motif)"),
            released_by_id=ctx.new_id("auth_user", row["released_by_id"]),
            released_at=as_datetime(row["released_at"]),
            created_at=created_at,
        )
        lot.save()
        ctx.remember("wms_productlot", old_id, lot.pk)
        created += 1
    if dated:
        ctx.report.anomaly(
            CORRECTED,
            f"{len(dated)} lot(s) sans date de réception (stock d'ouverture) datés de leur "
            f"premier mouvement : lots {', '.join(dated)}",
        )
    ctx.report.count("wms_productlot", old=ctx.source.count("wms_productlot"), new=created)


def import_receipt_lines(ctx: TakeOver) -> None:
    lines = []
    linked: set[int] = set()
    for row in ctx.rows("wms_receiptline"):
        where = f"ligne de réception {row['id']}"
        receipt_id = required_id(ctx, "wms_receipt", row["receipt_id"], where)
        product_id = required_id(ctx, "wms_product", row["product_id"], where)
        lot_id = ctx.new_id("wms_productlot", row["received_lot_id"])
        if lot_id is not None and lot_id in linked:
            # Ours is one-to-one: a lot is the result of one line.
            ctx.report.anomaly(
                CORRECTED, f"{where} : lot {row['received_lot_id']} déjà lié à une autre ligne"
            )
            lot_id = None
        if lot_id is not None:
            linked.add(lot_id)
        status = as_text(row["lot_status"])
        if status and status not in LotStatus.values:
            ctx.report.anomaly(CORRECTED, f"{where} : statut de lot « {status} » ignoré")
            status = ""
        quantity = int(row["quantity"])
        if quantity < 1:
            ctx.report.anomaly(CORRECTED, f"{where} : quantité {quantity} ramenée à 1")
            quantity = 1
        lines.append(
            ReceiptLine(
                receipt_id=receipt_id,
                product_id=product_id,
                quantity=quantity,
                lot_code=fit(ctx, row["lot_code"], 60, f"{where} (n° de lot)"),
                expires_on=as_date(row["expires_on"]),
                lot_status=status,
                location_id=ctx.new_id("wms_location", row["location_id"]),
                storage_conditions=fit(ctx, row["storage_conditions"], 200, f"{where} (stockage)"),
                received_lot_id=lot_id,
            )
        )
    ReceiptLine.objects.bulk_create(lines)
    ctx.report.count(
        "wms_receiptline",
        old=ctx.source.count("wms_receiptline"),
        new=len(lines),
    )


# --- cartons ------------------------------------------------------------------------------------


def import_carton_formats(ctx: TakeOver) -> list[CartonFormat]:
    rows = ctx.rows("wms_cartonformat")
    defaults = [row for row in rows if as_bool(row["is_default"])]
    # One default at most (our marker column is unique): the last one saved won in the
    # earlier system too, as saving a default cleared the others.
    default_id = defaults[-1]["id"] if defaults else None
    if len(defaults) > 1:
        ctx.report.anomaly(
            CORRECTED,
            f"formats de carton {', '.join(str(row['id']) for row in defaults)} tous par défaut : "
            f"seul le format {default_id} le reste",
        )
    names: set[str] = set()
    formats = []
    for row in rows:
        where = f"format de carton {row['id']}"
        name = as_text(row["name"]).strip()[:80]
        if fold_key(name) in names:
            renamed = f"{name[:74]} ({row['id']})"
            ctx.report.anomaly(FOLDED, f"{where} : nom « {name} » en double, renommé « {renamed} »")
            name = renamed
        names.add(fold_key(name))
        dimensions = [_dimension(ctx, row[key], f"{where} ({key})") for key in _DIMENSIONS]
        carton_format = CartonFormat(
            name=name,
            length_cm=dimensions[0],
            width_cm=dimensions[1],
            height_cm=dimensions[2],
            max_weight_g=int(row["max_weight_g"] or DEFAULT_MAX_WEIGHT_G),
            is_default=row["id"] == default_id,
        )
        # save() sets default_marker (True for the default, NULL otherwise).
        carton_format.save()
        ctx.remember("wms_cartonformat", row["id"], carton_format.pk)
        formats.append(carton_format)
    ctx.report.count("wms_cartonformat", old=ctx.source.count("wms_cartonformat"), new=len(formats))
    return formats


_DIMENSIONS = ("length_cm", "width_cm", "height_cm")


def _dimension(ctx: TakeOver, value: Any, where: str) -> Decimal:
    """Our cartons keep sizes to the millimetre (one decimal); a finer legacy value is rounded,
    a missing or zero one becomes 0.1 (the CHECK wants a positive size) — both reported."""
    exact = as_decimal(value, 2)
    rounded = as_decimal(value, 1)
    if rounded is None or rounded <= 0:
        ctx.report.anomaly(CORRECTED, f"{where} : dimension « {value} » remplacée par 0,1 cm")
        return Decimal("0.1")
    if exact is not None and exact != rounded:
        ctx.report.anomaly(CORRECTED, f"{where} : {exact} cm arrondi à {rounded} cm")
    return rounded


def _carton_suffix(code: str, taken: set[str], old_id: int) -> str:
    """Our code_suffix (unique): `YYYYMMDD-N` for a generated code — so the day's counter the
    sequences step sets continues after it —, the code itself for a typed one (it cannot look like
    a generated suffix, which has no letters)."""
    match = GENERATED_CARTON_CODE.match(code)
    suffix = match.group(1) if match else code[:24]
    if not suffix or suffix in taken:
        suffix = f"{suffix[:16]}-L{old_id}"
    return suffix


def import_cartons(ctx: TakeOver) -> None:
    formats = import_carton_formats(ctx)
    by_size: dict[tuple[Decimal, Decimal, Decimal], CartonFormat] = {}
    # A carton's format is the one of its size (the default first when two share a size).
    for known in sorted(formats, key=lambda f: not f.is_default):
        by_size.setdefault((known.length_cm, known.width_cm, known.height_cm), known)
    # When each carton was closed: its last packing movement (the earlier cartons have no date).
    packed_at: dict[int, dt.datetime] = {}
    for row in ctx.rows("wms_stockmovement"):
        if row["related_carton_id"] is not None and row["movement_type"] in ("precondition", "out"):
            moment = as_datetime(row["created_at"])
            packed = int(row["related_carton_id"])
            if moment is not None and (packed not in packed_at or moment > packed_at[packed]):
                packed_at[packed] = moment
    codes: set[str] = set()
    suffixes: set[str] = set()
    cartons = 0
    for row in ctx.rows("wms_carton"):
        old_id = int(row["id"])
        where = f"carton {old_id} « {as_text(row['code'])} »"
        code = as_text(row["code"]).strip()
        if len(code) > 30 or not code or fold_key(code) in codes:
            replaced = f"{code[:22]}-L{old_id}"
            ctx.report.anomaly(
                CORRECTED, f"{where} : code vide, trop long ou en double, devient « {replaced} »"
            )
            code = replaced
        codes.add(fold_key(code))
        suffix = _carton_suffix(code, suffixes, old_id)
        suffixes.add(suffix)
        created_at = as_datetime(row["created_at"]) or timezone.now()
        match = GENERATED_CARTON_CODE.match(code)
        # The code's date is the local day of creation (as ours): keep the two consistent.
        created_on = (
            dt.datetime.strptime(match.group(1)[:8], "%Y%m%d").date()
            if match
            else timezone.localdate(created_at)
        )
        dimensions = [_dimension(ctx, row[key], f"{where} ({key})") for key in _DIMENSIONS]
        carton_format = by_size.get((dimensions[0], dimensions[1], dimensions[2]))
        status = _choice(ctx, row["status"], CartonStatus, CartonStatus.PICKING, where)
        carton = Carton(
            code=code,
            code_suffix=suffix,
            status=status,
            carton_format=carton_format,
            length_cm=dimensions[0],
            width_cm=dimensions[1],
            height_cm=dimensions[2],
            max_weight_g=carton_format.max_weight_g if carton_format else DEFAULT_MAX_WEIGHT_G,
            location_id=ctx.new_id("wms_location", row["current_location_id"]),
            shipment_id=ctx.linked_id("wms_shipment", row["shipment_id"], where),
            prepared_by_id=ctx.new_id("auth_user", row["prepared_by_id"]),
            created_at=created_at,
            created_on=created_on,
            packed_at=(
                packed_at.get(old_id, created_at)
                if status in (CartonStatus.PACKED, CartonStatus.SHIPPED)
                else None
            ),
            notes=fit(ctx, row["notes"], 400, f"{where} (notes)"),
        )
        if row["shipment_id"] is not None and carton.shipment_id is None:
            ctx.report.anomaly(
                CORRECTED, f"{where} : expédition {row['shipment_id']} introuvable, carton libre"
            )
        carton.save()
        ctx.remember("wms_carton", old_id, carton.pk)
        cartons += 1
    ctx.report.count("wms_carton", old=ctx.source.count("wms_carton"), new=cartons)

    items = []
    empty = []
    for row in ctx.rows("wms_cartonitem"):
        where = f"contenu de carton {row['id']}"
        carton_id = required_id(ctx, "wms_carton", row["carton_id"], where)
        lot_id = required_id(ctx, "wms_productlot", row["product_lot_id"], where)
        quantity = int(row["quantity"])
        if quantity < 1:
            ctx.report.anomaly(
                CORRECTED, f"contenu de carton {row['id']} : quantité {quantity}, non repris"
            )
            empty.append(str(row["id"]))
            continue
        items.append(CartonItem(carton_id=carton_id, lot_id=lot_id, quantity=quantity))
    CartonItem.objects.bulk_create(items)
    ctx.report.count(
        "wms_cartonitem",
        old=ctx.source.count("wms_cartonitem"),
        new=len(items),
        why=f"contenu(s) vide(s) non repris : {', '.join(empty)}" if empty else "",
    )
