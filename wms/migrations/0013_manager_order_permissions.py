"""Managers review orders, account requests and documents, and manage public links and
association profiles from the admin (S-ROLES). Reservations are read-only there (they change
through the order service)."""

from django.db import migrations

from wms.migrations._permissions import ensure_permissions, grant

FULL = [
    "publicorderlink", "associationprofile", "associationrecipient", "associationdocument",
    "orderdocument",
]  # fmt: skip
EDITABLE = ["order", "orderline", "publicaccountrequest"]
READ_ONLY = ["orderreservation"]
CODENAMES = (
    [f"{action}_{model}" for model in FULL for action in ("view", "add", "change", "delete")]
    + [f"{action}_{model}" for model in EDITABLE for action in ("view", "change")]
    + [f"view_{model}" for model in READ_ONLY]
)


def grant_order_permissions(apps, schema_editor):
    ensure_permissions(apps, schema_editor, "wms")
    grant(apps, "Manager", "wms", CODENAMES)


def revoke_order_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="wms", codename__in=CODENAMES)
    for group in Group.objects.filter(name="Manager"):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("wms", "0012_orders_portal")]

    operations = [migrations.RunPython(grant_order_permissions, revoke_order_permissions)]
