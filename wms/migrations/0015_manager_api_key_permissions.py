"""Managers create, rename, re-scope and revoke per-client API keys from the admin (S-API). No
delete permission: a revoked key stays listed, so that its last use remains visible."""

from django.db import migrations

from wms.migrations._permissions import ensure_permissions, grant

CODENAMES = ["view_apikey", "add_apikey", "change_apikey"]


def grant_api_key_permissions(apps, schema_editor):
    ensure_permissions(apps, schema_editor, "wms")
    grant(apps, "Manager", "wms", CODENAMES)


def revoke_api_key_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="wms", codename__in=CODENAMES)
    for group in Group.objects.filter(name="Manager"):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("wms", "0014_api_keys")]

    operations = [migrations.RunPython(grant_api_key_permissions, revoke_api_key_permissions)]
