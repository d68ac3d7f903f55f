"""Step 9 of the take-over: orders, their lines, reservations and documents.

Orders had no reference in the earlier system ("Commande <id>"): each gets `CMD-YYYY-NNNN`, YYYY
the year of its creation in Europe/Paris, numbered in creation order within that year.

The earlier system never released the reservations of an order it cancelled or rejected; ours
releases them there and then. Those reservations are not carried over (each one is reported), so
the lots' reserved quantity is, after this step, the sum of the reservations that still hold —
the invariant the stock services keep from then on.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from wms.models import (
    AssociationRecipient,
    Contact,
    DocumentStatus,
    Order,
    OrderDocument,
    OrderDocumentKind,
    OrderLine,
    OrderReservation,
    OrderStatus,
    Product,
    ProductLot,
    ReviewStatus,
    Shipment,
    ShipmentDocument,
)
from wms.text import fold_key

from .context import TakeOver
from .shipping import CORRECTED, DestinationFinder, PartyResolver, moment
from .source import as_date, as_datetime, as_text

RELEASED = "Réservations libérées"
UNMATCHED_DESTINATIONS = "Destinations non rapprochées"
SHARED_FILES = "Fichiers partagés entre deux documents"
RESERVED_ABOVE_STOCK = "Réservations supérieures au stock"

DOCUMENT_KINDS = {
    "donation_attestation": OrderDocumentKind.DONATION,
    "humanitarian_attestation": OrderDocumentKind.HUMANITARIAN,
    "invoice": OrderDocumentKind.INVOICE,
    "other": OrderDocumentKind.OTHER,
}


def local_year(moment: dt.datetime) -> int:
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).year


def order_references(rows: list[dict[str, Any]]) -> dict[int, str]:
    """legacy order id → CMD-YYYY-NNNN, numbered per local creation year in creation order."""
    numbered: dict[int, str] = {}
    per_year: dict[int, int] = defaultdict(int)
    for row in sorted(rows, key=lambda row: (as_datetime(row["created_at"]), int(row["id"]))):
        created_at = as_datetime(row["created_at"])
        if created_at is None:  # NOT NULL in the earlier schema
            raise ValueError(f"wms_order {row['id']}: created_at is empty")
        year = local_year(created_at)
        per_year[year] += 1
        numbered[int(row["id"])] = f"CMD-{year}-{per_year[year]:04d}"
    return numbered


def is_released(order: dict[str, Any]) -> bool:
    """Cancelled or rejected: our system releases such an order's reservations."""
    return (
        as_text(order["status"]) == OrderStatus.CANCELLED
        or as_text(order["review_status"]) == ReviewStatus.REJECTED
    )


@dataclass
class _Held:
    """A reservation carried over (merged per line and lot, as our unique constraint wants)."""

    line_old_id: int
    lot_id: int
    quantity: int
    legacy_ids: list[int]


def import_orders(ctx: TakeOver) -> None:
    rows = ctx.rows("wms_order")
    references = order_references(rows)
    orders_by_old = {int(row["id"]): row for row in rows}
    _import_order_rows(ctx, rows, references)
    lines_rows = ctx.rows("wms_orderline")
    products = Product.objects.in_bulk(
        [pk for pk in (ctx.new_id("wms_product", row["product_id"]) for row in lines_rows) if pk]
    )
    held = _reservations_to_carry(ctx, lines_rows, orders_by_old, references, products)
    _import_lines(ctx, lines_rows, orders_by_old, references, held)
    _import_reservations(ctx, held)
    _import_documents(ctx, references)


# --- orders --------------------------------------------------------------------------------------


def _import_order_rows(
    ctx: TakeOver, rows: list[dict[str, Any]], references: dict[int, str]
) -> None:
    parties = PartyResolver()
    destinations = DestinationFinder()
    contacts = Contact.objects.in_bulk()
    address_book = {
        (entry.association_id, fold_key(entry.name)): entry.pk
        # Active entries last, so that they win over an inactive one of the same name.
        for entry in AssociationRecipient.objects.order_by("is_active", "-pk")
    }
    shipment_destinations = dict(Shipment.objects.values_list("pk", "destination_id"))
    for row in sorted(rows, key=lambda row: references[int(row["id"])]):
        old_id = int(row["id"])
        reference = references[old_id]
        where = f"Commande {reference} (ancienne {old_id})"
        association_id = ctx.linked_id("contacts_contact", row["association_contact_id"], where)
        names = {
            role: as_text(row[f"{role}_name"]) for role in ("shipper", "recipient", "correspondent")
        }
        # Both the optional links and the names are kept; a name without a link is looked up as
        # a shipment's would be.
        linked = {
            role: ctx.linked_id("contacts_contact", row[f"{role}_contact_id"], where)
            for role in ("shipper", "recipient", "correspondent")
        }
        for role, pk in linked.items():
            if pk is None and names[role]:
                linked[role] = parties.party(ctx, names[role], role, where)
        shipment_id = ctx.linked_id("wms_shipment", row["shipment_id"], where)
        city = as_text(row["destination_city"])
        country = as_text(row["destination_country"])
        # The shipment's destination is where the goods go; the order's city is often the
        # association's own address (an order from Paris for Bamako).
        destination_id = (
            shipment_destinations.get(shipment_id) if shipment_id is not None else None
        ) or destinations.by_city_and_country(city, country)
        if destination_id is None:
            ctx.report.anomaly(
                UNMATCHED_DESTINATIONS,
                f"{where} : « {city}, {country} » ne correspond à aucune destination ; "
                "à choisir à la validation",
            )
        status = as_text(row["status"]) or OrderStatus.DRAFT
        review_status = as_text(row["review_status"]) or ReviewStatus.PENDING
        if review_status == ReviewStatus.REJECTED and status != OrderStatus.CANCELLED:
            # Ours cancels a rejected order (and releases its stock): "reserved" with nothing
            # reserved would be a state no screen expects.
            ctx.report.anomaly(
                CORRECTED,
                f"{where} : refusée, statut « {status} » → « cancelled » (réservations libérées)",
            )
            status = OrderStatus.CANCELLED
        public_link_id = ctx.new_id("wms_publicorderlink", row["public_link_id"])
        identity: dict[str, str] = {}
        if public_link_id is not None and association_id is None:
            # What was typed on the link is not stored apart in the earlier system: it lives in
            # the contact it linked (or created) at submission and in the recipient name. Ours
            # keeps the typed identity for the manager to match at approval.
            typed = contacts.get(linked["recipient"]) if linked["recipient"] else None
            identity = {
                "name": names["recipient"] or (typed.name if typed else ""),
                "email": typed.email if typed else "",
                "phone": typed.phone if typed else "",
                "contact_name": "",
            }
        portal_recipient_id = None
        if association_id is not None and row["recipient_contact_id"] in (None, ""):
            # A portal order to a saved recipient copied its name: find the address-book entry.
            portal_recipient_id = address_book.get((association_id, fold_key(names["recipient"])))
        created_at = moment(row["created_at"])
        order = Order.objects.create(
            reference=reference,
            status=status,
            review_status=review_status,
            association_contact_id=association_id,
            public_link_id=public_link_id,
            submitted_identity=identity,
            portal_recipient_id=portal_recipient_id,
            shipper_id=linked["shipper"],
            shipper_name=names["shipper"],
            recipient_id=linked["recipient"],
            recipient_name=names["recipient"],
            correspondent_id=linked["correspondent"],
            correspondent_name=names["correspondent"],
            destination_id=destination_id,
            address=as_text(row["destination_address"]),
            city=city,
            country=country,
            requested_date=as_date(row["requested_delivery_date"]),
            shipment_id=shipment_id,
            created_by_id=ctx.new_id("auth_user", row["created_by_id"]),
            notes=as_text(row["notes"]),
            created_at=created_at,
            # The earlier system did not record when an order was submitted or last changed:
            # its creation is both (orders were submitted as they were created).
            submitted_at=created_at,
            updated_at=created_at,
        )
        ctx.remember("wms_order", old_id, order.pk)
    ctx.report.count("wms_order", old=ctx.source.count("wms_order"), new=Order.objects.count())


# --- reservations and lines ----------------------------------------------------------------------


def _reservations_to_carry(
    ctx: TakeOver,
    lines_rows: list[dict[str, Any]],
    orders_by_old: dict[int, dict[str, Any]],
    references: dict[int, str],
    products: dict[int, Product],
) -> dict[tuple[int, int], _Held]:
    lines = {int(row["id"]): row for row in lines_rows}
    held: dict[tuple[int, int], _Held] = {}
    lots = ProductLot.objects.in_bulk(
        [
            pk
            for pk in (
                ctx.new_id("wms_productlot", row["product_lot_id"])
                for row in ctx.rows("wms_orderreservation")
            )
            if pk
        ]
    )
    for row in ctx.rows("wms_orderreservation"):
        line = lines.get(int(row["order_line_id"]))
        lot_id = ctx.new_id("wms_productlot", row["product_lot_id"])
        quantity = int(row["quantity"] or 0)
        # A line of a deleted order (SQLite never enforced the foreign keys) holds nothing.
        order = orders_by_old.get(int(line["order_id"])) if line is not None else None
        if line is None or order is None or lot_id is None or quantity < 1:
            ctx.report.anomaly(
                CORRECTED,
                f"Réservation {row['id']} : commande, ligne ou lot inconnu, ou quantité nulle ; "
                "non reprise",
            )
            continue
        if is_released(order):
            product = products.get(ctx.new_id("wms_product", line["product_id"]) or 0)
            lot = lots.get(lot_id)
            ctx.report.anomaly(
                RELEASED,
                f"Commande {references[int(order['id'])]} (ancienne {order['id']}, "
                f"{order['status']}/{order['review_status']}) : "
                f"{product.sku if product else line['product_id']} × {quantity} "
                f"(lot {(lot.lot_code if lot else '') or 'sans n°'}, ancien lot "
                f"{row['product_lot_id']}) libérée(s)",
            )
            continue
        key = (int(line["id"]), lot_id)
        entry = held.setdefault(key, _Held(int(line["id"]), lot_id, 0, []))
        entry.quantity += quantity
        entry.legacy_ids.append(int(row["id"]))
    # Our CHECK constraints: a lot reserves at most its on_hand; a line at most its quantity.
    per_lot: dict[int, list[_Held]] = defaultdict(list)
    for entry in held.values():
        per_lot[entry.lot_id].append(entry)
    for lot_id, entries in per_lot.items():
        lot = lots[lot_id]
        excess = sum(entry.quantity for entry in entries) - lot.quantity_on_hand
        if excess > 0:
            ctx.report.anomaly(
                RESERVED_ABOVE_STOCK,
                f"Lot {lot.lot_code or lot.pk} : {excess} réservé(s) au-delà du stock "
                f"({lot.quantity_on_hand}) ; réservations les plus récentes réduites",
            )
            _trim(entries, excess)
    per_line: dict[int, list[_Held]] = defaultdict(list)
    for entry in held.values():
        per_line[entry.line_old_id].append(entry)
    for line_id, entries in per_line.items():
        excess = sum(entry.quantity for entry in entries) - max(int(lines[line_id]["quantity"]), 1)
        if excess > 0:
            order = orders_by_old[int(lines[line_id]["order_id"])]
            ctx.report.anomaly(
                CORRECTED,
                f"Commande {references[int(order['id'])]} ligne {line_id} : réservé au-delà de "
                f"la quantité, réduit de {excess}",
            )
            _trim(entries, excess)
    return {key: entry for key, entry in held.items() if entry.quantity > 0}


def _trim(entries: list[_Held], excess: int) -> None:
    for entry in sorted(entries, key=lambda entry: max(entry.legacy_ids), reverse=True):
        taken = min(entry.quantity, excess)
        entry.quantity -= taken
        excess -= taken
        if not excess:
            return


def _import_lines(
    ctx: TakeOver,
    rows: list[dict[str, Any]],
    orders_by_old: dict[int, dict[str, Any]],
    references: dict[int, str],
    held: dict[tuple[int, int], _Held],
) -> None:
    reserved_by_line: dict[int, int] = defaultdict(int)
    for entry in held.values():
        reserved_by_line[entry.line_old_id] += entry.quantity
    created = 0
    for row in rows:
        order_id = ctx.new_id("wms_order", row["order_id"])
        product_id = ctx.new_id("wms_product", row["product_id"])
        order = orders_by_old.get(int(row["order_id"]))
        reference = references.get(int(row["order_id"]), row["order_id"])
        where = f"Commande {reference} ligne {row['id']}"
        if order_id is None or product_id is None or order is None:
            ctx.report.anomaly(CORRECTED, f"{where} : commande ou produit inconnu ; non reprise")
            continue
        quantity = int(row["quantity"] or 0)
        if quantity < 1:
            ctx.report.anomaly(CORRECTED, f"{where} : quantité {quantity} → 1")
            quantity = 1
        reserved = reserved_by_line[int(row["id"])]
        legacy_reserved = int(row["reserved_quantity"] or 0)
        if reserved != legacy_reserved and not is_released(order):
            ctx.report.anomaly(
                CORRECTED,
                f"{where} : réservé {legacy_reserved} → {reserved} (somme de ses réservations)",
            )
        prepared = int(row["prepared_quantity"] or 0)
        if prepared > quantity:
            ctx.report.anomaly(
                CORRECTED, f"{where} : préparé {prepared} supérieur à la quantité, → {quantity}"
            )
            prepared = quantity
        line = OrderLine.objects.create(
            order_id=order_id,
            product_id=product_id,
            quantity=quantity,
            # The earlier system kept no separate asked quantity: what was asked is what stands.
            quantity_asked=quantity,
            quantity_reserved=reserved,
            quantity_prepared=prepared,
        )
        ctx.remember("wms_orderline", row["id"], line.pk)
        created += 1
    old = ctx.source.count("wms_orderline")
    ctx.report.count(
        "wms_orderline",
        old=old,
        new=created,
        why=f"{old - created} ligne(s) sans commande ou produit repris" if old != created else "",
    )


def _import_reservations(ctx: TakeOver, held: dict[tuple[int, int], _Held]) -> None:
    created = 0
    for entry in held.values():
        line_id = ctx.new_id("wms_orderline", entry.line_old_id)
        if line_id is None:
            continue
        reservation = OrderReservation.objects.create(
            line_id=line_id, lot_id=entry.lot_id, quantity=entry.quantity
        )
        for legacy_id in entry.legacy_ids:
            ctx.remember("wms_orderreservation", legacy_id, reservation.pk)
        created += 1
    # Every lot's reserved quantity is the sum of the reservations that still hold.
    totals: dict[int, int] = defaultdict(int)
    for lot_id, quantity in OrderReservation.objects.values_list("lot_id", "quantity"):
        totals[lot_id] += quantity
    for lot_id, reserved in ProductLot.objects.values_list("pk", "quantity_reserved"):
        if reserved != totals.get(lot_id, 0):
            ProductLot.objects.filter(pk=lot_id).update(quantity_reserved=totals.get(lot_id, 0))
    old = ctx.source.count("wms_orderreservation")
    released = len(ctx.report.anomalies.get(RELEASED, []))
    why = []
    if released:
        why.append(f"{released} réservation(s) de commandes annulées ou refusées libérées")
    merged = sum(len(entry.legacy_ids) - 1 for entry in held.values())
    if merged:
        why.append(f"{merged} réservation(s) du même lot pour la même ligne fusionnée(s)")
    gap = old - created - released - merged
    if gap:
        why.append(f"{gap} réservation(s) sans ligne ou lot repris, ou réduite(s) à zéro")
    ctx.report.count("wms_orderreservation", old=old, new=created, why=" ; ".join(why))


# --- documents -----------------------------------------------------------------------------------


def _import_documents(ctx: TakeOver, references: dict[int, str]) -> None:
    created = 0
    order_shipments = dict(Order.objects.values_list("pk", "shipment_id"))
    for row in ctx.rows("wms_orderdocument"):
        order_id = ctx.new_id("wms_order", row["order_id"])
        path = as_text(row["file"])
        if order_id is None or not path:
            ctx.report.anomaly(
                CORRECTED, f"Document de commande {row['id']} : sans fichier ; non repris"
            )
            continue
        status = as_text(row["status"])
        document = OrderDocument(
            order_id=order_id,
            kind=DOCUMENT_KINDS.get(as_text(row["doc_type"]), OrderDocumentKind.OTHER),
            status=status if status in DocumentStatus.values else DocumentStatus.PENDING,
            original_name=posixpath.basename(path)[:200],
            uploaded_by_id=ctx.new_id("auth_user", row["uploaded_by_id"]),
            uploaded_at=moment(row["uploaded_at"]),
            reviewed_by_id=ctx.new_id("auth_user", row["reviewed_by_id"]),
            reviewed_at=as_datetime(row["reviewed_at"]),
        )
        # The stored relative path, as is: the media folder is copied over with the database.
        document.file.name = path
        document.save()
        ctx.remember("wms_orderdocument", row["id"], document.pk)
        created += 1
        # An attestation the earlier system attached to the order's shipment is the same file
        # under a second row: link the shipment's row to it, as ours does for its copies.
        shipment_id = order_shipments.get(order_id)
        if shipment_id is None:
            continue
        copies = ShipmentDocument.objects.filter(shipment_id=shipment_id, file=path)
        for copy in copies:
            copy.copied_from = document
            copy.kind = document.kind
            copy.save(update_fields=["copied_from", "kind"])
            ctx.report.anomaly(
                SHARED_FILES,
                f"{path} : document de la commande {references[int(row['order_id'])]} et de son "
                f"expédition (un seul fichier ; le supprimer d'un côté le retire de l'autre)",
            )
    old = ctx.source.count("wms_orderdocument")
    ctx.report.count(
        "wms_orderdocument",
        old=old,
        new=created,
        why=f"{old - created} document(s) sans fichier ou sans commande" if old != created else "",
    )
