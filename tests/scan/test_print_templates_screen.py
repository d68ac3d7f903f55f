"""The print template editor (S-PRINT, S-ROLES): managers only, preview without saving, one
version per submitted form however many times it is sent, French refusals, fixed query counts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.shipping_helpers import scene
from wms.models import PrintTemplate
from wms.printing.documents import LAYOUTS, NOTE, PICKING_LIST
from wms.services import print_templates
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

LIST_URL = "/scan/templates/"
NOTE_URL = f"/scan/templates/{NOTE}/"


def form_data(document: str = NOTE, action: str = "save", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"action": action, "op_id": str(uuid.uuid4())}
    for position, name in enumerate(LAYOUTS[document], start=1):
        data[f"order_{name}"] = position
        data[f"visible_{name}"] = "on"
    for name in print_templates.text_blocks(document):
        data[f"text_{name}"] = "Texte de {reference}"
    data.update(extra)
    return data


@pytest.mark.parametrize("url", [LIST_URL, NOTE_URL])
def test_managers_open_the_editor_workers_get_403_and_anonymous_the_login(
    client, manager, worker, url
):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(worker)
    assert client.get(url).status_code == 403
    assert client.post(NOTE_URL, form_data()).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 200
    assert not PrintTemplate.objects.exists()


def test_an_unknown_document_is_a_404(client, manager):
    client.force_login(manager)
    assert client.get("/scan/templates/nope/").status_code == 404


def test_the_list_shows_each_document_with_its_current_version(client, manager):
    print_templates.save(
        NOTE, [{"block": n, "visible": True} for n in LAYOUTS[NOTE]], {}, Actor(manager)
    )
    client.force_login(manager)
    html = client.get(LIST_URL).content.decode()
    for document in LAYOUTS:
        assert f'data-document="{document}"' in html
    assert 'data-version="1"' in html


def test_save_makes_one_version_even_when_the_form_is_sent_twice(client, manager):
    client.force_login(manager)
    data = form_data(**{"order_flight": 99, "visible_signatures": ""})
    del data["visible_signatures"]
    first = client.post(NOTE_URL, data)
    again = client.post(NOTE_URL, data)
    assert first.status_code == again.status_code == 303
    row = PrintTemplate.objects.get()
    assert row.version == 1
    assert row.layout[-1] == {"block": "flight", "visible": True}
    assert {"block": "signatures", "visible": False} in row.layout
    assert row.texts == {"attestation": "Texte de {reference}"}
    page = client.get(NOTE_URL).content.decode()
    assert 'data-current-version="1"' in page


def test_an_unknown_placeholder_is_refused_in_french_and_nothing_saved(client, manager):
    client.force_login(manager)
    response = client.post(NOTE_URL, form_data(text_attestation="Pour {inconnu}"))
    assert response.status_code == 200
    assert "Variable inconnue" in response.content.decode()
    assert not PrintTemplate.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"order_title": "abc"},
        {"order_title": "0"},
        {"action": "delete"},
        {"op_id": ""},
        {"text_attestation": "x" * 2001},
    ],
)
def test_bad_input_shows_the_form_again_and_saves_nothing(client, manager, extra):
    client.force_login(manager)
    response = client.post(NOTE_URL, form_data(**extra))
    assert response.status_code == 200
    assert "field-error" in response.content.decode() or "flash-error" in response.content.decode()
    assert not PrintTemplate.objects.exists()


def test_preview_shows_the_unsaved_layout_on_the_latest_shipment_and_saves_nothing(client, manager):
    shop = scene()
    shop.packed_shipment(cartons=1, units=1)
    latest = shop.packed_shipment(cartons=1, units=1)
    client.force_login(manager)
    data = form_data(action="preview", text_attestation="Aperçu <b>{reference}</b>")
    del data["visible_flight"]
    response = client.post(NOTE_URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-preview" in html
    preview = html.split("data-preview", 1)[1]
    assert f"Aperçu &lt;b&gt;{latest.reference}&lt;/b&gt;" in preview
    assert 'data-block="attestation"' in preview
    assert 'data-block="flight"' not in preview
    assert not PrintTemplate.objects.exists()


def test_preview_without_any_record_says_so(client, manager):
    client.force_login(manager)
    html = client.post(NOTE_URL, form_data(action="preview")).content.decode()
    assert "data-preview-empty" in html
    html = client.post(
        f"/scan/templates/{PICKING_LIST}/", form_data(PICKING_LIST, action="preview")
    ).content.decode()
    assert "data-preview-empty" in html


def test_preview_of_a_carton_document_uses_the_latest_carton(client, manager):
    scene().packed_shipment(cartons=1, units=1)
    client.force_login(manager)
    response = client.post(
        f"/scan/templates/{PICKING_LIST}/", form_data(PICKING_LIST, action="preview")
    )
    assert 'data-block="picking"' in response.content.decode()


def test_template_syntax_in_a_text_is_printed_as_typed_on_the_printed_page(client, manager):
    shop = scene()
    shipment = shop.packed_shipment(cartons=1, units=1)
    client.force_login(manager)
    text = "{{ settings.SECRET_KEY }} {% load static %} <script>alert(1)</script>"
    assert client.post(NOTE_URL, form_data(text_attestation=text)).status_code == 303
    html = client.get(f"/scan/print/shipment/{shipment.pk}/{NOTE}/").content.decode()
    assert settings.SECRET_KEY not in html
    assert (
        "{{ settings.SECRET_KEY }} {% load static %} &lt;script&gt;alert(1)&lt;/script&gt;" in html
    )


def test_restore_and_reset_add_versions_once_per_form(client, manager):
    client.force_login(manager)
    client.post(NOTE_URL, form_data(text_attestation="Premier"))
    client.post(NOTE_URL, form_data(text_attestation="Second"))
    restore = {"action": "restore", "version": "1", "op_id": str(uuid.uuid4())}
    assert client.post(NOTE_URL, restore).status_code == 303
    assert client.post(NOTE_URL, restore).status_code == 303
    current = print_templates.current(NOTE)
    assert (current.version, current.texts) == (3, {"attestation": "Premier"})
    reset = {"action": "reset", "op_id": str(uuid.uuid4())}
    client.post(NOTE_URL, reset)
    client.post(NOTE_URL, reset)
    current = print_templates.current(NOTE)
    assert (current.version, current.is_reset, current.texts) == (4, True, {})


@pytest.mark.parametrize(
    "data",
    [
        {"action": "restore", "version": "9", "op_id": "00000000-0000-0000-0000-000000000001"},
        {"action": "restore", "op_id": "00000000-0000-0000-0000-000000000002"},
        {"action": "restore", "version": "1"},
        {"action": "reset", "op_id": "not-a-uuid"},
    ],
)
def test_a_bad_restore_or_reset_is_refused_in_french(client, manager, data):
    client.force_login(manager)
    response = client.post(NOTE_URL, data)
    assert response.status_code == 200
    assert "flash-error" in response.content.decode()
    assert not PrintTemplate.objects.exists()


def test_the_editor_page_does_not_query_per_version(client, manager, django_assert_max_num_queries):
    client.force_login(manager)
    actor = Actor(manager)
    layout = [{"block": name, "visible": True} for name in LAYOUTS[NOTE]]
    print_templates.save(NOTE, layout, {}, actor)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(NOTE_URL).status_code == 200
    small = len(captured)
    for _ in range(10):
        print_templates.save(NOTE, layout, {}, actor)
    with django_assert_max_num_queries(small):
        client.get(NOTE_URL)
    with django_assert_max_num_queries(small):
        client.get(LIST_URL)
    assert small <= 10
