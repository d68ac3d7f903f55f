"""The legacy connection reads the sample and refuses every write."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError

from wms.imports.legacy import source
from wms.imports.legacy.source import LegacySchemaError, LegacySource

pytestmark = pytest.mark.django_db


def test_the_sample_reads_through_the_legacy_connection(legacy_sample: LegacySource) -> None:
    legacy = legacy_sample

    assert legacy.count("wms_product") == 61
    assert len(legacy.rows("contacts_contact")) == 31
    assert legacy.count("no_such_table") == 0


def test_the_legacy_connection_refuses_writes(legacy_sample: LegacySource) -> None:
    legacy = legacy_sample

    with pytest.raises(DatabaseError), legacy.connection.cursor() as cursor:
        cursor.execute("DELETE FROM wms_product")
    assert legacy.count("wms_product") == 61


def test_an_unconfigured_or_foreign_source_is_refused_with_a_message(
    legacy_sample: LegacySource,
) -> None:
    with pytest.raises(LegacySchemaError, match="LEGACY_SQLITE_PATH"):
        LegacySource.for_alias("nowhere")
    with pytest.raises(LegacySchemaError, match="wms_nothing"):
        legacy_sample.check_schema(("wms_product", "wms_nothing"))


def test_values_are_converted_the_same_from_both_databases() -> None:
    assert source.as_datetime("2025-10-01 18:15:56.444833") == dt.datetime(
        2025, 10, 1, 18, 15, 56, 444833, tzinfo=dt.UTC
    )
    assert source.as_datetime(dt.datetime(2025, 10, 1, 18, 15)) == dt.datetime(
        2025, 10, 1, 18, 15, tzinfo=dt.UTC
    )
    assert source.as_date("2025-09-09") == dt.date(2025, 9, 9)
    assert source.as_decimal(3.2, 2) == Decimal("3.20")
    assert source.as_decimal(0.055, 4) == Decimal("0.0550")
    assert source.as_decimal(Decimal("15"), 2) == Decimal("15.00")
    assert source.as_bool(1) is True and source.as_bool(0) is False
    assert source.as_uuid("b6b2a5aa4a60494cb4cddc1af680008d") == uuid.UUID(
        "b6b2a5aa-4a60-494c-b4cd-dc1af680008d"
    )
    assert source.as_json('{"a": [1]}') == {"a": [1]}
    assert source.as_text(None) == ""
