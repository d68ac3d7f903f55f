"""Roles of S-ROLES: groups from the migration, Manager ⇒ staff, and the permission decorator."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from wms.permissions import require_permission
from wms.roles import MANAGER_CAPABILITIES, MANAGER_GROUP, SCAN_PERMISSION, WORKER_GROUP

pytestmark = pytest.mark.django_db


@require_permission(SCAN_PERMISSION)
def protected_view(request):
    return HttpResponse("ok")


def call(user):
    request = RequestFactory().get("/scan/somewhere/?x=1")
    request.user = user
    return protected_view(request)


def test_the_migration_creates_both_groups_with_their_permissions():
    worker_perms = set(
        Group.objects.get(name=WORKER_GROUP).permissions.values_list("codename", flat=True)
    )
    manager_perms = set(
        Group.objects.get(name=MANAGER_GROUP).permissions.values_list("codename", flat=True)
    )
    assert worker_perms == {"use_scan", "use_api"}
    assert manager_perms >= set(MANAGER_CAPABILITIES)
    assert worker_perms < manager_perms


def test_managers_can_see_and_clear_lockouts_in_the_admin(client, manager):
    assert manager.has_perm("axes.view_accessattempt")
    assert manager.has_perm("axes.delete_accessattempt")
    assert not manager.has_perm("auth.change_user")
    client.force_login(manager)
    assert client.get("/admin/axes/accessattempt/").status_code == 200


def test_decorator_lets_a_worker_through(worker):
    assert call(worker).content == b"ok"


def test_decorator_forbids_a_user_without_group(outsider):
    with pytest.raises(PermissionDenied):
        call(outsider)


def test_decorator_redirects_anonymous_to_the_scan_login():
    response = call(AnonymousUser())
    assert response.status_code == 302
    assert response["Location"] == "/scan/login/?next=/scan/somewhere/%3Fx%3D1"


def test_a_superuser_passes_without_groups():
    admin = User.objects.create_superuser("root-test", "root@example.org", "x")
    assert call(admin).status_code == 200


def test_joining_manager_sets_staff_and_leaving_clears_it(worker):
    managers = Group.objects.get(name=MANAGER_GROUP)
    worker.groups.add(managers)
    worker.refresh_from_db()
    assert worker.is_staff
    worker.groups.remove(managers)
    worker.refresh_from_db()
    assert not worker.is_staff


def test_adding_from_the_group_side_sets_staff_too(worker):
    Group.objects.get(name=MANAGER_GROUP).user_set.add(worker)
    worker.refresh_from_db()
    assert worker.is_staff
    Group.objects.get(name=MANAGER_GROUP).user_set.clear()
    worker.refresh_from_db()
    assert not worker.is_staff


def test_clearing_groups_keeps_a_superuser_staff():
    admin = User.objects.create_superuser("root-test", "root@example.org", "x")
    admin.groups.add(Group.objects.get(name=MANAGER_GROUP))
    admin.groups.clear()
    admin.refresh_from_db()
    assert admin.is_staff


def test_a_manager_cannot_lose_staff_by_editing_the_flag(manager):
    manager.is_staff = False
    manager.save()
    manager.refresh_from_db()
    assert manager.is_staff


def test_a_worker_is_not_staff(worker):
    assert not worker.is_staff
    assert worker.has_perm(SCAN_PERMISSION)
    assert not worker.has_perm("wms.manage_warehouse")
