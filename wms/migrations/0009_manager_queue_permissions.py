"""Managers watch the email queue in the admin and replay failed sends (S-EMAIL)."""

from django.db import migrations

from wms.migrations._permissions import ensure_permissions, grant

CODENAMES = ["view_integrationevent", "change_integrationevent"]


def grant_queue_permissions(apps, schema_editor):
    ensure_permissions(apps, schema_editor, "wms")
    grant(apps, "Manager", "wms", CODENAMES)


def revoke_queue_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="wms", codename__in=CODENAMES)
    for group in Group.objects.filter(name="Manager"):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("wms", "0008_email_queue")]

    operations = [migrations.RunPython(grant_queue_permissions, revoke_queue_permissions)]
