"""Step 12 of the take-over: the reference counters (wms.services.references), set after the
highest reference migrated — and never below the earlier system's own counters, which may stand
higher (a deleted receipt or shipment left its number used).

Counter rows (kind, scope) of ours, from the earlier tables:
- receipt (year) ← wms_receiptsequence and the receipts' `YY-NN-…`;
- receipt_source (`year:contact pk`) ← wms_receiptdonorsequence and the receipts' `…-CC` of a
  receipt with that source;
- shipment (year) ← wms_shipmentsequence and the shipments' `YYNNNN`;
- order (year) ← the `CMD-YYYY-NNNN` given in step 9;
- carton (day, ISO date) ← cartons `TT-YYYYMMDD-N` (the earlier system scanned codes, no table);
- asf_id (prefix) ← contacts_contacttag.asf_last_number and the contacts' `PREFIX-NNNN`.
"""

from __future__ import annotations

import re
from collections import defaultdict

from wms.models import Carton, Contact, Order, Receipt, ReferenceSequence, Shipment
from wms.services.references import MASTER_SCOPE

from .context import TakeOver
from .source import as_text

RECEIPT = re.compile(r"^(?P<yy>\d{2})-(?P<number>\d{2,})-[A-Z]{3}-(?P<per_source>\d{2,})$")
SHIPMENT = re.compile(r"^(?P<yy>\d{2})(?P<number>\d{4,})$")
ORDER = re.compile(r"^CMD-(?P<year>\d{4})-(?P<number>\d{4,})$")
CARTON = re.compile(r"^[A-Z]{2}-(?P<day>\d{8})-(?P<number>\d+)$")
ASF_ID = re.compile(r"^(?P<prefix>[A-Z]+)-(?P<number>\d+)$")
KINDS = ("receipt", "receipt_source", "shipment", "order", "carton", "asf_id")


class Counters:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], int] = defaultdict(int)

    def at_least(self, kind: str, scope: str, number: int) -> None:
        key = (kind, scope)
        self.values[key] = max(self.values[key], number)


def collect(ctx: TakeOver) -> Counters:
    counters = Counters()
    for reference, source_id in Receipt.objects.values_list("reference", "source_contact_id"):
        match = RECEIPT.match(reference)
        if match is None:
            continue  # typed by hand (REPRISE-2024-017): no counter of ours issued it
        year = str(2000 + int(match["yy"]))
        counters.at_least("receipt", year, int(match["number"]))
        if source_id is not None:
            counters.at_least("receipt_source", f"{year}:{source_id}", int(match["per_source"]))
    for row in ctx.rows("wms_receiptsequence"):
        counters.at_least("receipt", str(row["year"]), int(row["last_number"]))
    for row in ctx.rows("wms_receiptdonorsequence"):
        contact = ctx.new_id("contacts_contact", row["donor_id"])
        if contact is not None:
            counters.at_least("receipt_source", f"{row['year']}:{contact}", int(row["last_number"]))
    for reference in Shipment.objects.values_list("reference", flat=True):
        match = SHIPMENT.match(reference)
        if match is not None:
            counters.at_least("shipment", str(2000 + int(match["yy"])), int(match["number"]))
    for row in ctx.rows("wms_shipmentsequence"):
        counters.at_least("shipment", str(row["year"]), int(row["last_number"]))
    # Shipments left behind (empty order shells, step 6) keep their numbers used.
    for reference in ctx.notes.get("dropped_shipments", {}).values():
        match = SHIPMENT.match(reference)
        if match is not None:
            counters.at_least("shipment", str(2000 + int(match["yy"])), int(match["number"]))
    for reference in Order.objects.values_list("reference", flat=True):
        match = ORDER.match(reference)
        if match is not None:
            counters.at_least("order", match["year"], int(match["number"]))
    for code in Carton.objects.values_list("code", flat=True):
        match = CARTON.match(code)
        if match is not None:
            day = match["day"]
            counters.at_least("carton", f"{day[:4]}-{day[4:6]}-{day[6:]}", int(match["number"]))
    for asf_id in Contact.objects.exclude(asf_id=None).values_list("asf_id", flat=True):
        match = ASF_ID.match(asf_id or "")
        if match is not None:
            counters.at_least("asf_id", match["prefix"], int(match["number"]))
    for row in ctx.rows("contacts_contacttag"):
        prefix = as_text(row.get("asf_prefix")).strip().upper()
        if prefix:
            counters.at_least("asf_id", prefix, int(row.get("asf_last_number") or 0))
    return counters


def import_sequences(ctx: TakeOver) -> None:
    counters = collect(ctx)
    for kind in KINDS:
        ReferenceSequence.objects.get_or_create(kind=kind, scope=MASTER_SCOPE)
    for (kind, scope), number in sorted(counters.values.items()):
        row, created = ReferenceSequence.objects.get_or_create(
            kind=kind, scope=scope, defaults={"last_value": number}
        )
        # An earlier step may already have moved a counter (an imported asf_id): never lower it.
        if not created and row.last_value < number:
            row.last_value = number
            row.save(update_fields=["last_value"])
    tables = {
        "wms_receiptsequence": "compteurs de réceptions par année",
        "wms_receiptdonorsequence": "compteurs de réceptions par année et par source",
        "wms_shipmentsequence": "compteurs d'expéditions par année",
    }
    for table, what in tables.items():
        old = ctx.source.count(table)
        kind = {
            "wms_receiptsequence": "receipt",
            "wms_receiptdonorsequence": "receipt_source",
            "wms_shipmentsequence": "shipment",
        }[table]
        new = sum(1 for key in counters.values if key[0] == kind)
        ctx.report.count(
            table,
            old=old,
            new=new,
            why=(
                f"{what} devenus des séquences « {kind} » (ReferenceSequence), au plus haut de "
                "l'ancien compteur et des références reprises"
            )
            + ("" if new == old else " ; une par portée trouvée dans l'un ou l'autre"),
        )
