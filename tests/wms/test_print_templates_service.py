"""Print templates (S-PRINT): versions, restore, reset, validation, and what the printed
document shows — texts are plain text, never a template, never raw HTML."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template.loader import render_to_string

from tests.shipping_helpers import scene
from wms.models import PrintTemplate
from wms.printing import documents
from wms.printing.documents import DONATION, LAYOUTS, NOTE, PACKING_LIST, TEXTS
from wms.services import print_templates
from wms.services.errors import StockError
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db


def layout_of(document: str, hidden: tuple[str, ...] = (), reverse: bool = False):
    names = list(LAYOUTS[document])
    if reverse:
        names.reverse()
    return [{"block": name, "visible": name not in hidden} for name in names]


def printed(shipment, document: str) -> str:
    return render_to_string("print/document.html", documents.shipment_document(shipment, document))


def test_a_document_without_saved_version_prints_with_the_defaults():
    assert print_templates.current(NOTE) is None
    names = [block.name for block in documents.blocks(NOTE, {})]
    assert names == list(LAYOUTS[NOTE])


def test_versions_increment_one_two_three_per_document(manager):
    actor = Actor(user=manager)
    versions = [print_templates.save(NOTE, layout_of(NOTE), {}, actor).version for _ in range(3)]
    assert versions == [1, 2, 3]
    assert print_templates.save(DONATION, layout_of(DONATION), {}, actor).version == 1
    assert print_templates.current(NOTE).version == 3
    assert print_templates.current(NOTE).created_by == manager


def test_the_saved_order_visibility_and_text_are_printed():
    shop = scene()
    shipment = shop.packed_shipment(cartons=1, units=1)
    print_templates.save(
        NOTE,
        layout_of(NOTE, hidden=("flight",), reverse=True),
        {"attestation": "Envoi {reference} pour {city}."},
        shop.actor,
    )
    names = [block.name for block in documents.shipment_document(shipment, NOTE)["blocks"]]
    assert names == [name for name in reversed(LAYOUTS[NOTE]) if name != "flight"]
    html = printed(shipment, NOTE)
    assert f"Envoi {shipment.reference} pour {shipment.destination.city}." in html
    assert 'data-block="flight"' not in html


@pytest.mark.parametrize(
    "text",
    ["{{ settings.SECRET_KEY }}", "{% load static %}", "<script>alert(1)</script>"],
)
def test_a_text_block_renders_template_syntax_and_html_as_inert_text(text):
    shop = scene()
    shipment = shop.packed_shipment(cartons=1, units=1)
    print_templates.save(
        DONATION, layout_of(DONATION), {"certificate_text": f"Avant {text} après"}, shop.actor
    )
    html = printed(shipment, DONATION)
    assert settings.SECRET_KEY not in html
    assert "<script>alert(1)</script>" not in html
    if text.startswith("<script>"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    else:
        assert f"Avant {text} après" in html


def test_restore_creates_a_new_version_equal_to_the_restored_one(manager):
    actor = Actor(user=manager)
    first = print_templates.save(NOTE, layout_of(NOTE, hidden=("flight",)), {}, actor)
    print_templates.save(NOTE, layout_of(NOTE, reverse=True), {"attestation": "Autre"}, actor)
    restored = print_templates.restore(NOTE, 1, actor)
    assert restored.version == 3
    assert restored.restored_from == 1
    assert (restored.layout, restored.texts) == (first.layout, first.texts)
    assert PrintTemplate.objects.filter(document=NOTE).count() == 3


def test_reset_returns_to_the_defaults_as_a_new_version(manager):
    actor = Actor(user=manager)
    print_templates.save(
        NOTE, layout_of(NOTE, hidden=("flight",), reverse=True), {"attestation": "X"}, actor
    )
    row = print_templates.reset(NOTE, actor)
    assert row.version == 2 and row.is_reset
    values = {"organisation": "ASF", "reference": "R1"}
    assert documents.blocks(NOTE, values) == [
        documents.Block(
            name, documents.fill(str(TEXTS[NOTE, name]), values) if (NOTE, name) in TEXTS else ""
        )
        for name in LAYOUTS[NOTE]
    ]


def test_restoring_an_unknown_version_is_refused():
    with pytest.raises(StockError, match="n'existe pas"):
        print_templates.restore(NOTE, 7, Actor())
    assert not PrintTemplate.objects.exists()


def test_it_refuses_an_unknown_placeholder_with_a_french_message():
    with pytest.raises(StockError) as refusal:
        print_templates.save(NOTE, layout_of(NOTE), {"attestation": "Pour {secret}"}, Actor())
    assert "Variable inconnue" in refusal.value.message
    assert "{secret}" in refusal.value.message
    assert not PrintTemplate.objects.exists()


@pytest.mark.parametrize(
    ("layout", "texts", "message"),
    [
        ([*layout_of(NOTE), {"block": "flight", "visible": True}], {}, "une fois"),
        (layout_of(NOTE)[1:], {}, "une fois"),
        ([*layout_of(NOTE)[1:], {"block": "lines", "visible": True}], {}, "Bloc inconnu"),
        ([{"block": "title"}], {}, "pas valide"),
        ("title", {}, "pas valide"),
        (layout_of(NOTE), {"title": "x"}, "pas de texte modifiable"),
        (layout_of(NOTE), {"attestation": "x" * 2001}, "2000"),
        (layout_of(NOTE), {"attestation": 3}, "pas valides"),
    ],
)
def test_it_refuses_a_bad_layout_or_text_and_saves_nothing(layout, texts, message):
    with pytest.raises(StockError, match=message):
        print_templates.save(NOTE, layout, texts, Actor())
    assert not PrintTemplate.objects.exists()


def test_it_refuses_an_unknown_document():
    with pytest.raises(StockError, match="Document inconnu"):
        print_templates.save("nope", [], {}, Actor())


def test_a_text_of_2000_characters_is_accepted():
    row = print_templates.save(NOTE, layout_of(NOTE), {"attestation": "x" * 2000}, Actor())
    assert row.version == 1


def test_the_preview_prints_the_unsaved_template_only_inside_its_block():
    template = print_templates.check(PACKING_LIST, layout_of(PACKING_LIST, hidden=("lines",)), {})
    with print_templates.preview(PACKING_LIST, template):
        inside = [block.name for block in documents.blocks(PACKING_LIST, {})]
    assert "lines" not in inside
    assert "lines" in [block.name for block in documents.blocks(PACKING_LIST, {})]
    assert not PrintTemplate.objects.exists()
