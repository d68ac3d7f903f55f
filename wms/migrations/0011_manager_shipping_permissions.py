"""Managers run destinations, carton formats, cartons and shipments from the admin (S-ROLES);
contents, tracking and status history are read-only there (they change through the services)."""

from django.db import migrations

from wms.migrations._permissions import ensure_permissions, grant

MASTER_DATA = ["destination", "cartonformat", "shipmentdocument"]
EDITABLE = ["carton", "shipment"]
READ_ONLY = ["cartonitem", "trackingevent", "statuschange"]
CODENAMES = (
    [f"{action}_{model}" for model in MASTER_DATA for action in ("view", "add", "change", "delete")]
    + [f"{action}_{model}" for model in EDITABLE for action in ("view", "change")]
    + [f"view_{model}" for model in READ_ONLY]
)


def grant_shipping_permissions(apps, schema_editor):
    ensure_permissions(apps, schema_editor, "wms")
    grant(apps, "Manager", "wms", CODENAMES)


def revoke_shipping_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="wms", codename__in=CODENAMES)
    for group in Group.objects.filter(name="Manager"):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("wms", "0010_cartons_shipments")]

    operations = [migrations.RunPython(grant_shipping_permissions, revoke_shipping_permissions)]
