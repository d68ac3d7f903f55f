"""Ready-made scenes for carton and shipment tests: stocked products, parties that serve a
destination, shipments with packed cartons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tests.factories import (
    CartonFormatFactory,
    ContactFactory,
    DestinationFactory,
    LocationFactory,
    ProductFactory,
    manager,
)
from wms.models import (
    CartonFormat,
    Contact,
    ContactAddress,
    Destination,
    Product,
    ProductCategory,
    Shipment,
)
from wms.services import packing, shipping
from wms.services.stock import Actor, receive


def stocked_product(
    quantity: int = 50,
    *,
    expires_in_days: int | None = 400,
    category: str = "Médical",
    weight_g: int | None = 100,
    volume_cm3: int | None = 500,
    **fields: Any,
) -> Product:
    root, _ = ProductCategory.objects.get_or_create(name=category, parent=None)
    product = ProductFactory(category=root, weight_g=weight_g, volume_cm3=volume_cm3, **fields)
    expires_on = (
        timezone.localdate() + dt.timedelta(days=expires_in_days) if expires_in_days else None
    )
    receive(product=product, quantity=quantity, expires_on=expires_on, lot_code="L1")
    return product


@dataclass
class Scene:
    destination: Destination
    shipper: Contact
    recipient: Contact
    carton_format: CartonFormat
    actor: Actor

    @property
    def parties(self) -> shipping.Parties:
        return shipping.Parties(self.destination, self.shipper, self.recipient, None)

    def shipment(self, **kwargs: Any) -> Shipment:
        return shipping.create_shipment(parties=self.parties, actor=self.actor, **kwargs)

    def packed_shipment(self, cartons: int = 2, units: int = 3) -> Shipment:
        shipment = self.shipment()
        product = stocked_product(cartons * units + 10)
        for _ in range(cartons):
            result = packing.pack(
                product=product, quantity=units, actor=self.actor, shipment=shipment
            )
            packing.close_carton(carton=result.carton, actor=self.actor)
        shipment.refresh_from_db()
        return shipment


def scene(user: Any = None) -> Scene:
    carton_format = CartonFormatFactory(name="Standard")
    destination = DestinationFactory(city="Antananarivo", iata_code="TNR", country="Madagascar")
    shipper = ContactFactory(name="ASF Toulouse", is_shipper=True)
    recipient = ContactFactory(name="Hôpital Befelatanana", is_recipient=True)
    ContactAddress.objects.create(
        contact=recipient, line1="Rue Andriamifidy", city="Antananarivo", country="Madagascar"
    )
    LocationFactory()
    return Scene(destination, shipper, recipient, carton_format, Actor(user=user or manager()))
