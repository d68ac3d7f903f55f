"""Managers run the stock core from the admin (S-ROLES): master data in full, lots and the ledger
to read (quantities change only through the services' forms)."""

from django.db import migrations

from wms.migrations._permissions import ensure_permissions, grant

MASTER_DATA = [
    "productcategory", "producttag", "product", "productkititem", "contact", "contactaddress",
    "warehouse", "location", "rackcolor", "receipt", "receiptline", "receiptoutofformatline",
]  # fmt: skip
READ_ONLY = ["productlot", "stockmovement"]
CODENAMES = [
    f"{action}_{model}" for model in MASTER_DATA for action in ("view", "add", "change", "delete")
] + [f"view_{model}" for model in READ_ONLY]


def grant_stock_permissions(apps, schema_editor):
    ensure_permissions(apps, schema_editor, "wms")
    grant(apps, "Manager", "wms", CODENAMES)


def revoke_stock_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="wms", codename__in=CODENAMES)
    for group in Group.objects.filter(name="Manager"):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("wms", "0006_sequence_master_rows")]

    operations = [migrations.RunPython(grant_stock_permissions, revoke_stock_permissions)]
