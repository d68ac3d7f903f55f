"""Step 8 of the take-over: the stock journal, with signed deltas, then one `migration` movement
per lot whose journal does not add up to its on-hand quantity (the on-hand is the truth:
legacy/SCHEMA.md section 2), so that `check_stock_ledger` is clean from the first night.

Signs (SCHEMA.md section 3): in +q, precondition −q, out −q, unpack +q, adjust +q towards a
location / −q from one. A legacy `transfer` moved the whole lot without changing its quantity
(its quantity is the on-hand at the time, for information): ours records a move as −q and +q,
so it becomes two rows on the same lot, from the old location to the new, under one operation id
— the journal keeps the move and the lot's sum is unchanged.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from django.utils import timezone

from wms.models import MovementType, ProductLot, StockMovement

from .catalog import CORRECTED, fit, required_id
from .context import TakeOver
from .source import as_datetime, as_text

GAPS = "Écarts du journal de stock"
SIGN = {"in": 1, "unpack": 1, "precondition": -1, "out": -1}


def _signed(row: dict[str, Any]) -> list[int] | None:
    """The delta(s) our journal records for one legacy row; None when it has no stock effect we
    can write (reported by the caller)."""
    kind = as_text(row["movement_type"])
    quantity = int(row["quantity"] or 0)
    if quantity == 0:
        return None
    if kind in SIGN:
        return [SIGN[kind] * quantity]
    if kind == "adjust":
        if row["to_location_id"] is not None and row["from_location_id"] is None:
            return [quantity]
        if row["from_location_id"] is not None and row["to_location_id"] is None:
            return [-quantity]
        return None
    if kind == "transfer":
        return [-quantity, quantity]
    return None


def import_ledger(ctx: TakeOver) -> None:
    rows = ctx.rows("wms_stockmovement")
    lots = {lot.pk: lot for lot in ProductLot.objects.select_related("product")}
    lot_receipt = {
        int(row["id"]): ctx.new_id("wms_receipt", row["source_receipt_id"])
        for row in ctx.rows("wms_productlot")
    }
    movements: list[StockMovement] = []
    skipped: list[str] = []
    transfers = 0
    for row in rows:
        where = f"mouvement {row['id']} ({as_text(row['movement_type'])})"
        lot_id = required_id(ctx, "wms_productlot", row["product_lot_id"], where)
        deltas = _signed(row)
        if deltas is None:
            ctx.report.anomaly(
                CORRECTED,
                f"{where} : quantité {row['quantity']}, type ou emplacements sans effet lisible "
                "sur le stock — non repris (l'écart éventuel est couvert par la reprise)",
            )
            skipped.append(str(row["id"]))
            continue
        kind = as_text(row["movement_type"])
        common = dict(
            product_id=lots[lot_id].product_id,
            lot_id=lot_id,
            movement_type=kind,
            from_location_id=ctx.new_id("wms_location", row["from_location_id"]),
            to_location_id=ctx.new_id("wms_location", row["to_location_id"]),
            reason_code=fit(ctx, row["reason_code"], 40, f"{where} (motif)"),
            notes=fit(ctx, row["reason_notes"], 400, f"{where} (notes)"),
            receipt_id=lot_receipt.get(int(row["product_lot_id"])) if kind == "in" else None,
            carton_id=ctx.new_id("wms_carton", row["related_carton_id"]),
            shipment_id=ctx.new_id("wms_shipment", row["related_shipment_id"]),
            user_id=ctx.new_id("auth_user", row["created_by_id"]),
            # The two rows of a transfer are one operation, as our transfer service writes them.
            operation_id=uuid.uuid4() if len(deltas) > 1 else None,
            created_at=as_datetime(row["created_at"]) or timezone.now(),
        )
        movements.extend(StockMovement(delta=delta, **common) for delta in deltas)
        transfers += len(deltas) - 1
    # bulk_create: the journal is append-only and these are plain inserts, in the legacy order.
    StockMovement.objects.bulk_create(movements)

    migrations = reconcile(ctx, rows, lots, movements)
    explanations = []
    if transfers:
        explanations.append(
            f"+{transfers} : chaque transfert (qui déplaçait le lot entier sans changer sa "
            "quantité) devient deux lignes, −q puis +q sur le lot, de l'ancien au nouvel "
            "emplacement"
        )
    if migrations:
        explanations.append(
            f"+{migrations} : mouvement(s) de reprise (migration) ajouté(s) pour les lots dont "
            "le journal ne donnait pas le stock (voir « Écarts du journal de stock »)"
        )
    if skipped:
        explanations.append(f"-{len(skipped)} : mouvement(s) sans effet lisible non repris")
    ctx.report.count(
        "wms_stockmovement",
        old=ctx.source.count("wms_stockmovement"),
        new=len(movements) + migrations,
    )
    for why in explanations:
        ctx.report.explain("wms_stockmovement", why)


def _probable_cause(lot_rows: list[dict[str, Any]], gap: int, carton_codes: dict[int, str]) -> str:
    """SCHEMA.md section 2: `out` rows written by the carton admin for a (carton, lot) already
    prepared by `precondition` did not touch the lot; lots typed in the admin have no `in`."""
    prepared = {
        int(row["related_carton_id"])
        for row in lot_rows
        if row["movement_type"] == "precondition" and row["related_carton_id"] is not None
    }
    bookkeeping = [
        row
        for row in lot_rows
        if row["movement_type"] == "out"
        and row["related_carton_id"] is not None
        and int(row["related_carton_id"]) in prepared
    ]
    counted = sum(int(row["quantity"]) for row in bookkeeping)
    causes = []
    if bookkeeping:
        ids = ", ".join(str(row["id"]) for row in bookkeeping)
        cartons = ", ".join(
            sorted({carton_codes.get(int(row["related_carton_id"]), "?") for row in bookkeeping})
        )
        causes.append(
            f"{counted} unité(s) en sortie(s) [{ids}] pour le(s) carton(s) {cartons} déjà "
            "préparé(s) par une précondition : écritures de l'admin des cartons qui n'ont pas "
            "touché le lot"
        )
    if not any(row["movement_type"] == "in" for row in lot_rows):
        causes.append(
            "aucune entrée au journal : lot saisi directement dans l'admin avec son stock"
        )
    rest = gap - counted if bookkeeping else gap
    if not causes:
        return "cause inconnue"
    if bookkeeping and rest and len(causes) == 1:
        causes.append(f"reste {rest:+d} sans explication")
    return " ; ".join(causes)


def reconcile(
    ctx: TakeOver,
    rows: list[dict[str, Any]],
    lots: dict[int, ProductLot],
    movements: list[StockMovement],
) -> int:
    """One `migration` row per lot whose journal sum differs from its on-hand."""
    sums: dict[int, int] = defaultdict(int)
    for movement in movements:
        sums[movement.lot_id] += movement.delta
    by_lot: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_lot[int(row["product_lot_id"])].append(row)
    carton_codes = {int(row["id"]): as_text(row["code"]) for row in ctx.rows("wms_carton")}
    now = timezone.now()
    added = []
    for old_id, lot_id in sorted(ctx.ids["wms_productlot"].items()):
        lot = lots[lot_id]
        gap = lot.quantity_on_hand - sums[lot_id]
        if gap == 0:
            continue
        cause = _probable_cause(by_lot[old_id], gap, carton_codes)
        added.append(
            StockMovement(
                product_id=lot.product_id,
                lot_id=lot_id,
                delta=gap,
                movement_type=MovementType.MIGRATION,
                to_location_id=lot.location_id if gap > 0 else None,
                from_location_id=lot.location_id if gap < 0 else None,
                reason_code="migration",
                notes=(
                    f"Reprise de l'ancien système : stock {lot.quantity_on_hand}, journal "
                    f"{sums[lot_id]} ({cause})"
                )[:400],
                created_at=now,
            )
        )
        ctx.report.anomaly(
            GAPS,
            f"lot {old_id} · {lot.product.name} ({lot.product.sku}) · lot « "
            f"{lot.lot_code or 'sans n°'} » · en stock {lot.quantity_on_hand} · somme du journal "
            f"{sums[lot_id]} · écart {gap:+d} (mouvement de reprise) · cause probable : {cause}",
        )
    StockMovement.objects.bulk_create(added)
    return len(added)
