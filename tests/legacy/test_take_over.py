"""Issue 11's acceptance, end to end on the earlier system's sample: the whole take-over, then what
people hold in their hands (a tracking QR code, a public order link, a password) still works, the
references continue, a dry run leaves nothing, and a second run is refused."""

from __future__ import annotations

import datetime as dt
import io
import os
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import DatabaseError
from django.test import Client

from tests.legacy.conftest import SAMPLE
from tests.legacy.mariadb_sample import drop_sample, load_sample
from tests.ops.project_copy import DEV_ENV, clean_env, copy_project, manage
from wms.imports.legacy.runner import BUSINESS_MODELS, TargetNotEmpty, take_over
from wms.imports.legacy.source import LegacySource
from wms.models import Contact, ProductLot, Receipt
from wms.services.references import next_reference

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "legacy-pass-2026"  # SCHEMA.md: every usable password of the sample
BUSINESS_TABLES = (
    "auth_user",
    "contacts_contact",
    "contacts_contactaddress",
    "wms_warehouse",
    "wms_location",
    "wms_product",
    "wms_productkititem",
    "wms_productlot",
    "wms_receipt",
    "wms_receiptline",
    "wms_carton",
    "wms_cartonitem",
    "wms_shipment",
    "wms_shipmenttrackingevent",
    "wms_destination",
    "wms_order",
    "wms_orderline",
    "wms_publicorderlink",
    "wms_publicaccountrequest",
    "wms_associationprofile",
    "wms_associationrecipient",
    "wms_integrationevent",
)


def sample_rows(sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{SAMPLE}?mode=ro", uri=True) as connection:
        return list(connection.execute(sql))


def business_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in BUSINESS_MODELS}


def test_the_report_accounts_for_every_table_and_the_ledger_is_clean(
    legacy_sample: LegacySource,
) -> None:
    report = take_over(source=legacy_sample)

    assert report.committed
    assert report.unexplained == []
    for table in BUSINESS_TABLES:
        entry = report.counts[table]
        assert entry.old == legacy_sample.count(table), table
        assert entry.new == entry.old or entry.explanations, table
    # The sample's two roots named HYGIENE become one; the ledger gains its migration rows.
    assert report.counts["wms_productcategory"].new == report.counts["wms_productcategory"].old - 1
    assert report.counts["wms_productcategory"].explanations
    assert report.anomalies["Écarts du journal de stock"]
    ledger = io.StringIO()
    call_command("check_stock_ledger", stdout=ledger)
    assert "0 discrepancies" in ledger.getvalue()


def test_every_lot_keeps_its_quantity_on_hand(legacy_sample: LegacySource) -> None:
    take_over(source=legacy_sample)

    old = sorted(
        (sku, code, on_hand)
        for sku, code, on_hand in sample_rows(
            "SELECT p.sku, l.lot_code, l.quantity_on_hand FROM wms_productlot l "
            "JOIN wms_product p ON p.id = l.product_id"
        )
    )
    new = sorted(ProductLot.objects.values_list("product__sku", "lot_code", "quantity_on_hand"))
    assert new == old


def test_a_printed_tracking_qr_code_opens_the_same_shipment(legacy_sample: LegacySource) -> None:
    take_over(source=legacy_sample)
    ((reference, token),) = sample_rows(
        "SELECT reference, tracking_token FROM wms_shipment WHERE reference = '250001'"
    )

    page = Client().get(f"/scan/shipment/track/{uuid.UUID(token)}/")

    assert page.status_code == 200
    assert reference in page.content.decode()


def test_an_old_public_order_link_opens_the_order_form(legacy_sample: LegacySource) -> None:
    take_over(source=legacy_sample)
    tokens = {
        active: uuid.UUID(token)
        for token, active in sample_rows(
            "SELECT token, is_active FROM wms_publicorderlink WHERE expires_at IS NULL"
        )
    }

    assert Client().get(f"/scan/public-order/{tokens[1]}/").status_code == 200
    # An inactive link answers as one of ours does: "this link has expired".
    assert Client().get(f"/scan/public-order/{tokens[0]}/").status_code == 410


def test_an_old_association_user_signs_in_to_the_portal_with_the_old_password(
    legacy_sample: LegacySource, settings: Any
) -> None:
    # The test settings hash with MD5 for speed; production checks PBKDF2, as the old system did.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    take_over(source=legacy_sample)
    client = Client()

    response = client.post(
        "/portal/login/",
        {"email": "contact@haitiespoir.example.org", "password": OLD_PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(username="haiti.espoir").pk


def test_references_continue_after_the_highest_migrated_ones(legacy_sample: LegacySource) -> None:
    take_over(source=legacy_sample)
    donor = Receipt.objects.get(reference="26-01-PHA-01").source_contact
    assert isinstance(donor, Contact)
    in_2026 = dt.date(2026, 3, 1)

    # 26-03-HAI-01 is the highest of 2026; this donor's last of 2026 is 26-01-PHA-01.
    assert next_reference("receipt", on=in_2026, source=donor) == "26-04-PHA-02"
    assert next_reference("shipment", on=in_2026) == "260007"
    last_2026_order = max(
        reference for reference in _order_references() if reference.startswith("CMD-2026-")
    )
    expected = f"CMD-2026-{int(last_2026_order[-4:]) + 1:04d}"
    assert next_reference("order", on=in_2026) == expected


def _order_references() -> list[str]:
    from wms.models import Order

    return list(Order.objects.values_list("reference", flat=True))


def test_a_dry_run_leaves_the_target_as_it_was(legacy_sample: LegacySource) -> None:
    before = business_counts()

    report = take_over(source=legacy_sample, dry_run=True)

    assert not report.committed and report.dry_run
    assert report.counts["wms_product"].new == 61
    assert business_counts() == before


def test_a_second_run_on_a_target_with_data_is_refused_and_changes_nothing(
    legacy_sample: LegacySource,
) -> None:
    take_over(source=legacy_sample)
    after_first = business_counts()

    with pytest.raises(TargetNotEmpty, match="base neuve"):
        take_over(source=legacy_sample)
    assert business_counts() == after_first


@pytest.mark.mysql
def test_the_same_take_over_reads_the_sample_from_mariadb(
    monkeypatch: pytest.MonkeyPatch, legacy_sample: LegacySource
) -> None:
    from project.settings import legacy_database

    name = f"test_asf_legacy_{os.getpid()}"
    load_sample(SAMPLE, name)
    try:
        default = settings.DATABASES["default"]
        monkeypatch.delenv("LEGACY_SQLITE_PATH", raising=False)
        for key, value in {
            "LEGACY_DB_NAME": name,
            "LEGACY_DB_USER": default["USER"],
            "LEGACY_DB_PASSWORD": default["PASSWORD"],
            "LEGACY_DB_HOST": default["HOST"],
            "LEGACY_DB_PORT": str(default["PORT"]),
        }.items():
            monkeypatch.setenv(key, value)
        database = legacy_database()
        assert database is not None
        source = LegacySource.from_settings(database)
        try:
            assert source.vendor == "mysql"
            with pytest.raises(DatabaseError), source.connection.cursor() as cursor:
                cursor.execute("DELETE FROM wms_product")  # the session is read-only
            from_sqlite = take_over(source=legacy_sample, dry_run=True)

            report = take_over(source=source)
        finally:
            source.close()
    finally:
        drop_sample(name)

    assert report.unexplained == []
    assert {name: (entry.old, entry.new) for name, entry in report.counts.items()} == {
        name: (entry.old, entry.new) for name, entry in from_sqlite.counts.items()
    }
    assert report.anomalies == from_sqlite.anomalies
    ledger = io.StringIO()
    call_command("check_stock_ledger", stdout=ledger)
    assert "0 discrepancies" in ledger.getvalue()


def test_the_command_reads_the_file_named_by_the_environment(tmp_path: Path) -> None:
    """`manage.py import_legacy` as the runbook runs it: LEGACY_SQLITE_PATH names the old
    database, the target is a fresh one that only `migrate` has touched."""
    project = copy_project(tmp_path / "project")
    env = clean_env(**DEV_ENV, LEGACY_SQLITE_PATH=str(SAMPLE))
    assert manage(project, "migrate", "--no-input", env=env).returncode == 0

    dry = manage(project, "import_legacy", "--dry-run", "--report", "dry.txt", env=env)
    real = manage(project, "import_legacy", "--report", "report.txt", env=env)
    again = manage(project, "import_legacy", env=env)

    assert dry.returncode == 0, dry.stderr
    assert "simulation" in dry.stdout
    assert real.returncode == 0, real.stderr
    assert "wms_product" in real.stdout
    assert (project / "report.txt").read_text(encoding="utf-8") in real.stdout
    assert again.returncode != 0
    assert "base neuve" in again.stderr
    unset = clean_env(**DEV_ENV)
    missing = manage(project, "import_legacy", env=unset)
    assert missing.returncode != 0 and "LEGACY_SQLITE_PATH" in missing.stderr
