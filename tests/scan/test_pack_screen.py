"""The pack screen (/scan/pack/) and the carton plan (/scan/pack/plan/): packing is a capture that
applies once per operation id, answers the outbox in JSON, refuses in French without changing
anything, and the plan spreads lines over cartons and creates them all or none."""

from __future__ import annotations

import html
import uuid
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from scan.models import OperationOutcome, ScanOperation
from tests.factories import CartonFormatFactory, ProductFactory
from tests.html_forms import FormParser
from tests.shipping_helpers import scene, stocked_product
from tests.stock_helpers import ledger_is_clean, snapshot
from wms.models import (
    Carton,
    CartonFormat,
    CartonItem,
    CartonStatus,
    MovementType,
    Product,
    StockMovement,
)
from wms.services import packing
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db


PACK = "/scan/pack/"
PLAN = "/scan/pack/plan/"


# --- helpers (the carton list's tests use them too) -----------------------------------------------


def post_forms(response: Any, action: str) -> list[dict[str, Any]]:
    parser = FormParser()
    parser.feed(response.content.decode())
    return [
        form
        for form in parser.forms
        if form["attrs"].get("action") == action and form["attrs"].get("method") == "post"
    ]


def post_form(response: Any, action: str, offline: str = "queue") -> dict[str, Any]:
    forms = post_forms(response, action)
    assert len(forms) == 1, f"one form posting to {action}"
    assert forms[0]["attrs"].get("data-offline") == offline
    return forms[0]


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def flash_messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def fr(msgid: str, **params: Any) -> str:
    """A new UI string as the French screen shows it (its translation once the catalogue has it)."""
    with translation.override("fr"):
        text = translation.gettext(msgid)
    return text % params if params else text


def fresh_op_id() -> str:
    return str(uuid.uuid4())


def packed(product: Product, quantity: int = 3, **kwargs: Any) -> Carton:
    return packing.pack(product=product, quantity=quantity, actor=Actor(), **kwargs).carton


@pytest.fixture
def standard(db: None) -> CartonFormat:
    return CartonFormatFactory(name="Standard")  # 40 × 30 × 30 cm, 8000 g, the default


@pytest.fixture
def product(standard: CartonFormat) -> Product:
    return stocked_product(20, name="Paracétamol", sku="PARA-500")  # 100 g, 500 cm³, lot L1


def pack_data(client: Client, **fields: Any) -> dict[str, Any]:
    """The pack screen's hidden fields as rendered (op_id, CSRF) plus what the worker types."""
    page = client.get(PACK)
    assert page.status_code == 200
    form = post_form(page, PACK)
    uuid.UUID(form["hidden"]["op_id"], version=4)
    return {**form["hidden"], **fields}


# --- pack: a capture ------------------------------------------------------------------------------


def test_packing_into_a_new_carton_completes_as_a_plain_form_post(product, standard, worker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker)
    data = pack_data(client, product_code=product.sku, quantity="3")

    response = client.post(PACK, data, follow=True)

    carton = Carton.objects.get()
    assert response.redirect_chain == [(f"{PACK}?carton={carton.code}", 303)]
    row = ScanOperation.objects.get(op_id=data["op_id"])
    assert (row.kind, row.outcome) == ("pack", OperationOutcome.APPLIED)
    assert flash_messages(response) == [row.response["message"]]
    assert carton.code in row.response["message"]
    assert "3 × Paracétamol" in row.response["message"]
    assert (carton.status, carton.carton_format, carton.prepared_by) == (
        CartonStatus.PICKING,
        standard,
        worker,
    )
    assert [(item.lot.product, item.quantity) for item in carton.items.all()] == [(product, 3)]
    movement = StockMovement.objects.get(operation_id=data["op_id"])
    assert (movement.movement_type, movement.delta, movement.carton) == (
        MovementType.PRECONDITION,
        -3,
        carton,
    )
    assert ledger_is_clean()
    # The carton stays on screen: its content, a Close button, and the next scan goes into it.
    text = page_text(response)
    assert f'data-carton="{carton.pk}"' in text
    assert "Paracétamol · L1 × 3" in text
    close = post_form(response, reverse("scan:carton_close", args=[carton.pk]))
    assert close["hidden"]["back"] == "pack"
    assert response.context["form"]["carton"].value() == carton.code


def test_the_pack_screen_links_the_carton_documents_when_printing_exists(product, worker, client):
    carton = packed(product)
    client.force_login(worker)
    text = client.get(PACK, {"carton": carton.code}).content.decode()
    for name in ("print_carton_packing_list", "print_carton_picking_list"):
        try:
            url = reverse(f"scan:{name}", args=[carton.pk])
        except NoReverseMatch:  # the printing screens are built by another task
            continue
        assert f'href="{url}"' in text


def test_replaying_a_pack_moves_nothing_more_and_answers_the_same(product, worker, client):
    client.force_login(worker)
    data = pack_data(client, product_code=product.sku, quantity="3")
    first = client.post(PACK, data, follow=True)
    before = snapshot()

    again = client.post(PACK, data, follow=True)

    assert snapshot() == before
    assert Carton.objects.count() == 1
    assert CartonItem.objects.get().quantity == 3
    assert flash_messages(again) == flash_messages(first)
    assert again.redirect_chain == first.redirect_chain
    assert ScanOperation.objects.filter(op_id=data["op_id"]).count() == 1


def test_the_same_operation_id_with_another_body_is_a_conflict(product, worker, client):
    client.force_login(worker)
    data = pack_data(client, product_code=product.sku, quantity="3")
    client.post(PACK, data)
    before = snapshot()

    response = client.post(PACK, {**data, "quantity": "4"})

    assert response.status_code == 409
    assert "Cet identifiant d'opération a déjà servi pour une autre saisie." in page_text(response)
    assert snapshot() == before


def test_the_pack_screen_answers_json_to_the_outbox(product, worker, client):
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": product.sku, "quantity": "2"}

    response = client.post(PACK, data, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    body = response.json()
    carton = Carton.objects.get()
    assert (body["op_id"], body["status"], body["replayed"]) == (data["op_id"], "applied", False)
    assert body["message"] == ScanOperation.objects.get(op_id=data["op_id"]).response["message"]
    assert body["data"]["carton_id"] == carton.pk
    assert body["data"]["carton_code"] == carton.code
    replay = client.post(PACK, data, HTTP_ACCEPT="application/json").json()
    assert (replay["status"], replay["message"], replay["replayed"]) == (
        "applied",
        body["message"],
        True,
    )
    assert StockMovement.objects.filter(operation_id=data["op_id"]).count() == 1


def test_a_pack_refusal_is_answered_422_in_json_with_its_reason(product, worker, client):
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": product.sku, "quantity": "21"}

    response = client.post(PACK, data, HTTP_ACCEPT="application/json")

    assert response.status_code == 422
    assert response.json() == {
        "op_id": data["op_id"],
        "status": "rejected",
        "message": "« Paracétamol » : Stock insuffisant : 20 disponible(s)",
        "code": "insufficient_stock",
    }


def test_an_invalid_pack_is_answered_422_in_json_and_records_nothing(product, worker, client):
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": "", "quantity": "1"}

    response = client.post(PACK, data, HTTP_ACCEPT="application/json")

    assert response.status_code == 422
    assert response.json()["errors"]["product_code"] == ["Ce champ est obligatoire."]
    assert not ScanOperation.objects.exists()


def test_an_htmx_pack_gets_the_fragment_with_its_message_and_carton(product, worker, client):
    client.force_login(worker)
    data = pack_data(client, product_code=product.sku, quantity="2")

    response = client.post(PACK, data, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    text = page_text(response)
    carton = Carton.objects.get()
    assert "<html" not in text
    assert ScanOperation.objects.get(op_id=data["op_id"]).response["message"] in text
    assert f'data-carton="{carton.pk}"' in text
    assert post_form(response, PACK)["hidden"]["op_id"] != data["op_id"]
    assert f'value="{carton.code}"' in text  # the next scan goes into the same carton


def test_packing_into_an_open_carton_adds_to_it(product, worker, client):
    carton = packed(product, 2)
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": product.sku, "quantity": "3"}

    response = client.post(PACK, {**data, "carton": carton.code.lower()})

    assert response.status_code == 303
    assert Carton.objects.count() == 1
    assert CartonItem.objects.get(carton=carton).quantity == 5


def test_a_carton_is_found_by_its_date_and_number_when_its_letters_changed(product, worker, client):
    carton = packing.create_carton(actor=Actor())  # "XX-…" until something is packed
    typed = carton.code
    packed(product, 1, carton=carton)
    carton.refresh_from_db()
    assert carton.code != typed
    client.force_login(worker)

    response = client.post(
        PACK,
        {"op_id": fresh_op_id(), "product_code": product.sku, "quantity": "1", "carton": typed},
    )

    assert response.status_code == 303
    assert CartonItem.objects.get(carton=carton).quantity == 2


def test_a_new_carton_takes_the_chosen_format(product, worker, client):
    small = CartonFormatFactory(
        name="Petit", length_cm=20, width_cm=20, height_cm=20, is_default=False
    )
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": product.sku, "quantity": "1"}

    client.post(PACK, {**data, "carton_format": str(small.pk)})

    carton = Carton.objects.get()
    assert carton.carton_format == small
    assert (carton.length_cm, carton.width_cm, carton.height_cm) == (20, 20, 20)


def test_a_new_carton_takes_custom_dimensions(product, worker, client):
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": product.sku, "quantity": "1"}
    data.update(length="50,5", width="40", height="35", max_weight="12000")

    response = client.post(PACK, data)

    assert response.status_code == 303
    carton = Carton.objects.get()
    assert carton.carton_format is None
    assert (carton.length_cm, carton.width_cm, carton.height_cm, carton.max_weight_g) == (
        Decimal("50.5"),
        40,
        35,
        12000,
    )


def test_custom_dimensions_without_a_weight_take_the_usual_maximum(product, worker, client):
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": product.sku, "quantity": "1"}

    client.post(PACK, {**data, "length": "30", "width": "30", "height": "30"})

    assert Carton.objects.get().max_weight_g == 8000


def test_packing_for_a_shipment_takes_the_stock_out_for_it(worker, client):
    world = scene()
    product = stocked_product(10)
    shipment = world.shipment()
    client.force_login(worker)
    data = {"op_id": fresh_op_id(), "product_code": product.sku, "quantity": "4"}

    response = client.post(PACK, {**data, "shipment": shipment.reference})

    assert response.status_code == 303
    carton = Carton.objects.get()
    assert carton.shipment == shipment
    movement = StockMovement.objects.get(operation_id=data["op_id"])
    assert (movement.movement_type, movement.shipment) == (MovementType.OUT, shipment)
    # The next carton of the screen stays in the same shipment.
    page = client.get(response["Location"])
    assert page.context["form"]["shipment"].value() == shipment.reference


def test_the_pack_screen_offers_a_packed_product_and_a_kit(standard, worker, client):
    product = stocked_product(10, sku="GANT-M")
    kit = ProductFactory(name="Kit pansement", sku="KIT-1")
    kit.kit_items.create(component=product, quantity=2)
    client.force_login(worker)

    response = client.post(PACK, {"op_id": fresh_op_id(), "product_code": "KIT-1", "quantity": "3"})

    assert response.status_code == 303
    assert [(item.lot.product, item.quantity) for item in CartonItem.objects.all()] == [
        (product, 6)
    ]


# --- pack: refusals leave everything as it was ----------------------------------------------------


def close(carton: Carton) -> Carton:
    return packing.close_carton(carton=carton, actor=Actor())


def shipped(carton: Carton) -> Carton:
    Carton.objects.filter(pk=carton.pk).update(status=CartonStatus.SHIPPED)
    return carton


REFUSALS = {
    "insufficient stock": (
        lambda p: {"quantity": "21"},
        lambda p: "« Paracétamol » : Stock insuffisant : 20 disponible(s)",
        True,
    ),
    "closed carton": (
        lambda p: {"carton": close(packed(p)).code},
        lambda p: (
            f"Le carton {Carton.objects.get().code} est fermé : un responsable doit le rouvrir."
        ),
        True,
    ),
    "shipped carton": (
        lambda p: {"carton": shipped(packed(p)).code},
        lambda p: f"Le carton {Carton.objects.get().code} est expédié.",
        True,
    ),
    "dimensions not a number": (
        lambda p: {"length": "40", "width": "large", "height": "30"},
        lambda p: "La largeur doit être un nombre (en cm).",
        False,
    ),
    "dimension too large": (
        lambda p: {"length": "900", "width": "30", "height": "30"},
        lambda p: "La longueur doit être comprise entre 0,1 et 500 cm.",
        False,
    ),
    "weight of zero": (
        lambda p: {"length": "30", "width": "30", "height": "30", "max_weight": "0"},
        lambda p: "Le poids maximal doit être compris entre 1 et 1 000 000 g.",
        False,
    ),
    "unknown product": (
        lambda p: {"product_code": "INCONNU-42"},
        lambda p: "Aucun produit ne correspond au code « INCONNU-42 ».",
        False,
    ),
    "quantity 0": (
        lambda p: {"quantity": "0"},
        lambda p: "Assurez-vous que cette valeur est supérieure ou égale à 1.",
        False,
    ),
    "unknown carton": (
        lambda p: {"carton": "ZZ-19990101-9"},
        lambda p: fr("No carton has the code “%(code)s”.", code="ZZ-19990101-9"),
        False,
    ),
    "unknown shipment": (
        lambda p: {"shipment": "990001"},
        lambda p: fr("No shipment has the reference “%(ref)s”.", ref="990001"),
        False,
    ),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_pack_says_why_in_french_and_changes_nothing(product, worker, client, case):
    fields, message, recorded = case
    data = {"product_code": product.sku, "quantity": "3", **fields(product)}
    cartons_before = list(Carton.objects.values())
    items_before = list(CartonItem.objects.values())
    client.force_login(worker)
    op_id = fresh_op_id()
    before = snapshot()

    response = client.post(PACK, {"op_id": op_id, **data})

    assert response.status_code == 200
    assert message(product) in page_text(response)
    assert snapshot() == before
    assert list(Carton.objects.values()) == cartons_before
    assert list(CartonItem.objects.values()) == items_before
    rows = ScanOperation.objects.filter(op_id=op_id)
    if recorded:
        assert [row.outcome for row in rows] == [OperationOutcome.REJECTED]
    else:
        assert not rows.exists()
    assert post_form(response, PACK)["hidden"]["op_id"] != op_id


def test_packing_for_a_shipped_shipment_is_refused(worker, client):
    world = scene()
    shipment = world.packed_shipment(cartons=1)
    product = stocked_product(5)
    type(shipment).objects.filter(pk=shipment.pk).update(status="shipped")
    client.force_login(worker)
    before = snapshot()

    response = client.post(
        PACK,
        {
            "op_id": fresh_op_id(),
            "product_code": product.sku,
            "quantity": "1",
            "shipment": shipment.reference,
        },
    )

    assert "ne peut plus être modifiée" in page_text(response)
    assert snapshot() == before


def test_a_pack_without_a_default_format_asks_for_a_size(worker, client):
    product = stocked_product(5)  # no carton format at all
    client.force_login(worker)
    before = snapshot()

    response = client.post(
        PACK, {"op_id": fresh_op_id(), "product_code": product.sku, "quantity": "1"}
    )

    assert "Aucun format de carton par défaut" in page_text(response)
    assert snapshot() == before
    assert not Carton.objects.exists()


# --- the screen -----------------------------------------------------------------------------------


def test_the_pack_screen_preselects_the_default_format(product, standard, worker, client):
    CartonFormatFactory(name="Grand", is_default=False, length_cm=60)
    CartonFormatFactory(name="Retiré", is_default=False, is_active=False)
    client.force_login(worker)

    text = client.get(PACK).content.decode()

    assert f'<option value="{standard.pk}" selected>' in text
    assert "Grand" in text
    assert "Retiré" not in text


def test_the_pack_screen_has_labels_and_no_inline_script_or_style(product, worker, client):
    carton = packed(product)
    client.force_login(worker)
    for query in ({}, {"carton": carton.code}, {"code": product.sku}):
        text = client.get(PACK, query).content.decode()
        assert "<script>" not in text and "style=" not in text and "<style" not in text
        for input_id in visible_input_ids(text):
            assert f'for="{input_id}"' in text, f"no label for #{input_id}"
    assert 'data-target="id_product_code"' in text


def visible_input_ids(text: str) -> list[str]:
    class Inputs(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.ids: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            attributes = dict(attrs)
            if tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
                self.ids.append(attributes.get("id") or "")

    parser = Inputs()
    parser.feed(text)
    return parser.ids


def test_the_pack_shell_holds_the_empty_form_and_no_data(product, client):
    carton = packed(product)
    response = client.get("/scan/shell/pack/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-shell" in body
    assert 'data-offline="queue"' in body
    assert '<input type="hidden" name="op_id" value="">' in body
    assert "csrfmiddlewaretoken" not in body
    assert 'data-target="id_product_code"' in body
    assert carton.code not in body
    assert "Standard" not in body  # master data stays behind the login
    assert "no-cache" in response["Cache-Control"]


def test_the_pack_page_queries_do_not_grow_with_the_cartons(
    product, worker, client, django_assert_max_num_queries
):
    client.force_login(worker)

    def carton_with(lines: int) -> Carton:
        carton = packed(product, 1)
        for number in range(lines - 1):
            other = stocked_product(3, category="Logistique", sku=f"LOG-{lines}-{number}")
            packed(other, 1, carton=carton)
        carton.refresh_from_db()  # its type letters follow its content
        return carton

    small, large = carton_with(1), carton_with(12)
    with django_assert_max_num_queries(16) as small_queries:
        assert client.get(PACK, {"carton": small.code}).status_code == 200
    with django_assert_max_num_queries(len(small_queries.captured_queries)) as large_queries:
        assert client.get(PACK, {"carton": large.code}).status_code == 200
    assert len(large_queries.captured_queries) == len(small_queries.captured_queries)


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PACK, PLAN])
def test_a_worker_and_a_manager_open_the_packing_screens(product, worker, manager, client, url):
    for user in (worker, manager):
        client.force_login(user)
        assert client.get(url).status_code == 200
        assert client.head(url).status_code == 200


@pytest.mark.parametrize("url", [PACK, PLAN])
def test_a_user_without_staff_role_cannot_pack(product, outsider, client, url):
    client.force_login(outsider)
    before = snapshot()
    assert client.get(url).status_code == 403
    data = {"op_id": fresh_op_id(), "product_code": product.sku, "quantity": "1"}
    data.update(code_1=product.sku, quantity_1="1", action="create")
    assert client.post(url, data).status_code == 403
    assert snapshot() == before
    assert not Carton.objects.exists()
    assert not ScanOperation.objects.exists()


@pytest.mark.parametrize("url", [PACK, PLAN])
def test_anonymous_users_are_sent_to_the_login_from_packing(product, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('scan:login')}?next=")
    assert client.post(url, {"op_id": fresh_op_id()}).status_code == 302
    assert not ScanOperation.objects.exists()


@pytest.mark.parametrize("url", [PACK, PLAN])
def test_the_packing_screens_refuse_other_methods(worker, client, url):
    client.force_login(worker)
    assert client.put(url).status_code == 405


# --- the carton plan (bin packing) ----------------------------------------------------------------


def plan_data(client: Client, *lines: tuple[str, int], **fields: Any) -> dict[str, Any]:
    page = client.get(PLAN)
    data = dict(post_form(page, PLAN, offline="online")["hidden"])
    for number, (code, quantity) in enumerate(lines, start=1):
        data[f"code_{number}"] = code
        data[f"quantity_{number}"] = str(quantity)
    return {**data, **fields}


def test_a_plan_shows_the_cartons_and_changes_nothing(product, worker, client):
    gauze = stocked_product(200, name="Compresses", sku="CMP-1", weight_g=10, volume_cm3=100)
    client.force_login(worker)
    before = snapshot()

    response = client.post(
        PLAN, plan_data(client, (product.sku, 80), (gauze.sku, 100), action="plan")
    )

    assert response.status_code == 200
    plan = response.context["plan"]
    # 80 × 500 cm³ = 40,000 cm³ and 100 × 100 cm³ for cartons of 36,000 cm³: two cartons.
    assert [carton.contents for carton in plan.cartons] == [
        [("Paracétamol", 72)],
        [("Paracétamol", 8), ("Compresses", 100)],
    ]
    assert [(c.volume_percent, c.weight_percent) for c in plan.cartons] == [(100, 90), (39, 23)]
    text = page_text(response)
    assert "Paracétamol × 72" in text
    assert 'name="action" value="create"' in text
    assert snapshot() == before
    assert not ScanOperation.objects.exists()
    assert not Carton.objects.exists()


def test_a_plan_takes_a_custom_size(product, worker, client):
    client.force_login(worker)
    data = plan_data(client, (product.sku, 10), action="plan")
    data.update(length="10", width="10", height="10", max_weight="1000")

    response = client.post(PLAN, data)

    # 1000 cm³ and 1000 g hold two units of 500 cm³: five cartons.
    assert len(response.context["plan"].cartons) == 5


def test_the_same_product_on_two_lines_is_planned_as_one(product, worker, client):
    client.force_login(worker)

    response = client.post(
        PLAN, plan_data(client, (product.sku, 2), (product.sku.lower(), 3), action="plan")
    )

    assert [c.contents for c in response.context["plan"].cartons] == [[("Paracétamol", 5)]]


def test_a_product_without_weight_or_volume_asks_to_confirm_the_defaults(product, worker, client):
    bare = stocked_product(10, name="Savon", sku="SAV-1", weight_g=None, volume_cm3=None)
    client.force_login(worker)
    data = plan_data(client, (product.sku, 2), (bare.sku, 4), action="plan")

    response = client.post(PLAN, data)

    text = page_text(response)
    assert "Poids et volume inconnus pour : Savon." in text
    assert response.context["plan"] is None
    assert response.context["missing_dimensions"] is True
    assert 'name="use_defaults"' in text
    assert "data-missing-dimensions" in text

    confirmed = client.post(PLAN, {**data, "use_defaults": "on"})

    assert "Poids et volume inconnus" not in page_text(confirmed)
    assert [c.contents for c in confirmed.context["plan"].cartons] == [
        [("Paracétamol", 2), ("Savon", 4)]
    ]


def test_a_unit_larger_than_the_carton_is_a_clear_error(worker, client, standard):
    huge = stocked_product(3, name="Brancard", sku="BRC-1", weight_g=9000, volume_cm3=1000)
    client.force_login(worker)

    response = client.post(PLAN, plan_data(client, (huge.sku, 1), action="plan"))

    assert "Une unité est plus grande ou plus lourde que le carton : Brancard." in page_text(
        response
    )
    assert response.context["plan"] is None


@pytest.mark.parametrize(
    ("lines", "fields", "message"),
    [
        ([("INCONNU-42", 2)], {}, "Aucun produit ne correspond au code « INCONNU-42 »."),
        ([], {}, "Enter at least one product and its quantity."),
        ([("PARA-500", 0)], {}, "Assurez-vous que cette valeur est supérieure ou égale à 1."),
        ([("PARA-500", 1)], {"length": "abc"}, "La longueur doit être un nombre (en cm)."),
    ],
)
def test_a_plan_with_bad_input_says_why(product, worker, client, lines, fields, message):
    client.force_login(worker)
    response = client.post(PLAN, plan_data(client, *lines, action="plan", **fields))
    expected = fr(message) if message.startswith("Enter") else message
    assert expected in page_text(response)
    assert response.context["plan"] is None


def test_a_line_with_a_product_but_no_quantity_is_refused(product, worker, client):
    client.force_login(worker)
    data = plan_data(client, action="plan", code_1=product.sku)
    response = client.post(PLAN, data)
    assert fr("Enter the quantity of this line.") in page_text(response)


def test_creating_the_planned_cartons_packs_each_once(product, worker, client):
    gauze = stocked_product(200, name="Compresses", sku="CMP-1", weight_g=10, volume_cm3=100)
    client.force_login(worker)
    # 10,000 + 10,000 cm³ and 3,000 g: one carton.
    data = plan_data(client, (product.sku, 20), (gauze.sku, 100), action="create")

    response = client.post(PLAN, data, follow=True)

    carton = Carton.objects.get()
    assert response.redirect_chain == [(f"{PLAN}?cartons={carton.pk}", 303)]
    row = ScanOperation.objects.get(op_id=data["op_id"])
    assert (row.kind, row.outcome) == ("pack_plan", OperationOutcome.APPLIED)
    assert row.response["carton_ids"] == [carton.pk]
    assert carton.code in row.response["message"]
    assert sorted((i.lot.product.sku, i.quantity) for i in carton.items.all()) == [
        ("CMP-1", 100),
        ("PARA-500", 20),
    ]
    assert carton.carton_format.name == "Standard"
    text = page_text(response)
    assert f'data-carton="{carton.pk}"' in text
    assert ledger_is_clean()
    before = snapshot()

    again = client.post(PLAN, data, HTTP_ACCEPT="application/json")

    assert again.json()["replayed"] is True
    assert again.json()["data"]["carton_ids"] == [carton.pk]
    assert snapshot() == before
    assert Carton.objects.count() == 1


def test_creating_several_planned_cartons_with_a_custom_size(product, worker, client):
    client.force_login(worker)
    data = plan_data(client, (product.sku, 10), action="create")
    data.update(length="10", width="10", height="10", max_weight="1000")

    response = client.post(PLAN, data)

    assert response.status_code == 303
    cartons = list(Carton.objects.order_by("pk"))
    assert len(cartons) == 5
    assert {carton.carton_format for carton in cartons} == {None}
    assert [carton.items.get().quantity for carton in cartons] == [2, 2, 2, 2, 2]


def test_the_planned_cartons_are_created_all_or_none(product, worker, client):
    short = stocked_product(3, name="Gants", sku="GNT-1", weight_g=10, volume_cm3=100)
    client.force_login(worker)
    data = plan_data(client, (product.sku, 20), (short.sku, 5), action="create")
    before = snapshot()

    response = client.post(PLAN, data)

    assert response.status_code == 200
    assert "« Gants » : Stock insuffisant : 3 disponible(s)" in page_text(response)
    assert snapshot() == before
    assert not Carton.objects.exists()
    assert ScanOperation.objects.get(op_id=data["op_id"]).outcome == OperationOutcome.REJECTED
    # The plan is still shown to correct it.
    assert response.context["plan"] is not None


def test_creating_cartons_with_missing_dimensions_needs_the_confirmation(product, worker, client):
    bare = stocked_product(10, name="Savon", sku="SAV-1", weight_g=None, volume_cm3=None)
    client.force_login(worker)
    refused = plan_data(client, (bare.sku, 4), action="create")

    response = client.post(PLAN, refused)

    assert "Poids et volume inconnus pour : Savon." in page_text(response)
    assert not Carton.objects.exists()

    accepted = plan_data(client, (bare.sku, 4), action="create", use_defaults="on")
    assert client.post(PLAN, accepted).status_code == 303
    assert CartonItem.objects.get().quantity == 4


def test_an_htmx_plan_creation_gets_the_fragment_with_the_cartons(product, worker, client):
    client.force_login(worker)
    data = plan_data(client, (product.sku, 2), action="create")

    response = client.post(PLAN, data, HTTP_HX_REQUEST="true")

    text = page_text(response)
    carton = Carton.objects.get()
    assert response.status_code == 200
    assert "<html" not in text
    assert f'data-carton="{carton.pk}"' in text
    assert ScanOperation.objects.get(op_id=data["op_id"]).response["message"] in text


def test_a_plan_needing_too_many_cartons_is_refused(worker, client, standard):
    heavy = stocked_product(10, name="Eau", sku="EAU-1", weight_g=7000, volume_cm3=100)
    client.force_login(worker)
    data = plan_data(client, ("EAU-1", 200), action="plan")
    response = client.post(PLAN, data)
    assert response.context["plan"] is None
    assert "Ces lignes demandent plus de 100 cartons : divisez-les." in page_text(response)
    assert heavy.sku == "EAU-1"
