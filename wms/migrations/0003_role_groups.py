"""Creates the Worker and Manager groups with their permissions (S-ROLES).

The codenames are written out here rather than imported, so this migration keeps meaning the same
thing when the roles module changes later.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WORKER = ["use_scan", "use_api"]
MANAGER = ["use_scan", "use_api", "manage_warehouse", "review_requests", "manage_imports"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create ours now to attach them.
    app_config = apps.get_app_config("wms")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Worker", WORKER), ("Manager", MANAGER)):
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(content_type__app_label="wms", codename__in=codenames)
        group.permissions.add(*perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Worker", "Manager"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("wms", "0002_cache_table"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
