"""Shipment parties (S-SHIPMENTS): the sequenced choices (shippers serving the destination or
all, recipients with an address in its country, its correspondent), checked again on the server,
and the printed names snapshotted when chosen."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.factories import ContactFactory, DestinationFactory
from tests.shipping_helpers import Scene, scene
from wms.models import Contact, ContactAddress, Destination, ReferenceSequence, Shipment
from wms.services import shipping
from wms.services.errors import StockError
from wms.services.shipping import Parties

pytestmark = pytest.mark.django_db


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


@pytest.fixture
def elsewhere() -> Destination:
    return DestinationFactory(city="Dakar", iata_code="DSS", country="Sénégal")


def shipper(name: str, *serves: Destination, **fields: Any) -> Contact:
    contact = ContactFactory(name=name, is_shipper=True, **fields)
    contact.destinations.set(serves)
    return contact


def recipient(name: str, country: str, *serves: Destination, **fields: Any) -> Contact:
    contact = ContactFactory(name=name, is_recipient=True, **fields)
    contact.destinations.set(serves)
    ContactAddress.objects.create(contact=contact, line1="1 rue", city="Ville", country=country)
    return contact


def names(queryset: Any) -> list[str]:
    return list(queryset.values_list("name", flat=True))


# --- the choices ---------------------------------------------------------------------------------


def test_shippers_serve_the_destination_or_every_destination(sc, elsewhere):
    here = shipper("Ici", sc.destination)
    shipper("Là-bas", elsewhere)
    both = shipper("Partout listé", sc.destination, elsewhere)
    shipper("Inactif", is_active=False)
    ContactFactory(name="Pas expéditeur")
    assert names(shipping.shippers_for(sc.destination)) == ["ASF Toulouse", here.name, both.name]
    assert names(shipping.shippers_for(elsewhere)) == ["ASF Toulouse", "Là-bas", both.name]


def test_recipients_need_an_address_in_the_destination_country(sc, elsewhere):
    recipient("Upper", "MADAGASCAR")
    recipient("Spaced", "  madagascar ")
    recipient("France only", "France")
    recipient("Serves Dakar only", "Madagascar", elsewhere)
    recipient("Inactive", "Madagascar", is_active=False)
    ContactFactory(name="No address", is_recipient=True)
    expected = ["Hôpital Befelatanana", "Spaced", "Upper"]
    assert names(shipping.recipients_for(sc.destination)) == expected


def test_the_country_is_compared_without_accents_or_case(elsewhere):
    recipient("Sans accent", "senegal")
    recipient("Avec accent", "SÉNÉGAL", elsewhere)
    recipient("Autre pays", "Mali")
    assert names(shipping.recipients_for(elsewhere)) == ["Avec accent", "Sans accent"]


def test_a_recipient_with_several_addresses_is_listed_once(sc):
    contact = recipient("Deux adresses", "Madagascar")
    ContactAddress.objects.create(
        contact=contact, line1="2 rue", city="Tamatave", country="Madagascar"
    )
    assert names(shipping.recipients_for(sc.destination)).count("Deux adresses") == 1


def test_the_correspondent_is_the_destinations(sc, elsewhere):
    assert list(shipping.correspondents_for(sc.destination)) == [sc.destination.correspondent]
    sc.destination.correspondent.is_active = False
    sc.destination.correspondent.save()
    assert not shipping.correspondents_for(sc.destination).exists()


# --- the server-side check ----------------------------------------------------------------------


def refused_creation(sc: Scene, parties: Parties, match: str) -> None:
    before = (Shipment.objects.count(), list(ReferenceSequence.objects.values()))
    with pytest.raises(StockError, match=match):
        shipping.create_shipment(parties=parties, actor=sc.actor)
    assert (Shipment.objects.count(), list(ReferenceSequence.objects.values())) == before


def test_an_inactive_destination_is_refused(sc):
    sc.destination.is_active = False
    sc.destination.save()
    refused_creation(sc, sc.parties, "n'est plus active")


def test_a_shipper_not_serving_the_destination_is_refused(sc, elsewhere):
    parties = Parties(sc.destination, shipper("Dakar seulement", elsewhere), sc.recipient, None)
    refused_creation(sc, parties, "« Dakar seulement » n'est pas expéditeur pour Antananarivo")
    not_a_shipper = ContactFactory(name="Donateur")
    refused_creation(sc, Parties(sc.destination, not_a_shipper, sc.recipient, None),
                     "n'est pas expéditeur")  # fmt: skip


def test_a_recipient_without_an_address_in_the_country_is_refused(sc):
    parties = Parties(sc.destination, sc.shipper, recipient("Lyon", "France"), None)
    refused_creation(sc, parties, "il lui faut une adresse en Madagascar")


def test_another_destinations_correspondent_is_refused(sc, elsewhere):
    parties = Parties(sc.destination, sc.shipper, sc.recipient, elsewhere.correspondent)
    refused_creation(sc, parties, "n'est pas le correspondant de cette destination")


# --- snapshots ------------------------------------------------------------------------------


def test_the_shipment_keeps_the_parties_and_their_names(sc):
    shipment = sc.shipment(notes="Urgent")
    assert (shipment.shipper, shipment.recipient) == (sc.shipper, sc.recipient)
    assert shipment.correspondent == sc.destination.correspondent
    assert (shipment.shipper_name, shipment.recipient_name) == (
        "ASF Toulouse",
        "Hôpital Befelatanana",
    )
    assert shipment.correspondent_name == sc.destination.correspondent.name
    assert shipment.destination_address == "Rue Andriamifidy\nAntananarivo\nMadagascar"
    assert shipment.destination_country == "Madagascar"
    assert shipment.created_by == sc.actor.user


def test_renaming_a_contact_never_changes_a_shipments_names(sc):
    shipment = sc.shipment()
    correspondent = sc.destination.correspondent
    original = correspondent.name
    for contact, new_name in ((sc.shipper, "ASF Occitanie"), (sc.recipient, "CHU Befelatanana"),
                              (correspondent, "Nouveau nom")):  # fmt: skip
        contact.name = new_name
        contact.save()
    shipment.refresh_from_db()
    assert (shipment.shipper_name, shipment.recipient_name, shipment.correspondent_name) == (
        "ASF Toulouse",
        "Hôpital Befelatanana",
        original,
    )
    # Editing other fields with the same parties keeps the snapshots too.
    sc.shipper.refresh_from_db()
    sc.recipient.refresh_from_db()
    edited = shipping.update_shipment(
        shipment=shipment, parties=sc.parties, actor=sc.actor, notes="Vol du mardi"
    )
    assert (edited.shipper_name, edited.notes) == ("ASF Toulouse", "Vol du mardi")


def test_choosing_another_party_takes_a_new_snapshot(sc):
    shipment = sc.shipment()
    other = recipient("Clinique Ilafy", "Madagascar")
    parties = Parties(sc.destination, sc.shipper, other, None)
    edited = shipping.update_shipment(shipment=shipment, parties=parties, actor=sc.actor)
    assert (edited.recipient, edited.recipient_name) == (other, "Clinique Ilafy")
    assert edited.destination_address == "1 rue\nVille\nMadagascar"


# --- editing and flight details -------------------------------------------------------------------


def test_a_locked_shipment_cannot_be_edited(sc):
    shipment = sc.packed_shipment(cartons=1)
    shipping.ship(shipment=shipment, actor=sc.actor)
    with pytest.raises(StockError, match="ne peut plus être modifiée"):
        shipping.update_shipment(shipment=shipment, parties=sc.parties, actor=sc.actor, notes="x")
    shipment.refresh_from_db()
    assert shipment.notes == ""


def test_flight_details_are_filled_in_up_to_delivery(sc):
    shipment = sc.packed_shipment(cartons=1)
    shipping.ship(shipment=shipment, actor=sc.actor)
    shipping.set_flight(
        shipment=shipment,
        actor=sc.actor,
        flight_date="2031-05-02",
        flight_number=" MD 051 ",
        awb_number="124-12345675",
    )
    shipment.refresh_from_db()
    assert (shipment.flight_date, shipment.flight_number, shipment.awb_number) == (
        dt.date(2031, 5, 2),
        "MD 051",
        "124-12345675",
    )
    shipping.deliver(shipment=shipment, actor=sc.actor)
    with pytest.raises(StockError, match="est livrée"):
        shipping.set_flight(shipment=shipment, actor=sc.actor, flight_number="AF934")


@pytest.mark.parametrize(
    ("flight", "match"),
    [
        ({"flight_date": "2031-13-01"}, "La date du vol : date invalide"),
        ({"flight_date": "demain"}, "La date du vol : date invalide"),
        ({"flight_number": "X" * 21}, "Le n° de vol : 20 caractères au plus"),
        ({"awb_number": "9" * 41}, "Le n° LTA : 40 caractères au plus"),
    ],
)
def test_bad_flight_details_are_refused_with_a_message(sc, flight, match):
    shipment = sc.shipment()
    before = list(Shipment.objects.values())
    with pytest.raises(StockError, match=match):
        shipping.set_flight(shipment=shipment, actor=sc.actor, **flight)
    with pytest.raises(StockError, match=match):
        shipping.update_shipment(shipment=shipment, parties=sc.parties, actor=sc.actor,
                                 notes="changé", flight=flight)  # fmt: skip
    assert list(Shipment.objects.values()) == before
