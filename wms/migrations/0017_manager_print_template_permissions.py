"""Managers see, save and restore print templates from the admin and the editor (S-PRINT). No
delete permission: every saved version stays, so that it can be restored."""

from django.db import migrations

from wms.migrations._permissions import ensure_permissions, grant

CODENAMES = ["view_printtemplate", "add_printtemplate", "change_printtemplate"]


def grant_print_template_permissions(apps, schema_editor):
    ensure_permissions(apps, schema_editor, "wms")
    grant(apps, "Manager", "wms", CODENAMES)


def revoke_print_template_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="wms", codename__in=CODENAMES)
    for group in Group.objects.filter(name="Manager"):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("wms", "0016_print_templates")]

    operations = [
        migrations.RunPython(grant_print_template_permissions, revoke_print_template_permissions)
    ]
