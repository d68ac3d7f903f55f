"""Master rows of the reference counters (see wms/services/references.py): the deploy sequence
runs only migrate, so the rows the application locks must come from a migration."""

from django.db import migrations

KINDS = ["receipt", "receipt_source", "shipment", "order", "carton", "asf_id"]


def create_master_rows(apps, schema_editor):
    ReferenceSequence = apps.get_model("wms", "ReferenceSequence")
    for kind in KINDS:
        ReferenceSequence.objects.get_or_create(kind=kind, scope="*", defaults={"last_value": 0})


def remove_master_rows(apps, schema_editor):
    apps.get_model("wms", "ReferenceSequence").objects.filter(scope="*").delete()


class Migration(migrations.Migration):
    dependencies = [("wms", "0005_stock_core")]

    operations = [migrations.RunPython(create_master_rows, remove_master_rows)]
