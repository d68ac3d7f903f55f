"""Creates the Worker and Manager groups with their permissions (S-ROLES).

The codenames are written out here rather than imported, so this migration keeps meaning the same
thing when the roles module changes later.
"""

from django.db import migrations

from wms.migrations._permissions import ensure_permissions, grant

WORKER = ["use_scan", "use_api"]
MANAGER = ["use_scan", "use_api", "manage_warehouse", "review_requests", "manage_imports"]


def create_groups(apps, schema_editor):
    ensure_permissions(apps, schema_editor, "wms")
    grant(apps, "Worker", "wms", WORKER)
    grant(apps, "Manager", "wms", MANAGER)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Worker", "Manager"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("wms", "0002_cache_table"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
