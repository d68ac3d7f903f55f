"""The admin of cartons and shipments (S-ROLES, S-CARTONS, S-SHIPMENTS): who gets in, contents and
statuses read-only, unpack / reopen / deliver / override through the services, checked document
uploads, and changelists whose query count does not grow with their rows."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from tests import factories
from tests.shipping_helpers import Scene, scene, stocked_product
from tests.wms.admin_support import management_form, page_text
from wms.models import (
    Carton,
    CartonStatus,
    ProductLot,
    Shipment,
    ShipmentDocument,
    ShipmentStatus,
    StatusChange,
    StockMovement,
    TrackingStep,
)
from wms.services import packing, shipping

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "/admin/wms/destination/",
    "/admin/wms/cartonformat/",
    "/admin/wms/carton/",
    "/admin/wms/shipment/",
]
PDF = b"%PDF-1.4\n%demo\n"
INLINE_PREFIXES = ("cartons", "documents", "tracking_events", "status_changes")


@pytest.fixture
def boss(manager: User) -> User:
    return User.objects.get(pk=manager.pk)


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root-test", "root@example.org", "x")


@pytest.fixture
def stage(boss: User) -> Scene:
    return scene(boss)


@pytest.fixture
def packed(stage: Scene) -> Shipment:
    return stage.packed_shipment(cartons=2, units=3)


def clerk_with(*codenames: str) -> User:
    """Staff holding model permissions but not the manager capability."""
    clerk = factories.UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return clerk


def run_action(client, changelist: str, action: str, pks: list[int], **extra: str):
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0", **extra}
    return client.post(changelist, data, follow=True)


def ledger_exit_code() -> int:
    try:
        call_command("check_stock_ledger", stdout=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def on_hand(product_id: int) -> int:
    return sum(ProductLot.objects.filter(product_id=product_id).values_list(
        "quantity_on_hand", flat=True
    ))  # fmt: skip


def shipment_form(shipment: Shipment, **fields: str) -> dict[str, str]:
    """The change form as posted: its editable fields and every inline's management form."""
    data = {
        "notes": shipment.notes,
        "requested_delivery_date": "",
        "flight_date": "",
        "flight_number": "",
        "awb_number": "",
    }
    for prefix in INLINE_PREFIXES:
        data.update(management_form(prefix))
    data.update(fields)
    return data


# --- who gets in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", CHANGELISTS)
def test_a_manager_opens_every_shipping_changelist(client, boss, packed, url):
    client.force_login(boss)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", CHANGELISTS)
def test_a_worker_is_sent_to_the_admin_login(client, worker, url):
    client.force_login(worker)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", CHANGELISTS)
def test_anonymous_is_sent_to_the_admin_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_manager_opens_the_carton_and_shipment_pages_with_their_history(client, boss, packed):
    shipping.ship(shipment=packed, actor=shipping.Actor(user=boss))
    shipping.record_step(
        shipment=packed,
        step=TrackingStep.RECEIVED_CORRESPONDENT,
        actor_name="Hery",
        actor_structure="ASF Madagascar",
        actor=shipping.Actor(),
    )
    carton = packed.cartons.first()
    client.force_login(boss)
    body = page_text(client.get(f"/admin/wms/shipment/{packed.pk}/change/"))
    assert "Reçue par le correspondant" in body
    assert carton.code in body
    assert override_url(packed) in body
    body = page_text(client.get(f"/admin/wms/carton/{carton.pk}/change/"))
    assert carton.items.get().lot.product.name in body
    assert client.get("/admin/wms/destination/add/").status_code == 200
    assert client.get("/admin/wms/cartonformat/add/").status_code == 200


def test_cartons_and_shipments_are_never_added_or_deleted_in_the_admin(client, superuser, packed):
    carton = packed.cartons.first()
    client.force_login(superuser)
    assert client.get("/admin/wms/carton/add/").status_code == 403
    assert client.get("/admin/wms/shipment/add/").status_code == 403
    assert client.post(f"/admin/wms/carton/{carton.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(f"/admin/wms/shipment/{packed.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Carton.objects.filter(pk=carton.pk).exists()
    assert Shipment.objects.filter(pk=packed.pk).exists()


def test_the_destination_correspondent_is_chosen_among_correspondents(client, boss, stage):
    plain = factories.ContactFactory(name="Pierre Simple")
    client.force_login(boss)
    params = {
        "app_label": "wms",
        "model_name": "destination",
        "field_name": "correspondent",
        "term": "",
    }
    response = client.get("/admin/autocomplete/", params)
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["results"]}
    assert str(stage.destination.correspondent_id) in ids
    assert str(plain.pk) not in ids


# --- carton contents read-only, operations through the services ---------------------------------


def test_a_carton_form_edits_notes_and_location_only(client, boss, packed):
    carton = packed.cartons.first()
    item = carton.items.get()
    client.force_login(boss)
    url = f"/admin/wms/carton/{carton.pk}/change/"
    body = page_text(client.get(url))
    assert 'name="status"' not in body
    assert 'name="code"' not in body
    assert 'name="items-0-quantity"' not in body
    data = {
        "notes": "Fragile",
        "location": "",
        "status": CartonStatus.DRAFT,
        "code": "ZZ-1",
        **management_form("items"),
    }
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)
    carton.refresh_from_db()
    item.refresh_from_db()
    assert (carton.notes, carton.status, carton.code) == (
        "Fragile",
        CartonStatus.PACKED,
        carton.code,
    )
    assert not carton.code.startswith("ZZ")
    assert item.quantity == 3


def test_unpacking_gives_the_units_back_to_their_lots(client, boss, packed):
    carton = packed.cartons.first()
    product_id = carton.items.get().lot.product_id
    before = on_hand(product_id)
    client.force_login(boss)

    response = run_action(client, "/admin/wms/carton/", "unpack_cartons", [carton.pk])

    assert "1 carton(s) vidé(s)" in page_text(response)
    carton.refresh_from_db()
    assert carton.status == CartonStatus.DRAFT
    assert not carton.items.exists()
    assert on_hand(product_id) == before + 3
    assert shipping.carton_progress(packed) == (1, 1)  # the empty carton left the shipment
    assert ledger_exit_code() == 0


def test_unpacking_a_shipped_carton_is_refused_with_the_reason_and_changes_nothing(
    client, boss, packed
):
    shipping.ship(shipment=packed, actor=shipping.Actor(user=boss))
    carton = packed.cartons.first()
    movements = StockMovement.objects.count()
    client.force_login(boss)

    response = run_action(client, "/admin/wms/carton/", "unpack_cartons", [carton.pk])

    assert response.status_code == 200
    assert f"Le carton {carton.code} est expédié." in page_text(response)
    carton.refresh_from_db()
    assert carton.status == CartonStatus.SHIPPED
    assert carton.items.get().quantity == 3
    assert StockMovement.objects.count() == movements


def test_reopening_a_packed_carton_makes_it_picking_again(client, boss, packed):
    carton = packed.cartons.first()
    client.force_login(boss)

    response = run_action(client, "/admin/wms/carton/", "reopen_cartons", [carton.pk])

    assert "1 carton(s) rouvert(s)" in page_text(response)
    carton.refresh_from_db()
    assert carton.status == CartonStatus.PICKING


def test_staff_without_the_manager_capability_cannot_unpack(client, packed):
    carton = packed.cartons.first()
    client.force_login(clerk_with("view_carton", "change_carton"))
    assert "unpack_cartons" not in page_text(client.get("/admin/wms/carton/"))

    run_action(client, "/admin/wms/carton/", "unpack_cartons", [carton.pk])

    carton.refresh_from_db()
    assert carton.status == CartonStatus.PACKED
    assert carton.items.exists()


def test_the_carton_list_searches_codes_and_shipment_references(client, boss, packed, stage):
    loose = packing.pack(product=stocked_product(5), quantity=1, actor=stage.actor).carton
    client.force_login(boss)
    result = client.get("/admin/wms/carton/", {"q": packed.reference}).context["cl"]
    assert result.result_count == 2
    result = client.get("/admin/wms/carton/", {"q": loose.code}).context["cl"]
    assert result.result_count == 1
    body = page_text(client.get("/admin/wms/carton/"))
    assert "Affecté" in body  # a ready carton in a shipment (S-CARTONS)


# --- shipments -----------------------------------------------------------------------------------


def test_deliver_marks_a_shipped_shipment_delivered_and_refuses_the_others(
    client, boss, packed, stage
):
    shipping.ship(shipment=packed, actor=stage.actor)
    draft = stage.shipment()
    client.force_login(boss)

    response = run_action(
        client, "/admin/wms/shipment/", "deliver_shipments", [packed.pk, draft.pk]
    )

    body = page_text(response)
    assert "1 expédition(s) marquée(s) livrée(s)." in body
    assert f"{draft.reference} : Passage de « Brouillon » à « Livrée » impossible" in body
    packed.refresh_from_db()
    draft.refresh_from_db()
    assert (packed.status, draft.status) == (ShipmentStatus.DELIVERED, ShipmentStatus.DRAFT)
    assert StatusChange.objects.filter(shipment=packed, to_status="delivered", user=boss).exists()


def test_the_shipment_form_never_writes_the_status_or_the_parties(client, boss, stage):
    shipment = stage.shipment()
    client.force_login(boss)
    url = f"/admin/wms/shipment/{shipment.pk}/change/"
    data = shipment_form(
        shipment,
        notes="Appeler avant livraison",
        status=ShipmentStatus.DELIVERED,
        shipper_name="Quelqu'un d'autre",
    )

    response = client.post(url, data)

    assert response.status_code == 302, page_text(response)
    shipment.refresh_from_db()
    assert shipment.notes == "Appeler avant livraison"
    assert shipment.status == ShipmentStatus.DRAFT
    assert shipment.shipper_name == stage.shipper.name


def test_a_shipped_shipment_takes_flight_details_but_no_other_change(client, boss, packed):
    shipping.ship(shipment=packed, actor=shipping.Actor(user=boss))
    client.force_login(boss)
    url = f"/admin/wms/shipment/{packed.pk}/change/"
    body = page_text(client.get(url))
    assert 'name="notes"' not in body
    assert 'name="flight_number"' in body

    response = client.post(url, shipment_form(packed, flight_number="AF 934", notes="changé"))

    assert response.status_code == 302, page_text(response)
    packed.refresh_from_db()
    assert packed.flight_number == "AF 934"
    assert packed.notes == ""
    assert packed.status == ShipmentStatus.SHIPPED


def test_a_delivered_shipment_is_read_only(client, boss, packed):
    shipping.ship(shipment=packed, actor=shipping.Actor(user=boss))
    shipping.deliver(shipment=packed, actor=shipping.Actor(user=boss))
    client.force_login(boss)
    body = page_text(client.get(f"/admin/wms/shipment/{packed.pk}/change/"))
    assert 'name="flight_number"' not in body
    assert 'name="notes"' not in body


def test_the_shipment_list_filters_and_searches(client, boss, packed, stage):
    stage.shipment()
    client.force_login(boss)
    cl = client.get("/admin/wms/shipment/", {"status__exact": "packed"}).context["cl"]
    assert [shipment.pk for shipment in cl.result_list] == [packed.pk]
    cl = client.get("/admin/wms/shipment/", {"q": packed.reference}).context["cl"]
    assert cl.result_count == 1
    cl = client.get("/admin/wms/shipment/", {"q": "Befelatanana"}).context["cl"]
    assert cl.result_count == 2
    assert "2/2" in page_text(client.get("/admin/wms/shipment/"))


# --- the manager's override ----------------------------------------------------------------------


def override_url(shipment: Shipment) -> str:
    return f"/admin/wms/shipment/{shipment.pk}/override/"


def test_a_manager_forces_a_status_with_a_logged_reason(client, boss, packed):
    client.force_login(boss)
    assert client.get(override_url(packed)).status_code == 200

    response = client.post(
        override_url(packed), {"status": "shipped", "reason": "Parti sans scan"}, follow=True
    )

    assert "statut forcé à « Expédiée »" in page_text(response)
    packed.refresh_from_db()
    assert packed.status == ShipmentStatus.SHIPPED
    change = StatusChange.objects.get(shipment=packed, is_override=True)
    assert (change.reason, change.user) == ("Parti sans scan", boss)
    assert set(packed.cartons.values_list("status", flat=True)) == {CartonStatus.SHIPPED}


def test_an_override_without_reason_or_to_the_same_status_changes_nothing(client, boss, packed):
    client.force_login(boss)

    response = client.post(override_url(packed), {"status": "shipped", "reason": "  "})
    assert response.status_code == 200
    response = client.post(override_url(packed), {"status": "packed", "reason": "essai"})
    assert response.status_code == 200
    assert "L'expédition est déjà « Prête »." in page_text(response)
    response = client.post(override_url(packed), {"status": "lost", "reason": "essai"})
    assert response.status_code == 200

    packed.refresh_from_db()
    assert packed.status == ShipmentStatus.PACKED
    assert not StatusChange.objects.filter(is_override=True).exists()


def test_the_override_is_for_managers_only(client, worker, packed):
    url = override_url(packed)
    assert client.get(url)["Location"].startswith("/admin/login/")
    client.force_login(worker)
    assert client.post(url, {"status": "shipped", "reason": "x"})["Location"].startswith(
        "/admin/login/"
    )
    client.force_login(clerk_with("view_shipment", "change_shipment"))
    assert url not in page_text(client.get(f"/admin/wms/shipment/{packed.pk}/change/"))
    assert client.get(url).status_code == 403
    assert client.post(url, {"status": "shipped", "reason": "x"}).status_code == 403
    packed.refresh_from_db()
    assert packed.status == ShipmentStatus.PACKED


# --- documents -----------------------------------------------------------------------------------


def upload_document(client, shipment: Shipment, name: str, content: bytes, kind: str = "customs"):
    data = shipment_form(shipment)
    data.update(management_form("documents", total=1))
    data["documents-0-kind"] = kind
    data["documents-0-file"] = SimpleUploadedFile(name, content)
    return client.post(f"/admin/wms/shipment/{shipment.pk}/change/", data)


def test_a_document_is_stored_under_a_random_name_and_linked_through_the_staff_view(
    client, boss, stage
):
    shipment = stage.shipment()
    client.force_login(boss)

    response = upload_document(client, shipment, "déclaration douane.pdf", PDF)

    assert response.status_code == 302, page_text(response)
    document = ShipmentDocument.objects.get()
    assert (document.original_name, document.kind) == ("déclaration douane.pdf", "customs")
    assert document.uploaded_by == boss
    assert "douane" not in document.file.name and document.file.name.endswith(".pdf")
    body = page_text(client.get(f"/admin/wms/shipment/{shipment.pk}/change/"))
    assert "déclaration douane.pdf" in body
    assert "/media/" not in body
    try:
        link = reverse("scan:shipment_document", args=[shipment.pk, document.pk])
    except NoReverseMatch:
        link = None
    if link:
        assert f'href="{link}"' in body


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.exe", b"MZ\x90\x00", "Type de fichier refusé : « script.exe »"),
        ("faux.pdf", b"<html></html>", "Le contenu du fichier « faux.pdf » n'est pas un PDF"),
        ("vide.png", b"", "vide"),
    ],
)
def test_a_bad_document_is_refused_with_a_message(client, boss, stage, name, content, message):
    shipment = stage.shipment()
    client.force_login(boss)

    response = upload_document(client, shipment, name, content)

    assert response.status_code == 200
    assert message in page_text(response)
    assert not ShipmentDocument.objects.exists()


@override_settings(UPLOAD_MAX_MB=1)
def test_a_document_over_the_size_limit_is_refused(client, boss, stage):
    shipment = stage.shipment()
    client.force_login(boss)

    response = upload_document(client, shipment, "gros.pdf", PDF + b"0" * (1024 * 1024))

    assert response.status_code == 200
    assert "1 Mo au plus" in page_text(response)
    assert not ShipmentDocument.objects.exists()


# --- query counts --------------------------------------------------------------------------------


def add_shipments(stage: Scene, count: int) -> None:
    """`count` shipments, each with a packed carton, a loose carton and tracking history."""
    product = stocked_product(count * 4)
    for _ in range(count):
        shipment = stage.shipment()
        carton = packing.pack(
            product=product, quantity=1, actor=stage.actor, shipment=shipment
        ).carton
        packing.close_carton(carton=carton, actor=stage.actor)
        packing.pack(product=product, quantity=1, actor=stage.actor)
        shipping.record_step(
            shipment=shipment,
            step=TrackingStep.PLANNING_OK,
            actor_name="Équipe",
            actor_structure="ASF",
            actor=stage.actor,
        )


@pytest.mark.parametrize("url", CHANGELISTS)
def test_changelists_run_the_same_number_of_queries_for_more_rows(client, boss, stage, url):
    client.force_login(boss)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add_shipments(stage, 2)
    few = queries()
    add_shipments(stage, 5)
    assert queries() == few


def test_the_shipment_page_stays_within_its_query_budget(
    client, boss, stage, django_assert_max_num_queries
):
    client.force_login(boss)
    add_shipments(stage, 1)
    shipment = Shipment.objects.get()
    with django_assert_max_num_queries(40):
        assert client.get(f"/admin/wms/shipment/{shipment.pk}/change/").status_code == 200
