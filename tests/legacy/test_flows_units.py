"""The pieces of the flows steps on their own: order numbering, names to contacts, the print
template converter (on a small file in the earlier schema) and the email payload conversion."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.legacy.conftest import SAMPLE, sqlite_legacy
from wms.imports.legacy.context import TakeOver
from wms.imports.legacy.orders import is_released, order_references
from wms.imports.legacy.queue import (
    NOT_CONVERTED,
    convert_layout,
    convert_text,
    email_payload,
    import_print_templates,
    queue_state,
)
from wms.imports.legacy.report import Report
from wms.imports.legacy.shipping import PartyResolver
from wms.imports.legacy.source import LegacySource
from wms.imports.legacy.timestamps import imported_timestamps
from wms.models import Contact, PrintTemplate
from wms.printing import documents
from wms.services import print_templates


def test_orders_are_numbered_by_their_paris_year_in_creation_order() -> None:
    rows = [
        {"id": 3, "created_at": "2025-06-01 10:00:00"},
        {"id": 1, "created_at": "2025-06-01 10:00:00"},  # same time: the lower id first
        # 23:30 UTC on 31 December is already 2026 in Paris.
        {"id": 2, "created_at": "2025-12-31 23:30:00"},
        {"id": 4, "created_at": dt.datetime(2026, 1, 5, 9, 0)},  # MySQL gives datetimes
    ]

    assert order_references(rows) == {
        1: "CMD-2025-0001",
        3: "CMD-2025-0002",
        2: "CMD-2026-0001",
        4: "CMD-2026-0002",
    }


def test_only_cancelled_or_rejected_orders_release_their_reservations() -> None:
    assert is_released({"status": "cancelled", "review_status": "pending_validation"})
    assert is_released({"status": "reserved", "review_status": "rejected"})
    assert not is_released({"status": "reserved", "review_status": "changes_requested"})


@pytest.mark.django_db
def test_a_name_finds_its_contact_role_first_and_reports_the_ambiguous() -> None:
    both = Contact.objects.create(name="Clinique Saint-Éloi", is_recipient=True)
    Contact.objects.create(name="CLINIQUE  saint-eloi", is_donor=True)
    Contact.objects.create(name="Hôpital Nord", is_recipient=True)
    Contact.objects.create(name="Hopital nord", is_recipient=True)
    resolver = PartyResolver()

    assert resolver.resolve("clinique saint eloi", "recipient") == (None, "aucun contact de ce nom")
    assert resolver.resolve("Clinique Saint-Eloi", "recipient") == (both.pk, "")
    pk, why = resolver.resolve("HOPITAL NORD", "recipient")
    assert pk is None and why.startswith("2 contacts")
    assert resolver.resolve("", "shipper") == (None, "")


def test_text_blocks_become_plain_text_with_our_placeholders() -> None:
    assert (
        convert_text(
            "<strong>ATTESTATION</strong><br>Envoi {{ shipment_ref }} pour {{recipient_name}} "
            "&agrave; {{ destination_city }}"
        )
        == "ATTESTATION\nEnvoi {reference} pour {recipient} à {city}"
    )
    # Template logic or a variable we have no placeholder for would print wrong: refused.
    assert convert_text("{% if x %}oui{% endif %}") is None
    assert convert_text('Le {{ document_date|date:"d/m/y" }}') is None


def test_a_legacy_note_layout_keeps_order_and_hides_what_was_removed() -> None:
    layout = {
        "blocks": [
            {"id": "contacts", "type": "contacts_row", "style": {"font_size": "9pt"}},
            {"id": "line1", "type": "text", "text": "BON {{ shipment_ref }}"},
            {"id": "attestation", "type": "text", "text": "Don pour {{ recipient_name }}."},
            {"id": "summary", "type": "summary_triplet"},
            {"id": "extra", "type": "text", "text": "Merci"},
        ]
    }

    ours, texts, lost = convert_layout(documents.NOTE, layout)

    assert [entry["block"] for entry in ours] == [
        "organisation",
        "parties",
        "title",
        "flight",
        "destination",
        "attestation",
        "signatures",
        "cartons",
    ]  # fmt: skip  (blocks the user removed keep their default place, hidden)
    hidden = {entry["block"] for entry in ours if not entry["visible"]}
    assert hidden == {"destination", "signatures"}  # line2 and signatures were removed
    assert texts == {"attestation": "Don pour {recipient}."}
    assert any("extra" in item for item in lost)
    assert any("style" in item for item in lost)
    # What the editor of ours accepts.
    print_templates.check(documents.NOTE, ours, texts)


def test_the_email_payload_moves_to_our_shape() -> None:
    ours, queue = email_payload(
        {
            "subject": "S",
            "message": "M",
            "recipient": ["a@example.org", " a@example.org "],
            "_queue": {"attempts": 2, "next_attempt_at": "2026-02-09T08:00:23.038983+00:00"},
        }
    )
    attempts, next_attempt = queue_state(Report(), queue, "Événement 1")

    assert ours == {
        "subject": "S",
        "message": "M",
        "html_message": None,
        "recipients": ["a@example.org"],
        "tags": [],
        "from_email": None,
        "reply_to": [],
    }
    assert attempts == 2
    assert next_attempt == dt.datetime(2026, 2, 9, 8, 0, 23, 38983, tzinfo=dt.UTC)


def _templates_file(path: Path, versions: list[tuple[int, Any]], live: Any) -> LegacySource:
    with sqlite3.connect(f"file:{SAMPLE}?mode=ro", uri=True) as sample:
        ddl = [
            sql
            for (sql,) in sample.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' "
                "AND name IN ('wms_printtemplate', 'wms_printtemplateversion')"
            )
        ]
    with sqlite3.connect(path) as connection:
        for statement in ddl:
            connection.execute(statement)
        connection.execute(
            "INSERT INTO wms_printtemplate VALUES (1, 'shipment_note', ?, "
            "'2026-01-06 09:00:00', NULL)",
            (json.dumps(live),),
        )
        connection.executemany(
            "INSERT INTO wms_printtemplateversion (id, version, layout, created_at, "
            "created_by_id, template_id) VALUES (?, ?, ?, ?, NULL, 1)",
            [
                (number, number, json.dumps(layout), f"2026-01-0{number} 09:00:00")
                for number, layout in versions
            ],
        )
    return LegacySource.from_settings(sqlite_legacy(path), alias="legacy-templates")


@pytest.mark.django_db
def test_template_versions_come_across_in_order_with_the_reset(tmp_path: Path) -> None:
    edited = {"blocks": [{"id": "line1", "type": "text", "text": "BON {{ shipment_ref }}"}]}
    source = _templates_file(tmp_path / "templates.sqlite3", [(1, edited), (2, {})], {})
    try:
        ctx = TakeOver(source=source)
        with imported_timestamps():
            import_print_templates(ctx)
    finally:
        source.close()

    first, second = PrintTemplate.objects.order_by("version")
    assert (first.document, first.version, first.is_reset) == (documents.NOTE, 1, False)
    assert first.created_at == dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
    assert [entry["block"] for entry in first.layout if entry["visible"]] == [
        "organisation", "title", "flight",
    ]  # fmt: skip
    assert second.is_reset and second.texts == {}
    assert print_templates.effective(documents.NOTE) == print_templates.default_template(
        documents.NOTE
    )
    assert ctx.report.counts["wms_printtemplateversion"].new == 2
    assert NOT_CONVERTED not in ctx.report.anomalies


def test_an_unreadable_queue_state_is_reported_and_the_email_made_due() -> None:
    report = Report()

    state = queue_state(report, {"attempts": "deux", "next_attempt_at": "demain"}, "Événement 7")

    assert state == (0, None)
    assert report.anomalies["Contenus illisibles"] == [
        "Événement 7 : tentatives « deux » illisibles, remises à 0",
        "Événement 7 : prochaine tentative « demain » illisible, l'événement est dû tout de suite",
    ]
