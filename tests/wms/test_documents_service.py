"""Shipment documents (S-SHIPMENTS): only PDF, JPEG and PNG files — by extension AND by content —
up to UPLOAD_MAX_MB, stored under a random name with the user's name kept for display."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.shipping_helpers import scene
from wms.models import ShipmentDocument
from wms.services import documents
from wms.services.errors import StockError

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 32


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def world(manager):
    return scene(manager)


def save(world, name: str, content: bytes, kind: str = "customs") -> ShipmentDocument:
    return documents.save_shipment_document(
        shipment=world.shipment(), upload=upload(name, content), kind=kind, actor=world.actor
    )


@pytest.mark.parametrize(
    ("name", "content", "stored"),
    [
        ("declaration.pdf", PDF, ".pdf"),
        ("PHOTO.JPG", JPEG, ".jpg"),
        ("photo.jpeg", JPEG, ".jpg"),
        ("scan.png", PNG, ".png"),
    ],
)
def test_it_accepts_pdf_jpeg_and_png(world, name, content, stored):
    document = save(world, name, content)
    assert document.original_name == name
    assert document.file.name.startswith("shipment-documents/")
    assert document.file.name.endswith(stored)
    assert name not in document.file.name  # a random name, never the user's
    with document.file.open("rb") as handle:
        assert handle.read() == content
    assert document.uploaded_by == world.actor.user


def test_two_documents_with_the_same_name_do_not_collide(world):
    first = save(world, "facture.pdf", PDF)
    second = save(world, "facture.pdf", PDF + b"2")
    assert first.file.name != second.file.name


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("programme.exe", EXE, "Type de fichier refusé"),
        ("programme.pdf", EXE, "n'est pas un PDF valide"),
        ("image.pdf", PNG, "n'est pas un PDF valide"),
        ("document.png", PDF, "n'est pas un PNG valide"),
        ("sans-extension", PDF, "Type de fichier refusé"),
        ("vide.pdf", b"", "est vide"),
    ],
)
def test_it_refuses_other_types_and_disguised_files(world, name, content, reason):
    with pytest.raises(StockError) as refusal:
        save(world, name, content)
    assert reason in refusal.value.message
    assert not ShipmentDocument.objects.exists()


@override_settings(UPLOAD_MAX_MB=1)
def test_it_refuses_a_file_over_the_size_limit(world):
    limit = 1024 * 1024
    assert save(world, "juste.pdf", PDF + b"0" * (limit - len(PDF))).pk
    with pytest.raises(StockError) as refusal:
        save(world, "gros.pdf", PDF + b"0" * (limit + 1 - len(PDF)))
    assert "trop volumineux" in refusal.value.message and "1 Mo" in refusal.value.message
    assert ShipmentDocument.objects.count() == 1


def test_it_refuses_no_file_and_an_unknown_kind(world):
    shipment = world.shipment()
    with pytest.raises(StockError, match="Choisissez un fichier"):
        documents.save_shipment_document(
            shipment=shipment, upload=None, kind="other", actor=world.actor
        )
    with pytest.raises(StockError, match="Type de document inconnu"):
        documents.save_shipment_document(
            shipment=shipment, upload=upload("a.pdf", PDF), kind="secret", actor=world.actor
        )
    assert not ShipmentDocument.objects.exists()


def test_the_name_keeps_only_its_last_part(world):
    document = save(world, "C:\\Users\\asf\\Documents\\facture.pdf", PDF)
    assert document.original_name == "facture.pdf"
    long_name = "x" * 300 + ".pdf"
    assert len(documents.original_name_of(upload(long_name, PDF))) == 200
    assert documents.original_name_of(upload(long_name, PDF)).endswith(".pdf")


def test_the_content_type_follows_the_stored_extension(world):
    assert documents.content_type_of(save(world, "a.pdf", PDF)) == "application/pdf"
    assert documents.content_type_of(save(world, "b.jpeg", JPEG)) == "image/jpeg"
    assert documents.content_type_of(save(world, "c.png", PNG)) == "image/png"
