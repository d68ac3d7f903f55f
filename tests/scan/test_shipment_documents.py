"""Additional shipment documents on the scan screens (S-SHIPMENTS, S-ROLES): uploads checked by
type and size, downloads for staff only, as attachments, through a view."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from tests.shipping_helpers import scene
from wms.models import ShipmentDocument
from wms.services import documents
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@pytest.fixture
def shipment(manager):
    return scene(manager).shipment()


def upload_url(shipment) -> str:
    return reverse("scan:shipment_document_upload", args=[shipment.pk])


def download_url(document) -> str:
    return reverse("scan:shipment_document", args=[document.shipment_id, document.pk])


def post(client, shipment, name: str, content: bytes, kind: str = "customs"):
    return client.post(
        upload_url(shipment), {"kind": kind, "file": SimpleUploadedFile(name, content)}
    )


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT) / "shipment-documents"
    return sorted(str(path) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def stored(shipment, name="douane.pdf", content=PDF):
    return documents.save_shipment_document(
        shipment=shipment,
        upload=SimpleUploadedFile(name, content),
        kind="customs",
        actor=Actor(),
    )


def test_a_worker_uploads_a_pdf_and_downloads_it(client, shipment, worker):
    client.force_login(worker)
    response = post(client, shipment, "déclaration douane.pdf", PDF)
    assert response.status_code == 303
    assert response["Location"] == reverse("scan:shipment_detail", args=[shipment.pk])
    document = ShipmentDocument.objects.get()
    assert document.original_name == "déclaration douane.pdf"
    assert document.kind == "customs" and document.uploaded_by == worker
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "déclaration douane.pdf" in page and download_url(document) in page
    response = client.get(download_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "d%C3%A9claration%20douane.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF


def test_an_exe_renamed_pdf_is_refused_by_its_content(client, shipment, worker):
    client.force_login(worker)
    before = stored_files()
    response = post(client, shipment, "facture.pdf", EXE)
    assert response.status_code == 200
    assert "n'est pas un PDF valide" in html.unescape(response.content.decode())
    assert not ShipmentDocument.objects.exists()
    assert stored_files() == before


def test_other_types_are_refused(client, shipment, worker):
    client.force_login(worker)
    response = post(client, shipment, "programme.exe", EXE)
    assert "Type de fichier refusé" in html.unescape(response.content.decode())
    response = client.post(upload_url(shipment), {"kind": "customs"})
    assert "Choisissez un fichier" in html.unescape(response.content.decode())
    response = post(client, shipment, "a.pdf", PDF, kind="secret")
    assert response.status_code == 200
    assert not ShipmentDocument.objects.exists()


@override_settings(UPLOAD_MAX_MB=1)
def test_a_file_over_the_size_limit_is_refused(client, shipment, worker):
    client.force_login(worker)
    big = PDF + b"0" * int(1.1 * 1024 * 1024)
    response = post(client, shipment, "gros.pdf", big)
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    assert "trop volumineux" in body and "1 Mo au plus" in body
    assert not ShipmentDocument.objects.exists()


def test_people_without_the_scan_role_cannot_upload(client, shipment, outsider):
    response = post(client, shipment, "a.pdf", PDF)
    assert response.status_code == 302 and "/scan/login/" in response["Location"]
    client.force_login(outsider)
    assert post(client, shipment, "a.pdf", PDF).status_code == 403
    assert not ShipmentDocument.objects.exists()


def test_anonymous_visitors_and_outsiders_get_no_file(client, shipment, outsider):
    document = stored(shipment)
    response = client.get(download_url(document))
    assert response.status_code == 302 and "/scan/login/" in response["Location"]
    client.force_login(outsider)
    assert client.get(download_url(document)).status_code == 403


def test_a_document_is_only_served_under_its_own_shipment(client, manager, worker):
    world = scene(manager)
    mine, other = world.shipment(), world.shipment()
    document = stored(mine)
    client.force_login(worker)
    wrong = reverse("scan:shipment_document", args=[other.pk, document.pk])
    assert client.get(wrong).status_code == 404
    assert client.get(reverse("scan:shipment_document", args=[mine.pk, 999999])).status_code == 404


def test_a_missing_file_is_not_found(client, shipment, worker):
    document = stored(shipment)
    os.remove(document.file.path)
    client.force_login(worker)
    assert client.get(download_url(document)).status_code == 404
