"""Files kept between import steps are purged once abandoned; the admin lists them and deletes
them with their files; print template versions are read-only in the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from wms.models import ImportKind, ImportUpload, PrintTemplate

pytestmark = pytest.mark.django_db


def upload(user: User, *, age: dt.timedelta = dt.timedelta()) -> ImportUpload:
    kept = ImportUpload(
        kind=ImportKind.TABLE, table="products", original_name="p.csv", created_by=user
    )
    kept.file.save("abc.csv", ContentFile(b"SKU;Nom\n"), save=False)
    kept.save()
    ImportUpload.objects.filter(pk=kept.pk).update(created_at=timezone.now() - age)
    return kept


def test_abandoned_uploads_are_purged_with_their_files_and_recent_ones_kept(manager: User) -> None:
    old = upload(manager, age=dt.timedelta(hours=25))
    recent = upload(manager, age=dt.timedelta(hours=23))

    assert ImportUpload.purge_abandoned() == 1

    assert not default_storage.exists(old.file.name)
    assert default_storage.exists(recent.file.name)
    assert list(ImportUpload.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_admin_deletes_an_upload_with_its_file(client: Client, manager: User) -> None:
    kept = upload(manager)
    client.force_login(manager)

    listing = client.get("/admin/wms/importupload/")
    assert listing.status_code == 200
    assert "p.csv" in listing.content.decode()
    response = client.post(
        "/admin/wms/importupload/",
        {"action": "delete_with_files", "_selected_action": [kept.pk]},
    )

    assert response.status_code == 302
    assert not ImportUpload.objects.exists()
    assert not default_storage.exists(kept.file.name)


def test_a_worker_cannot_see_the_uploads_in_the_admin(
    client: Client, worker: User, manager: User
) -> None:
    upload(manager)
    client.force_login(worker)

    response = client.get("/admin/wms/importupload/")

    assert response.status_code in (302, 403)
    assert ImportUpload.objects.count() == 1


def test_print_template_versions_are_listed_read_only_with_a_link_to_the_editor(
    client: Client, manager: User
) -> None:
    template = PrintTemplate.objects.create(
        document="shipment_note", version=1, layout=[], texts={}
    )
    client.force_login(manager)

    listing = client.get("/admin/wms/printtemplate/")
    detail = client.get(f"/admin/wms/printtemplate/{template.pk}/change/")
    add = client.get("/admin/wms/printtemplate/add/")
    delete = client.post(f"/admin/wms/printtemplate/{template.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert "/scan/templates/shipment_note/" in listing.content.decode()
    assert detail.status_code == 200
    assert add.status_code == 403
    assert delete.status_code == 403
    assert PrintTemplate.objects.count() == 1
