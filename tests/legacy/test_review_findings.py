"""Regressions for what an independent review of the take-over found: orphan rows through the
command, a deleted order still holding reservations, an unreadable queue state or JSON, hand-typed
shipment references, unknown event statuses, lost links, and a target holding only a template."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.legacy.conftest import altered_sample
from wms.imports.legacy import runner
from wms.imports.legacy.runner import TargetNotEmpty, business_rows, take_over
from wms.imports.legacy.source import LegacySource
from wms.models import IntegrationEvent, IntegrationStatus, PrintTemplate, Shipment

pytestmark = pytest.mark.django_db


@pytest.fixture
def altered(tmp_path: Path) -> Iterator[list[LegacySource]]:
    opened: list[LegacySource] = []
    yield opened
    for source in opened:
        source.close()


def sample_with(tmp_path: Path, opened: list[LegacySource], *statements: str) -> LegacySource:
    source = altered_sample(tmp_path, statements)
    opened.append(source)
    return source


def test_an_orphan_row_stops_the_command_with_a_french_message_and_nothing_written(
    tmp_path: Path, altered: list[LegacySource], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = sample_with(
        tmp_path, altered, "UPDATE wms_productlot SET product_id = 9999 WHERE id = 1"
    )
    monkeypatch.setattr(
        "wms.management.commands.import_legacy.take_over",
        lambda alias, dry_run: runner.take_over(source=source, dry_run=dry_run),
    )

    with pytest.raises(CommandError, match=r"rien n'a été importé.*wms_product 9999 introuvable"):
        call_command("import_legacy", "--report", str(tmp_path / "r.txt"), stdout=io.StringIO())
    assert business_rows() == {}


def test_reservations_of_a_deleted_order_are_reported_not_a_crash(
    tmp_path: Path, altered: list[LegacySource]
) -> None:
    source = sample_with(
        tmp_path,
        altered,
        "DELETE FROM wms_order WHERE id = (SELECT l.order_id FROM wms_orderreservation r "
        "JOIN wms_orderline l ON l.id = r.order_line_id ORDER BY r.id LIMIT 1)",
    )

    report = take_over(source=source)

    assert report.committed
    assert any(
        "commande, ligne ou lot inconnu" in line for line in report.anomalies["Valeurs corrigées"]
    )


def test_an_unreadable_queue_state_or_json_is_reported_and_the_rest_imported(
    tmp_path: Path, altered: list[LegacySource]
) -> None:
    source = sample_with(
        tmp_path,
        altered,
        "PRAGMA ignore_check_constraints = ON",
        'UPDATE wms_integrationevent SET status = \'failed\', payload = \'{"subject": "s", '
        '"recipient": ["a@b.org"], "_queue": {"attempts": "deux", '
        '"next_attempt_at": "demain"}}\' WHERE id = 1',
        "UPDATE wms_integrationevent SET payload = '{not json' WHERE id = 2",
        "UPDATE wms_integrationevent SET status = 'retrying_later' WHERE id = 3",
    )

    report = take_over(source=source)

    unreadable = "\n".join(report.anomalies["Contenus illisibles"])
    assert "Événement 1 : tentatives « deux » illisibles" in unreadable
    assert "Événement 2 : JSON illisible" in unreadable
    assert "Événement 3 : statut « retrying_later » inconnu" in unreadable
    assert IntegrationEvent.objects.count() == source.count("wms_integrationevent")
    assert IntegrationEvent.objects.filter(status="retrying_later").count() == 0
    assert IntegrationEvent.objects.filter(status=IntegrationStatus.FAILED).count() >= 2


def test_hand_typed_shipment_references_fit_our_unique_column(
    tmp_path: Path, altered: list[LegacySource]
) -> None:
    source = sample_with(
        tmp_path,
        altered,
        "UPDATE wms_shipment SET reference = 'URGENT-HAITI-CHOLERA' WHERE id = 13",
        "UPDATE wms_shipment SET reference = 'urgent-1' WHERE id = 14",
        "UPDATE wms_shipment SET reference = 'URGENT-1' WHERE id = 15",
    )

    report = take_over(source=source)

    references = list(Shipment.objects.values_list("reference", flat=True))
    assert all(len(reference) <= 12 for reference in references)
    assert len({reference.casefold() for reference in references}) == len(references)
    assert {"URGENT-HAITI", "urgent-1", "URGENT-1-2"} <= set(references)
    assert Shipment.objects.filter(notes__contains="URGENT-HAITI-CHOLERA").exists()
    corrected = "\n".join(report.anomalies["Valeurs corrigées"])
    assert "« URGENT-1 » (id 15)" in corrected and "URGENT-HAITI-CHOLERA" in corrected


def test_a_link_to_a_deleted_contact_is_reported(
    tmp_path: Path, altered: list[LegacySource]
) -> None:
    source = sample_with(
        tmp_path, altered, "UPDATE wms_receipt SET source_contact_id = 9999 WHERE id = 1"
    )

    report = take_over(source=source)

    lost = report.anomalies["Liens vers des lignes disparues"]
    assert any("contacts_contact 9999 introuvable" in line for line in lost)


def test_a_target_holding_only_a_print_template_is_refused(legacy_sample: LegacySource) -> None:
    PrintTemplate.objects.create(document="shipment_note", version=1, layout=[], texts={})

    with pytest.raises(TargetNotEmpty):
        take_over(source=legacy_sample)
    assert PrintTemplate.objects.count() == 1
