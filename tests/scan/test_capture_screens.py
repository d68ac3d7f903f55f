"""Capture screens (quick entry, remove, adjust, count, move) as plain HTML form POSTs: each
applies at most once per operation id, refuses bad input in French without changing anything,
answers JSON to the outbox, and keeps its query count flat."""

from __future__ import annotations

import datetime as dt
import html
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scan.models import OperationOutcome, ScanOperation
from tests import factories
from tests.html_forms import FormParser
from tests.stock_helpers import ledger_is_clean, snapshot
from wms.models import Contact, LotStatus, MovementType, Product, ProductLot, StockMovement
from wms.services import stock
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db


SCREENS = ["stock_update", "out", "adjust", "count", "move"]
ALL_URLS = [*SCREENS, "quick_create_product", "quick_create_donor"]


# --- helpers ------------------------------------------------------------------------------------


CaptureFormParser = FormParser


def capture_form(response: Any, action: str) -> dict[str, Any]:
    parser = CaptureFormParser()
    parser.feed(response.content.decode())
    matching = [
        form
        for form in parser.forms
        if form["attrs"].get("action") == action and form["attrs"].get("method") == "post"
    ]
    assert len(matching) == 1, f"one form posting to {action}"
    form = matching[0]
    # Stock captures queue offline; creating master data (products, donors) needs the network.
    creates_master_data = action.endswith(("/new-product/", "/new-donor/"))
    assert form["attrs"].get("data-offline") == ("online" if creates_master_data else "queue")
    assert form["attrs"].get("autocomplete") == "off"
    return form


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def flash_messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@dataclass
class World:
    here: Any
    there: Any
    product: Product
    lot: ProductLot


@pytest.fixture
def world(db: None) -> World:
    here = factories.LocationFactory(zone="A", aisle="01", shelf="1")
    there = factories.LocationFactory(warehouse=here.warehouse, zone="B", aisle="02", shelf="3")
    product = factories.ProductFactory(
        name="Compresses stériles", sku="CMP-0001", ean="3401234567890", default_location=here
    )
    lot = stock.receive(product=product, quantity=10, location=here, lot_code="L-10")
    return World(here=here, there=there, product=product, lot=lot)


def fresh_op_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Screen:
    """How to fill a screen for a successful capture, and the ledger row it must write."""

    name: str
    query: Callable[[World], dict[str, Any]]
    fields: Callable[[World], dict[str, Any]]
    movement_type: str
    delta: int
    other_body: dict[str, Any] = field(default_factory=dict)


CASES = {
    "stock_update": Screen(
        "stock_update",
        query=lambda w: {},
        fields=lambda w: {"product_code": w.product.sku, "quantity": "5", "lot_code": "NEW-1"},
        movement_type=MovementType.IN,
        delta=5,
        other_body={"quantity": "6"},
    ),
    "out": Screen(
        "out",
        query=lambda w: {"code": w.product.sku},
        fields=lambda w: {"product_code": w.product.sku, "quantity": "3", "reason": "scan_out"},
        movement_type=MovementType.OUT,
        delta=-3,
        other_body={"quantity": "4"},
    ),
    "adjust": Screen(
        "adjust",
        query=lambda w: {"lot": w.lot.pk},
        fields=lambda w: {"delta": "-2", "reason": "correction"},
        movement_type=MovementType.ADJUST,
        delta=-2,
        other_body={"delta": "-1"},
    ),
    "count": Screen(
        "count",
        query=lambda w: {"lot": w.lot.pk},
        fields=lambda w: {"counted": "7"},
        movement_type=MovementType.COUNT,
        delta=-3,
        other_body={"counted": "8"},
    ),
    "move": Screen(
        "move",
        query=lambda w: {},
        fields=lambda w: {"product_code": w.product.sku, "to_location": str(w.there.pk)},
        movement_type=MovementType.TRANSFER,
        delta=-10,
        other_body={"quantity": "2"},
    ),
}


def load_and_fill(client: Client, world: World, case: Screen) -> tuple[str, dict[str, Any]]:
    """GET the screen, take the hidden fields it rendered (op_id, csrf, lot, seen on-hand) and
    add what the worker types."""
    url = reverse(f"scan:{case.name}")
    page = client.get(url, case.query(world))
    assert page.status_code == 200
    form = capture_form(page, url)
    uuid.UUID(form["hidden"]["op_id"], version=4)
    return url, {**form["hidden"], **case.fields(world)}


# --- the five screens as plain form posts ---------------------------------------------------------


@pytest.mark.parametrize("name", SCREENS)
def test_each_capture_screen_completes_as_a_plain_form_post(world, worker, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker)
    url, data = load_and_fill(client, world, CASES[name])

    response = client.post(url, data, follow=True)

    assert response.redirect_chain == [(url, 303)]
    assert response.status_code == 200
    op_id = uuid.UUID(data["op_id"])
    row = ScanOperation.objects.get(op_id=op_id)
    assert row.outcome == OperationOutcome.APPLIED
    assert row.kind == name
    assert flash_messages(response) == [row.response["message"]]
    assert row.response["message"] in page_text(response)
    movements = StockMovement.objects.filter(operation_id=op_id).order_by("delta")
    first = movements[0]
    assert first.movement_type == CASES[name].movement_type
    assert first.delta == CASES[name].delta
    assert {movement.user for movement in movements} == {worker}
    assert ledger_is_clean()


@pytest.mark.parametrize("name", SCREENS)
def test_replaying_a_capture_adds_nothing_and_shows_the_same_message(world, worker, client, name):
    client.force_login(worker)
    url, data = load_and_fill(client, world, CASES[name])
    first = client.post(url, data, follow=True)
    before = snapshot()

    again = client.post(url, data, follow=True)

    assert snapshot() == before
    assert again.redirect_chain == [(url, 303)]
    assert flash_messages(again) == flash_messages(first)
    assert ScanOperation.objects.filter(op_id=data["op_id"]).count() == 1


@pytest.mark.parametrize("name", SCREENS)
def test_the_same_operation_id_with_another_body_is_a_conflict(world, worker, client, name):
    client.force_login(worker)
    url, data = load_and_fill(client, world, CASES[name])
    client.post(url, data)
    before = snapshot()

    response = client.post(url, {**data, **CASES[name].other_body})

    assert response.status_code == 409
    assert "Cet identifiant d'opération a déjà servi pour une autre saisie." in page_text(response)
    assert snapshot() == before


@pytest.mark.parametrize("name", SCREENS)
def test_each_screen_answers_json_to_the_outbox(world, worker, client, name):
    client.force_login(worker)
    url, data = load_and_fill(client, world, CASES[name])

    response = client.post(url, data, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    body = response.json()
    assert body["op_id"] == data["op_id"]
    assert body["status"] == "applied"
    assert body["message"] == ScanOperation.objects.get(op_id=data["op_id"]).response["message"]
    replay = client.post(url, data, HTTP_ACCEPT="application/json").json()
    assert replay["status"] == "applied"
    assert replay["message"] == body["message"]
    assert replay["replayed"] is True


@pytest.mark.parametrize("name", SCREENS)
def test_an_htmx_capture_gets_the_form_fragment_with_its_message(world, worker, client, name):
    client.force_login(worker)
    url, data = load_and_fill(client, world, CASES[name])

    response = client.post(url, data, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    text = page_text(response)
    assert "<html" not in text
    assert ScanOperation.objects.get(op_id=data["op_id"]).response["message"] in text
    assert capture_form(response, url)["hidden"]["op_id"] != data["op_id"]


# --- refusals: French message, nothing changed ----------------------------------------------------


@dataclass(frozen=True)
class BadInput:
    screen: str
    fields: Callable[[World], dict[str, Any]]
    message: str
    recorded: bool  # a service refusal is recorded by run_once; a form error is not
    prepare: Callable[[World], None] = lambda world: None


def perishable(world: World) -> None:
    Product.objects.filter(pk=world.product.pk).update(perishable=True)


def someone_removes_two(world: World) -> None:
    stock.remove(product=world.product, quantity=2, lot=world.lot)


BAD_INPUTS = {
    "quick entry, quantity 0": BadInput(
        "stock_update",
        lambda w: {"product_code": w.product.sku, "quantity": "0"},
        "Assurez-vous que cette valeur est supérieure ou égale à 1.",
        recorded=False,
    ),
    "quick entry, quantity not a number": BadInput(
        "stock_update",
        lambda w: {"product_code": w.product.sku, "quantity": "deux"},
        "Saisissez un nombre entier.",
        recorded=False,
    ),
    "quick entry, unknown product code": BadInput(
        "stock_update",
        lambda w: {"product_code": "INCONNU-42", "quantity": "1"},
        "Aucun produit ne correspond au code « INCONNU-42 ».",
        recorded=False,
    ),
    "quick entry, perishable without expiry": BadInput(
        "stock_update",
        lambda w: {"product_code": w.product.sku, "quantity": "1"},
        "« Compresses stériles » est périssable : la date de péremption est obligatoire.",
        recorded=True,
        prepare=perishable,
    ),
    "quick entry, unknown location payload": BadInput(
        "stock_update",
        lambda w: {"product_code": w.product.sku, "quantity": "1", "location_code": "LOC:ZZ:A-1-1"},
        "Aucun emplacement ne correspond à « LOC:ZZ:A-1-1 ».",
        recorded=False,
    ),
    "remove, quantity 0": BadInput(
        "out",
        lambda w: {"product_code": w.product.sku, "quantity": "0", "reason": "scan_out"},
        "Assurez-vous que cette valeur est supérieure ou égale à 1.",
        recorded=False,
    ),
    "remove, unknown product code": BadInput(
        "out",
        lambda w: {"product_code": "INCONNU-42", "quantity": "1", "reason": "scan_out"},
        "Aucun produit ne correspond au code « INCONNU-42 ».",
        recorded=False,
    ),
    "remove, insufficient stock": BadInput(
        "out",
        lambda w: {"product_code": w.product.sku, "quantity": "11", "reason": "scan_out"},
        "Stock insuffisant : 10 disponible(s)",
        recorded=True,
    ),
    "adjust, delta 0": BadInput(
        "adjust",
        lambda w: {"lot": str(w.lot.pk), "delta": "0", "reason": "correction"},
        "La variation ne peut pas être nulle.",
        recorded=True,
    ),
    "adjust, below 0": BadInput(
        "adjust",
        lambda w: {"lot": str(w.lot.pk), "delta": "-11", "reason": "lost"},
        "Ajustement impossible : le stock deviendrait négatif (-1).",
        recorded=True,
    ),
    "count, stale": BadInput(
        "count",
        lambda w: {"lot": str(w.lot.pk), "counted": "9", "seen_on_hand": "10"},
        "Le lot a changé depuis votre lecture : quantité actuelle 8. Recomptez.",
        recorded=True,
        prepare=someone_removes_two,
    ),
    "count, negative": BadInput(
        "count",
        lambda w: {"lot": str(w.lot.pk), "counted": "-1", "seen_on_hand": "10"},
        "Assurez-vous que cette valeur est supérieure ou égale à 0.",
        recorded=False,
    ),
    "move, quantity 0": BadInput(
        "move",
        lambda w: {"product_code": w.product.sku, "quantity": "0", "to_location": str(w.there.pk)},
        "Assurez-vous que cette valeur est supérieure ou égale à 1.",
        recorded=False,
    ),
    "move, unknown product code": BadInput(
        "move",
        lambda w: {"product_code": "INCONNU-42", "to_location": str(w.there.pk)},
        "Aucun produit ne correspond au code « INCONNU-42 ».",
        recorded=False,
    ),
    "move, to the same location": BadInput(
        "move",
        lambda w: {"lot": str(w.lot.pk), "to_location": str(w.here.pk)},
        "Le lot est déjà à cet emplacement.",
        recorded=True,
    ),
    "move, more than the lot holds": BadInput(
        "move",
        lambda w: {"lot": str(w.lot.pk), "quantity": "12", "to_location": str(w.there.pk)},
        "Stock insuffisant : 10 disponible(s)",
        recorded=True,
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_in_french_and_changes_nothing(world, worker, client, case):
    case.prepare(world)
    client.force_login(worker)
    op_id = fresh_op_id()
    before = snapshot()

    response = client.post(reverse(f"scan:{case.screen}"), {"op_id": op_id, **case.fields(world)})

    assert response.status_code == 200
    assert case.message in page_text(response)
    assert snapshot() == before
    rows = ScanOperation.objects.filter(op_id=op_id)
    if case.recorded:
        assert [row.outcome for row in rows] == [OperationOutcome.REJECTED]
    else:
        assert not rows.exists()
    # The form comes back with a new operation id: the refused one is never sent again.
    assert capture_form(response, reverse(f"scan:{case.screen}"))["hidden"]["op_id"] != op_id


def test_a_stale_count_shows_the_current_quantity_to_recount(world, worker, client):
    client.force_login(worker)
    url = reverse("scan:count")
    data = capture_form(client.get(url, {"lot": world.lot.pk}), url)["hidden"]
    assert data["seen_on_hand"] == "10"
    someone_removes_two(world)

    response = client.post(url, {**data, "counted": "10"})

    assert "quantité actuelle 8" in page_text(response)
    assert capture_form(response, url)["hidden"]["seen_on_hand"] == "8"
    assert ProductLot.objects.get(pk=world.lot.pk).quantity_on_hand == 8


def test_a_refusal_is_answered_422_in_json_with_its_reason(world, worker, client):
    client.force_login(worker)
    op_id = fresh_op_id()
    data = {"op_id": op_id, "product_code": world.product.sku, "quantity": "50", "reason": "lost"}

    response = client.post(reverse("scan:out"), data, HTTP_ACCEPT="application/json")

    assert response.status_code == 422
    assert response.json() == {
        "op_id": op_id,
        "status": "rejected",
        "message": "Stock insuffisant : 10 disponible(s)",
        "code": "insufficient_stock",
    }


def test_an_invalid_form_is_answered_422_in_json_and_records_nothing(world, worker, client):
    client.force_login(worker)
    op_id = fresh_op_id()
    data = {"op_id": op_id, "product_code": "", "quantity": "1", "reason": "scan_out"}

    response = client.post(reverse("scan:out"), data, HTTP_ACCEPT="application/json")

    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "rejected"
    assert body["errors"]["product_code"] == ["Ce champ est obligatoire."]
    assert not ScanOperation.objects.exists()


def test_a_conflict_is_answered_409_in_json(world, worker, client):
    client.force_login(worker)
    op_id = fresh_op_id()
    data = {"op_id": op_id, "product_code": world.product.sku, "quantity": "1", "reason": "lost"}
    client.post(reverse("scan:out"), data)

    response = client.post(
        reverse("scan:out"), {**data, "quantity": "2"}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 409
    assert response.json()["status"] == "rejected"
    assert response.json()["code"] == "conflict"


def test_a_refusal_for_htmx_is_the_fragment_with_status_422(world, worker, client):
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "lot": str(world.lot.pk), "delta": "-20", "reason": "lost"}

    response = client.post(reverse("scan:adjust"), data, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    assert "<html" not in page_text(response)
    assert "le stock deviendrait négatif (-10)" in page_text(response)


def test_a_post_without_operation_id_is_refused_and_records_nothing(world, worker, client):
    client.force_login(worker)
    before = snapshot()

    response = client.post(
        reverse("scan:out"),
        {"product_code": world.product.sku, "quantity": "1", "reason": "scan_out"},
    )

    assert response.status_code == 200
    assert "Identifiant d'opération manquant ou invalide." in page_text(response)
    assert snapshot() == before
    assert not ScanOperation.objects.exists()


def test_the_same_operation_id_from_two_users_is_two_operations(world, worker, client):
    other = factories.worker(username="magasinier-2")
    data = {"op_id": fresh_op_id(), "product_code": world.product.sku, "quantity": "1"}
    data["reason"] = "scan_out"
    for user in (worker, other):
        client.force_login(user)
        client.post(reverse("scan:out"), data)

    assert ProductLot.objects.get(pk=world.lot.pk).quantity_on_hand == 8
    assert ScanOperation.objects.filter(op_id=data["op_id"]).count() == 2


# --- screen specifics -----------------------------------------------------------------------------


def test_quick_entry_takes_a_location_payload_a_lot_code_an_expiry_and_a_donor(
    world, worker, client
):
    donor = factories.ContactFactory(name="Pharmacie Centrale", is_donor=True)
    client.force_login(worker)
    expiry = timezone.localdate() + dt.timedelta(days=400)
    data = {
        "op_id": fresh_op_id(),
        "product_code": world.product.ean,  # the GTIN as scanned, in its EAN-13 form
        "quantity": "4",
        "expires_on": expiry.isoformat(),
        "lot_code": " LOT-77 ",
        "donor": "pharmacie centrale",
        "location_code": f"LOC:{world.there.warehouse.code}:b-02-3",
    }

    response = client.post(reverse("scan:stock_update"), data)

    assert response.status_code == 303
    lot = ProductLot.objects.get(movements__operation_id=data["op_id"])
    assert (lot.product, lot.location, lot.lot_code, lot.expires_on) == (
        world.product,
        world.there,
        "LOT-77",
        expiry,
    )
    assert lot.quantity_on_hand == 4
    assert lot.source_receipt.source_contact == donor
    assert lot.source_receipt.status == "received"


def test_quick_entry_takes_lot_and_expiry_from_a_gs1_scan(world, worker, client):
    client.force_login(worker)
    scanned = "(01)03401234567890(17)271231(10)GS1LOT"
    data = {"op_id": fresh_op_id(), "product_code": scanned, "quantity": "2"}

    response = client.post(reverse("scan:stock_update"), data)

    assert response.status_code == 303
    lot = ProductLot.objects.get(movements__operation_id=data["op_id"])
    assert (lot.product, lot.lot_code, lot.expires_on) == (
        world.product,
        "GS1LOT",
        dt.date(2027, 12, 31),
    )


def test_a_code_matching_several_products_asks_to_choose(world, worker, client):
    factories.ProductFactory(name="Compresses stériles 10x10", sku="CMP-0002")
    factories.ProductFactory(name="Compresses stériles 20x20", sku="CMP-0003")
    client.force_login(worker)
    # A name prefix shared by three products.
    data = {"op_id": fresh_op_id(), "product_code": "compresses st", "quantity": "1"}

    response = client.post(reverse("scan:out"), {**data, "reason": "scan_out"})

    assert "Plusieurs produits correspondent à « compresses st »" in page_text(response)
    assert not ScanOperation.objects.exists()


def test_quick_entry_defaults_to_the_product_location(world, worker, client):
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": world.product.sku, "quantity": "2"}

    client.post(reverse("scan:stock_update"), data)

    lot = ProductLot.objects.get(movements__operation_id=data["op_id"])
    assert lot.location == world.here


def test_quick_entry_refuses_a_scanned_location_that_differs_from_the_chosen_one(
    world, worker, client
):
    client.force_login(worker)
    data = {
        "op_id": fresh_op_id(),
        "product_code": world.product.sku,
        "quantity": "2",
        "location": str(world.here.pk),
        "location_code": f"LOC:{world.there.warehouse.code}:B-02-3",
    }
    before = snapshot()

    response = client.post(reverse("scan:stock_update"), data)

    assert "L'emplacement scanné diffère de celui choisi." in page_text(response)
    assert snapshot() == before


def test_an_unknown_code_offers_to_create_the_product_with_its_gtin(world, worker, client):
    client.force_login(worker)

    response = client.get(reverse("scan:stock_update"), {"code": "4006381333931"})

    text = page_text(response)
    assert "Créer le produit" in text
    form = capture_form(response, reverse("scan:quick_create_product"))
    assert form["hidden"]["op_id"]
    assert 'value="4006381333931"' in text
    assert '<details class="mb-4" open>' in text


def test_quick_creating_a_product_flags_it_and_returns_to_the_entry_with_its_code(
    world, worker, client
):
    client.force_login(worker)
    url = reverse("scan:quick_create_product")
    data = {"op_id": fresh_op_id(), "name": "gants nitrile M", "gtin": "4006381333931"}

    response = client.post(url, data)

    product = Product.objects.get(gtin="04006381333931")
    assert product.needs_review
    assert product.name == "Gants Nitrile M"
    assert response.status_code == 303
    assert response["Location"] == f"{reverse('scan:stock_update')}?code={product.sku}"
    client.post(url, data)
    assert Product.objects.filter(gtin="04006381333931").count() == 1


def test_quick_creating_a_product_with_a_known_gtin_is_refused(world, worker, client):
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "name": "Doublon", "gtin": world.product.ean}

    response = client.post(reverse("scan:quick_create_product"), data)

    assert "Ce GTIN est déjà celui de « Compresses stériles » (CMP-0001)." in page_text(response)
    assert not Product.objects.filter(name="Doublon").exists()


def test_quick_creating_a_donor_flags_it_and_keeps_the_product_code(world, worker, client):
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "name": "Croix Bleue", "code": world.product.sku}

    response = client.post(reverse("scan:quick_create_donor"), data, follow=True)

    donor = Contact.objects.get(name="Croix Bleue")
    assert donor.is_donor
    assert donor.needs_review
    assert response.redirect_chain[0][1] == 303
    form = response.context["form"]
    assert form["product_code"].value() == world.product.sku
    assert form["donor"].value() == "Croix Bleue"


def test_quick_entry_with_an_unknown_donor_offers_to_create_it(world, worker, client):
    client.force_login(worker)
    data = {
        "op_id": fresh_op_id(),
        "product_code": world.product.sku,
        "quantity": "1",
        "donor": "Inconnu SA",
    }

    response = client.post(reverse("scan:stock_update"), data)

    text = page_text(response)
    assert "Aucun donateur ne s'appelle « Inconnu SA » : créez-le ci-dessous." in text
    assert 'value="Inconnu SA"' in text
    assert not ScanOperation.objects.exists()


def test_remove_from_a_named_lot_bypasses_fefo(world, worker, client):
    older = stock.receive(
        product=world.product,
        quantity=5,
        location=world.here,
        expires_on=timezone.localdate() + dt.timedelta(days=30),
    )
    client.force_login(worker)
    url = reverse("scan:out")
    page = client.get(url, {"code": world.product.sku})
    assert f'<option value="{world.lot.pk}">' in page.content.decode()
    data = {**capture_form(page, url)["hidden"], "product_code": world.product.sku}
    data.update(quantity="2", reason="scan_out", lot=str(world.lot.pk))

    client.post(url, data)

    assert ProductLot.objects.get(pk=world.lot.pk).quantity_on_hand == 8
    assert ProductLot.objects.get(pk=older.pk).quantity_on_hand == 5


def test_remove_without_a_lot_takes_the_first_expired(world, worker, client):
    older = stock.receive(
        product=world.product,
        quantity=5,
        location=world.here,
        expires_on=timezone.localdate() + dt.timedelta(days=30),
    )
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": world.product.sku, "quantity": "6"}
    data["reason"] = "damaged"

    client.post(reverse("scan:out"), data)

    assert ProductLot.objects.get(pk=older.pk).quantity_on_hand == 0
    assert ProductLot.objects.get(pk=world.lot.pk).quantity_on_hand == 9


def quarantined_lot(world: World) -> ProductLot:
    return stock.receive(
        product=world.product, quantity=4, location=world.here, status=LotStatus.QUARANTINED
    )


def test_a_worker_cannot_destroy_a_quarantined_lot(world, worker, client):
    lot = quarantined_lot(world)
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": world.product.sku, "quantity": "4"}
    data.update(reason="quarantine_destruction", lot=str(lot.pk))
    before = snapshot()

    response = client.post(reverse("scan:out"), data)

    assert "seul un responsable peut le sortir" in page_text(response)
    assert snapshot() == before


def test_a_manager_destroys_a_quarantined_lot(world, manager, client):
    lot = quarantined_lot(world)
    client.force_login(manager)
    data = {"op_id": fresh_op_id(), "product_code": world.product.sku, "quantity": "4"}
    data.update(reason="quarantine_destruction", lot=str(lot.pk))

    response = client.post(reverse("scan:out"), data)

    assert response.status_code == 303
    movement = StockMovement.objects.get(operation_id=data["op_id"])
    assert (movement.lot, movement.delta, movement.reason_code) == (
        lot,
        -4,
        "quarantine_destruction",
    )
    assert movement.user == manager


def test_move_of_part_of_a_named_lot_to_a_scanned_location(world, worker, client):
    client.force_login(worker)
    url = reverse("scan:move")
    page = client.get(url, {"lot": world.lot.pk})
    assert f'<option value="{world.lot.pk}" selected>' in page.content.decode()
    data = {**capture_form(page, url)["hidden"], "product_code": world.product.sku}
    data.update(lot=str(world.lot.pk), quantity="4")
    data["to_location_code"] = world.there.qr_payload

    client.post(url, data)

    assert ProductLot.objects.get(pk=world.lot.pk).quantity_on_hand == 6
    moved = ProductLot.objects.get(location=world.there)
    assert (moved.quantity_on_hand, moved.lot_code) == (4, "L-10")


def test_move_needs_a_destination(world, worker, client):
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": world.product.sku}

    response = client.post(reverse("scan:move"), data)

    assert "Choisissez ou scannez la destination." in page_text(response)
    assert not ScanOperation.objects.exists()


def test_adjust_and_count_list_the_lots_of_a_scanned_product(world, worker, client):
    client.force_login(worker)
    for name in ("adjust", "count"):
        response = client.get(reverse(f"scan:{name}"), {"code": world.product.sku})
        assert f'href="{reverse(f"scan:{name}")}?lot={world.lot.pk}"' in response.content.decode()


def test_a_count_equal_to_the_stock_writes_nothing(world, worker, client):
    client.force_login(worker)
    url = reverse("scan:count")
    data = {**capture_form(client.get(url, {"lot": world.lot.pk}), url)["hidden"], "counted": "10"}

    response = client.post(url, data, follow=True)

    assert not StockMovement.objects.filter(operation_id=data["op_id"]).exists()
    assert ScanOperation.objects.get(op_id=data["op_id"]).outcome == OperationOutcome.APPLIED
    assert len(flash_messages(response)) == 1


def test_capture_screens_carry_labels_and_no_inline_script_or_style(world, worker, client):
    client.force_login(worker)
    for name, query in [
        ("stock_update", {"code": "inconnu"}),
        ("out", {"code": world.product.sku}),
        ("adjust", {"lot": world.lot.pk}),
        ("count", {"lot": world.lot.pk}),
        ("move", {"code": world.product.sku}),
    ]:
        text = client.get(reverse(f"scan:{name}"), query).content.decode()
        assert "<script>" not in text and "style=" not in text and "<style" not in text
        parser = CaptureFormParser()
        parser.feed(text)
        assert parser.forms
        for input_id in _visible_input_ids(text):
            assert f'for="{input_id}"' in text, f"{name}: no label for #{input_id}"


def _visible_input_ids(text: str) -> list[str]:
    class Inputs(HTMLParser):
        ids: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            attributes = dict(attrs)
            if tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
                self.ids.append(attributes.get("id") or "")

    parser = Inputs()
    parser.ids = []
    parser.feed(text)
    return parser.ids


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_URLS)
def test_a_worker_opens_every_capture_screen(world, worker, client, name):
    client.force_login(worker)
    assert client.get(reverse(f"scan:{name}")).status_code == 200
    assert client.head(reverse(f"scan:{name}")).status_code == 200


@pytest.mark.parametrize("name", ALL_URLS)
def test_a_user_without_staff_role_gets_403_and_changes_nothing(world, outsider, client, name):
    client.force_login(outsider)
    before = snapshot()
    assert client.get(reverse(f"scan:{name}")).status_code == 403
    data = {"op_id": fresh_op_id(), "product_code": world.product.sku, "quantity": "1"}
    assert client.post(reverse(f"scan:{name}"), data).status_code == 403
    assert snapshot() == before
    assert not ScanOperation.objects.exists()


@pytest.mark.parametrize("name", ALL_URLS)
def test_anonymous_users_are_sent_to_the_login(world, client, name):
    url = reverse(f"scan:{name}")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('scan:login')}?next=")
    assert client.post(url, {"op_id": fresh_op_id()}).status_code == 302
    assert not ScanOperation.objects.exists()


@pytest.mark.parametrize("name", ALL_URLS)
def test_capture_screens_refuse_other_methods(world, worker, client, name):
    client.force_login(worker)
    assert client.put(reverse(f"scan:{name}")).status_code == 405


def test_a_capture_post_without_csrf_token_is_refused(world, worker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": world.product.sku, "quantity": "1"}
    assert client.post(reverse("scan:stock_update"), data).status_code == 403
    assert not ScanOperation.objects.exists()


# --- query budgets --------------------------------------------------------------------------------


def grow_catalogue(world: World, products: int) -> None:
    """More products, each with a lot at its own location, donors and categories."""
    existing = Product.objects.count()
    for number in range(existing, products):
        product = factories.ProductFactory()
        stock.receive(product=product, quantity=3, lot_code=f"X{number}")
        stock.receive(product=world.product, quantity=1, location=world.there, actor=Actor())
        factories.ContactFactory(is_donor=True)


SCREEN_QUERIES = {
    "stock_update": lambda w: {"code": w.product.sku},
    "out": lambda w: {"code": w.product.sku},
    "adjust": lambda w: {"lot": w.lot.pk},
    "count": lambda w: {"lot": w.lot.pk},
    "move": lambda w: {"code": w.product.sku},
    "lots to adjust": lambda w: {"code": w.product.sku},
}


def queries_for(client: Client, url: str, query: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", SCREEN_QUERIES.keys())
def test_screen_queries_do_not_grow_with_the_catalogue(
    world, worker, client, django_assert_max_num_queries, name
):
    url = reverse("scan:adjust" if name == "lots to adjust" else f"scan:{name}")
    client.force_login(worker)
    grow_catalogue(world, 3)
    small = queries_for(client, url, SCREEN_QUERIES[name](world))
    grow_catalogue(world, 30)
    with django_assert_max_num_queries(16):
        large = queries_for(client, url, SCREEN_QUERIES[name](world))
    assert large == small


def test_json_answers_are_json(world, worker, client):
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": world.product.sku, "quantity": "1"}
    response = client.post(reverse("scan:stock_update"), data, HTTP_ACCEPT="application/json")
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["status"] == "applied"


def test_the_lot_lookup_says_when_no_product_matches(world, worker, client):
    client.force_login(worker)

    response = client.get(reverse("scan:count"), {"code": "INCONNU-42"})

    assert "Aucun produit ne correspond au code « INCONNU-42 »." in page_text(response)
    assert 'name="seen_on_hand"' not in response.content.decode()
