"""The cartons-and-shipments part of `seed_demo` (S-CARTONS, S-SHIPMENTS): carton formats,
destinations, and demo shipments in every status, packed from the demo stock.

Everything after the master data goes through wms.services.packing / shipping, as a volunteer
would do it on the scan screens: statuses come from the cartons and the tracking steps, never from
a direct write, so the ledger and the status history stay consistent. Shipments are seeded once:
a shipment carrying DEMO_NOTE means this part already ran.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from wms.models import (
    Carton,
    CartonFormat,
    Contact,
    Destination,
    Location,
    Product,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    TrackingStep,
)
from wms.services import packing, shipping
from wms.services.errors import StockError
from wms.services.stock import Actor

DEMO_NOTE = "Expédition de démonstration"
DEMO_CARTON_NOTE = "Carton de démonstration"
SHIPPER = "Aviation Sans Frontières"


class DemoFormat(NamedTuple):
    name: str
    size: tuple[str, str, str]  # inner length, width, height in cm
    max_weight_g: int
    is_default: bool


FORMATS = [
    DemoFormat("Standard 40×30×30", ("40", "30", "30"), 8000, True),
    DemoFormat("Petit 30×20×20", ("30", "20", "20"), 5000, False),
]

# (city, IATA code, country, correspondent: a demo contact's name)
DESTINATIONS = [
    ("Antananarivo", "TNR", "Madagascar", "Hery Rakotomalala"),
    ("Bamako", "BKO", "Mali", "Aminata Diallo"),
    ("Port-au-Prince", "PAP", "Haïti", "Marie-Claire Joseph"),
    ("Ouagadougou", "OUA", "Burkina Faso", "Jean-Baptiste Kaboré"),
]

# Contents: (product key of seed_demo, quantity) per carton.
Contents = list[tuple[str, int]]

ASF_TEAM = ("Équipe fret ASF", "Aviation Sans Frontières")
STEPS_TO_BOARDING = [
    (TrackingStep.PLANNING_OK, "Vol confirmé par la compagnie."),
    (TrackingStep.PLANNED, ""),
    (TrackingStep.MOVED_EXPORT, "Palette déposée au magasin export."),
    (TrackingStep.BOARDING_OK, "Chargée à bord."),
]


def formats(created: Counter[str]) -> dict[str, CartonFormat]:
    found = {}
    for item in FORMATS:
        length, width, height = (Decimal(value) for value in item.size)
        carton_format, is_new = CartonFormat.objects.get_or_create(
            name=item.name,
            defaults=dict(
                length_cm=length,
                width_cm=width,
                height_cm=height,
                max_weight_g=item.max_weight_g,
                # Never take the default away from a format someone chose on this machine.
                is_default=item.is_default and CartonFormat.default() is None,
            ),
        )
        created["formats de carton"] += int(is_new)
        found[item.name] = carton_format
    return found


def destinations(contacts: dict[str, Contact], created: Counter[str]) -> dict[str, Destination]:
    found = {}
    for city, code, country, correspondent in DESTINATIONS:
        destination = Destination.objects.filter(
            Q(iata_code=code) | Q(city=city, country=country)
        ).first()
        if destination is None:
            destination = Destination.objects.create(
                city=city, iata_code=code, country=country, correspondent=contacts[correspondent]
            )
            created["destinations"] += 1
        found[code] = destination
    return found


@dataclass
class ShipmentSeeder:
    """Packs and ships like a volunteer (a system actor: no demo login exists before the end)."""

    products: dict[str, Product]
    contacts: dict[str, Contact]
    destinations: dict[str, Destination]
    dock: Location | None
    actor: Actor = field(default_factory=Actor)

    def days(self, offset: int) -> dt.date:
        return timezone.localdate() + dt.timedelta(days=offset)

    def shipment(self, code: str, recipient: str, notes: str = "", **more: object) -> Shipment:
        parties = shipping.Parties(
            self.destinations[code], self.contacts[SHIPPER], self.contacts[recipient], None
        )
        text = f"{DEMO_NOTE}. {notes}".strip()
        return shipping.create_shipment(
            parties=parties,
            actor=self.actor,
            notes=text,
            **more,  # type: ignore[arg-type]
        )

    def carton(
        self, contents: Contents, *, shipment: Shipment | None = None, close: bool = True
    ) -> Carton:
        carton = packing.create_carton(
            actor=self.actor,
            shipment=shipment,
            location=self.dock if shipment is None else None,
            notes=DEMO_CARTON_NOTE,
        )
        for key, quantity in contents:
            carton = packing.pack(
                product=self.products[key], quantity=quantity, actor=self.actor, carton=carton
            ).carton
        if close:
            carton = packing.close_carton(carton=carton, actor=self.actor)
        return carton

    def steps(
        self, shipment: Shipment, steps: Sequence[tuple[str, str]], who: tuple[str, str]
    ) -> None:
        name, structure = who
        for step, comments in steps:
            shipping.record_step(
                shipment=shipment,
                step=step,
                actor_name=name,
                actor_structure=structure,
                comments=comments,
                actor=self.actor,
                via_update_link=who != ASF_TEAM,
            )

    def run(self) -> list[Shipment]:
        # Ready cartons waiting for a shipment, and one still being filled.
        self.carton([("masque_chir", 200)])
        self.carton([("kit_hygiene", 4)])
        spare = self.carton([("gants_m", 20), ("compresses10", 10)])
        self.carton([("seringue5", 50)], close=False)

        draft = self.shipment(
            "TNR",
            "Hôpital Joseph Raseta Befelatanana",
            "Cartons à préparer.",
            requested_delivery_date=self.days(45),
        )
        self.carton([], shipment=draft, close=False)  # an empty carton, just opened

        picking = self.shipment(
            "BKO", "Centre de Santé de Kati", requested_delivery_date=self.days(30)
        )
        self.carton([("sro", 100), ("serum", 24)], shipment=picking)
        self.carton([("aiguilles", 100)], shipment=picking, close=False)  # PARTIEL 1/2

        packed = self.shipment("PAP", "Dispensaire de Jacmel", "Prête pour le prochain vol.")
        self.carton([("seringue10", 60)], shipment=packed)
        packing.attach_carton(carton=spare, shipment=packed, actor=self.actor)

        shipped = self.shipment("OUA", "Hôpital de District de Kaya")
        self.carton([("masque_ffp2", 80)], shipment=shipped)
        self.carton([("gel100", 48)], shipment=shipped)
        shipping.set_flight(
            shipment=shipped,
            actor=self.actor,
            flight_date=self.days(-1),
            flight_number="AF 518",
            awb_number="057-12345675",
        )
        self.steps(shipped, STEPS_TO_BOARDING, ASF_TEAM)

        delivered = self.shipment("PAP", "Marie-Claire Joseph", "Livrée au dispensaire partenaire.")
        self.carton([("kit_hygiene", 6)], shipment=delivered)
        self.carton([("velpeau", 40), ("cohesive", 20)], shipment=delivered)
        shipping.set_flight(
            shipment=delivered,
            actor=self.actor,
            flight_date=self.days(-12),
            flight_number="AF 872",
            awb_number="057-98765432",
        )
        self.steps(delivered, STEPS_TO_BOARDING, ASF_TEAM)
        correspondent = ("Marie-Claire Joseph", "Correspondante ASF Haïti")
        self.steps(
            delivered,
            [
                (TrackingStep.RECEIVED_CORRESPONDENT, "Cartons reçus en bon état."),
                (TrackingStep.RECEIVED_RECIPIENT, "Remis au dispensaire de Jacmel."),
            ],
            correspondent,
        )
        return [draft, picking, packed, shipped, delivered]


def already_seeded() -> bool:
    return Shipment.objects.filter(notes__startswith=DEMO_NOTE).exists()


def seed_shipping(
    *,
    products: dict[str, Product],
    contacts: dict[str, Contact],
    dock: Location | None,
    created: Counter[str],
) -> str:
    """Formats and destinations (looked up first), then the shipments once; the summary line."""
    formats(created)
    found = destinations(contacts, created)
    if already_seeded():
        return "Expéditions de démonstration déjà présentes : aucune ajoutée."
    cartons_before, events_before = Carton.objects.count(), TrackingEvent.objects.count()
    try:
        # A savepoint: stock used up on this machine leaves the rest of the demo data in place.
        with transaction.atomic():
            shipments = ShipmentSeeder(products, contacts, found, dock).run()
    except StockError as exc:
        return f"Expéditions de démonstration non créées : {exc.message}"
    created["expéditions"] += len(shipments)
    created["cartons"] += Carton.objects.count() - cartons_before
    created["étapes de suivi"] += TrackingEvent.objects.count() - events_before
    statuses = ", ".join(
        ShipmentStatus(shipment.status).label.lower()
        for shipment in Shipment.objects.filter(pk__in=[s.pk for s in shipments]).order_by("pk")
    )
    return f"Expéditions de démonstration créées ({statuses})."
