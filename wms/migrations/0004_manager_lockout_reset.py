"""Managers may see and clear login lockouts in the admin (a volunteer locked out on a Saturday
should not have to wait for a superuser)."""

from django.db import migrations

from wms.migrations._permissions import ensure_permissions, grant

AXES = ["view_accessattempt", "delete_accessattempt", "view_accessfailurelog"]


def grant_lockout_reset(apps, schema_editor):
    ensure_permissions(apps, schema_editor, "axes")
    grant(apps, "Manager", "axes", AXES)


def revoke_lockout_reset(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="axes", codename__in=AXES)
    for group in Group.objects.filter(name="Manager"):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("wms", "0003_role_groups"), ("axes", "0010_accessattemptexpiration")]

    operations = [migrations.RunPython(grant_lockout_reset, revoke_lockout_reset)]
