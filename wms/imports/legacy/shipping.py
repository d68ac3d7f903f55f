"""Step 6 of the take-over: shipments, their tracking events and their documents.

The earlier system stored a shipment's parties as copied NAMES; ours has foreign keys to contacts
plus the printed names as snapshots. Each name is looked up among the contacts (folded: accents,
case and spaces ignored), the contacts holding the party's role first; the name itself is kept as
the snapshot exactly as it was printed, and every name that finds no contact, or several, is
reported for a manager to link by hand.

The tracking token is kept (printed QR labels open `/scan/shipment/track/<token>/`); the update
token is new (the earlier system had no correspondent link, so none was ever sent out).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from wms.models import (
    Contact,
    Destination,
    Shipment,
    ShipmentDocument,
    ShipmentDocumentKind,
    ShipmentStatus,
    TrackingEvent,
    TrackingStep,
)
from wms.text import fold_key

from .catalog import unique_reference
from .context import LegacyDataError, TakeOver
from .source import as_date, as_datetime, as_text, as_uuid

UNMATCHED = "Noms non rapprochés"
DEDUCED = "Destinations déduites"
DROPPED = "Expéditions non reprises"
UNKNOWN_DATES = "Dates d'expédition ou de livraison inconnues"
CORRECTED = "Valeurs corrigées"
SKIPPED_DOCUMENTS = "Documents non repris"

ROLE_LABELS = {
    "shipper": "expéditeur",
    "recipient": "destinataire",
    "correspondent": "correspondant",
}
# Legacy wms_document.doc_type → our kind. Generated documents were never stored in practice;
# a stored copy of one is kept as "other" (ours prints them on demand).
DOCUMENT_KINDS = {
    "donation_certificate": ShipmentDocumentKind.DONATION,
    "humanitarian_certificate": ShipmentDocumentKind.HUMANITARIAN,
    "customs": ShipmentDocumentKind.CUSTOMS,
}
REFERENCE_MAX = Shipment._meta.get_field("reference").max_length or 12
COMMENTS_MAX = TrackingEvent._meta.get_field("comments").max_length or 500


def moment(value: Any) -> dt.datetime:
    """A timestamp the earlier schema declares NOT NULL (created_at and the like)."""
    found = as_datetime(value)
    if found is None:
        raise LegacyDataError(f"Horodatage vide dans une colonne obligatoire : {value!r}.")
    return found


# --- names → contacts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    pk: int
    active: bool
    roles: frozenset[str]


class PartyResolver:
    """Finds the contact a copied name stood for (shared by the shipments and the orders)."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[_Candidate]] = defaultdict(list)
        for contact in Contact.objects.all():
            key = contact.name_key or fold_key(contact.name)
            self.by_key[key].append(
                _Candidate(contact.pk, contact.is_active, frozenset(contact.roles))
            )

    def resolve(self, name: str, role: str) -> tuple[int | None, str]:
        """(contact pk, "") when one contact answers; (None, why) otherwise; (None, "") for no
        name at all."""
        key = fold_key(name)
        if not key:
            return None, ""
        found = self.by_key.get(key, [])
        if not found:
            return None, "aucun contact de ce nom"
        pool = [candidate for candidate in found if role in candidate.roles] or found
        if len(pool) > 1:
            active = [candidate for candidate in pool if candidate.active]
            pool = active if len(active) == 1 else pool
        if len(pool) == 1:
            return pool[0].pk, ""
        listed = ", ".join(str(candidate.pk) for candidate in pool)
        return None, f"{len(pool)} contacts portent ce nom (ids {listed})"

    def party(self, ctx: TakeOver, name: str, role: str, where: str) -> int | None:
        """The contact for `name`, reporting a name that matches no contact or several."""
        pk, why = self.resolve(name, role)
        if why:
            ctx.report.anomaly(UNMATCHED, f"{where} : {ROLE_LABELS[role]} « {name} » : {why}")
        return pk


# --- destinations --------------------------------------------------------------------------------


class DestinationFinder:
    def __init__(self) -> None:
        self.by_city: dict[tuple[str, str], int] = {}
        self.by_country: dict[str, list[Destination]] = defaultdict(list)
        for destination in Destination.objects.order_by("pk"):
            country = fold_key(destination.country)
            self.by_city[fold_key(destination.city), country] = destination.pk
            self.by_country[country].append(destination)

    def by_city_and_country(self, city: str, country: str) -> int | None:
        return self.by_city.get((fold_key(city), fold_key(country)))

    def only_one_in(self, country: str) -> Destination | None:
        """The destination of a country that has exactly one (the active one if several)."""
        found = self.by_country.get(fold_key(country), [])
        active = [destination for destination in found if destination.is_active]
        if len(found) == 1:
            return found[0]
        return active[0] if len(active) == 1 else None


# --- the step ------------------------------------------------------------------------------------


def import_shipments(ctx: TakeOver) -> None:
    parties = PartyResolver()
    destinations = DestinationFinder()
    orders_by_shipment = {
        int(row["shipment_id"]): row
        for row in ctx.rows("wms_order")
        if row.get("shipment_id") not in (None, "")
    }
    cartons = _count_by(ctx.rows("wms_carton"), "shipment_id")
    events_rows = ctx.rows("wms_shipmenttrackingevent")
    documents_rows = ctx.rows("wms_document")
    events = _count_by(events_rows, "shipment_id")
    documents = _count_by(documents_rows, "shipment_id")
    first_step: dict[tuple[int, str], Any] = {}
    for event in sorted(events_rows, key=lambda row: (as_datetime(row["created_at"]), row["id"])):
        first_step.setdefault((int(event["shipment_id"]), event["status"]), event["created_at"])

    dropped: dict[int, str] = {}
    taken: set[str] = set()
    created = 0
    for row in ctx.rows("wms_shipment"):
        old_id = int(row["id"])
        typed = as_text(row["reference"]).strip()
        # Ours is unique on 12 characters, compared without case or accents on MariaDB; the
        # earlier column took 80 characters, compared exactly: a hand-typed reference may need
        # cutting or a suffix (the typed one is kept in the notes).
        reference = unique_reference(typed, taken, limit=REFERENCE_MAX, fallback=f"REP{old_id}")
        taken.add(fold_key(reference))
        where = f"Expédition {reference}"
        legacy_reference_note = ""
        if reference != typed:
            ctx.report.anomaly(
                CORRECTED,
                f"Expédition « {typed} » (id {old_id}) : référence vide, trop longue ou déjà "
                f"prise, enregistrée sous « {reference} »",
            )
            legacy_reference_note = f"Référence dans l'ancien système : {typed}"
        order = orders_by_shipment.get(old_id)
        destination_id = ctx.new_id("wms_destination", row["destination_id"])
        if destination_id is None:
            destination_id = _deduce_destination(ctx, row, order, destinations)
        if destination_id is None:
            used = cartons[old_id] + events[old_id] + documents[old_id]
            if order is None or used:
                raise LegacyDataError(
                    f"L'expédition {reference} (id {old_id}) n'a pas de destination, et aucune ne "
                    f"se déduit de son pays « {as_text(row['destination_country'])} » : "
                    "choisissez-en une dans l'ancien système, puis relancez la reprise."
                )
            # An order's shipment was created empty the moment the order was placed; ours is
            # created when the order is prepared. With no destination to give it, nothing in it
            # (no carton, no tracking step, no document) and the order keeping the names and
            # the address, the empty shell is left behind rather than pointed at a wrong airport.
            dropped[old_id] = reference
            ctx.report.anomaly(
                DROPPED,
                f"{where} (commande {order['id']}) : vide et sans destination possible "
                f"(« {as_text(order.get('destination_city'))}, "
                f"{as_text(row['destination_country'])} » ne correspond à aucune destination) ; "
                "la commande garde ses noms et son adresse et aura son expédition à sa préparation",
            )
            continue
        status = as_text(row["status"]) or ShipmentStatus.DRAFT
        shipped_at = delivered_at = None
        if status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED):
            shipped_at = as_datetime(first_step.get((old_id, TrackingStep.BOARDING_OK)))
            if shipped_at is None:
                ctx.report.anomaly(
                    UNKNOWN_DATES,
                    f"{where} ({status}) : aucune étape « boarding_ok », date d'expédition vide",
                )
        if status == ShipmentStatus.DELIVERED:
            delivered_at = as_datetime(first_step.get((old_id, TrackingStep.RECEIVED_RECIPIENT)))
            if delivered_at is None:
                ctx.report.anomaly(
                    UNKNOWN_DATES,
                    f"{where} (delivered) : aucune étape « received_recipient », "
                    "date de livraison vide",
                )
        shipper_name = as_text(row["shipper_name"])
        recipient_name = as_text(row["recipient_name"])
        correspondent_name = as_text(row["correspondent_name"])
        shipment = Shipment.objects.create(
            reference=reference,
            tracking_token=as_uuid(row["tracking_token"]) or uuid.uuid4(),
            update_token=uuid.uuid4(),
            status=status,
            destination_id=destination_id,
            shipper_id=parties.party(ctx, shipper_name, "shipper", where),
            shipper_name=shipper_name,
            recipient_id=parties.party(ctx, recipient_name, "recipient", where),
            recipient_name=recipient_name,
            correspondent_id=parties.party(ctx, correspondent_name, "correspondent", where),
            correspondent_name=correspondent_name,
            destination_address=as_text(row["destination_address"]),
            destination_country=as_text(row["destination_country"]),
            requested_delivery_date=as_date(row["requested_delivery_date"]),
            created_at=moment(row["created_at"]),
            ready_at=as_datetime(row["ready_at"]),
            shipped_at=shipped_at,
            delivered_at=delivered_at,
            created_by_id=ctx.new_id("auth_user", row["created_by_id"]),
            notes="\n".join(
                part for part in (as_text(row["notes"]), legacy_reference_note) if part
            ),
        )
        ctx.remember("wms_shipment", old_id, shipment.pk)
        created += 1
    ctx.notes["dropped_shipments"] = dropped
    why = ""
    if dropped:
        why = (
            f"{len(dropped)} expédition(s) vide(s) de commande sans destination possible non "
            f"reprise(s) : {', '.join(dropped.values())}"
        )
    ctx.report.count("wms_shipment", old=ctx.source.count("wms_shipment"), new=created, why=why)
    _import_tracking_events(ctx, events_rows)
    _import_documents(ctx, documents_rows)


def _count_by(rows: list[dict[str, Any]], column: str) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.get(column) not in (None, ""):
            counts[int(row[column])] += 1
    return counts


def _deduce_destination(
    ctx: TakeOver,
    row: dict[str, Any],
    order: dict[str, Any] | None,
    destinations: DestinationFinder,
) -> int | None:
    """A shipment created from an order has no destination in the earlier system: the order's
    city and country name it when they are a destination's; else the only destination of that
    country (the airport a shipment to Sikasso, Mali flies to is Bamako's)."""
    reference = as_text(row["reference"])
    city = as_text(order.get("destination_city")) if order else ""
    country = (as_text(order.get("destination_country")) if order else "") or as_text(
        row["destination_country"]
    )
    found = destinations.by_city_and_country(city, country) if city else None
    if found is not None:
        return found
    only = destinations.only_one_in(country)
    if only is None:
        return None
    ctx.report.anomaly(
        DEDUCED,
        f"Expédition {reference} : sans destination ; « {city or '?'}, {country} » → "
        f"{only} (seule destination du pays)",
    )
    return only.pk


def _import_tracking_events(ctx: TakeOver, rows: list[dict[str, Any]]) -> None:
    steps = set(TrackingStep.values)
    created = 0
    skipped: list[str] = []
    for row in rows:
        shipment_id = ctx.new_id("wms_shipment", row["shipment_id"])
        step = as_text(row["status"])
        if shipment_id is None or step not in steps:
            skipped.append(f"{row['id']} ({step or 'sans étape'})")
            continue
        comments = as_text(row["comments"])
        if len(comments) > COMMENTS_MAX:
            ctx.report.anomaly(
                CORRECTED,
                f"Étape de suivi {row['id']} : commentaire tronqué à {COMMENTS_MAX} caractères",
            )
            comments = comments[:COMMENTS_MAX]
        event = TrackingEvent.objects.create(
            shipment_id=shipment_id,
            step=step,
            actor_name=as_text(row["actor_name"])[:120],
            actor_structure=as_text(row["actor_structure"])[:120],
            comments=comments,
            author_id=ctx.new_id("auth_user", row["created_by_id"]),
            # The earlier system had no correspondent link: anonymous steps came from the
            # public tracking page, which ours keeps read-only.
            via_update_link=False,
            created_at=moment(row["created_at"]),
        )
        ctx.remember("wms_shipmenttrackingevent", row["id"], event.pk)
        created += 1
    why = f"étapes non reprises : {', '.join(skipped)}" if skipped else ""
    ctx.report.count(
        "wms_shipmenttrackingevent",
        old=ctx.source.count("wms_shipmenttrackingevent"),
        new=created,
        why=why,
    )


def _import_documents(ctx: TakeOver, rows: list[dict[str, Any]]) -> None:
    created = 0
    for row in rows:
        shipment_id = ctx.new_id("wms_shipment", row["shipment_id"])
        path = as_text(row["file"])
        if shipment_id is None or not path:
            ctx.report.anomaly(
                SKIPPED_DOCUMENTS,
                f"Document d'expédition {row['id']} : "
                + ("sans fichier" if shipment_id is not None else "expédition non reprise"),
            )
            continue
        document = ShipmentDocument(
            shipment_id=shipment_id,
            kind=DOCUMENT_KINDS.get(as_text(row["doc_type"]), ShipmentDocumentKind.OTHER),
            original_name=posixpath.basename(path)[:200],
            uploaded_at=moment(row["generated_at"]),
        )
        # The stored relative path, as is: the media folder is copied over with the database.
        document.file.name = path
        document.save()
        ctx.remember("wms_document", row["id"], document.pk)
        created += 1
    skipped = ctx.source.count("wms_document") - created
    ctx.report.count(
        "wms_document",
        old=ctx.source.count("wms_document"),
        new=created,
        why=f"{skipped} document(s) sans fichier ou sans expédition" if skipped else "",
    )
