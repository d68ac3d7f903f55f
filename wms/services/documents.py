"""Additional shipment documents (S-SHIPMENTS): an upload is checked by its extension AND by its
first bytes, and by its size (`UPLOAD_MAX_MB`), then stored under a random name — the name the
user gave is kept for display and download only, never used as a path.

Files are served by a view that checks the caller (staff only), never by a public media URL.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from wms.models import Shipment, ShipmentDocument, ShipmentDocumentKind
from wms.services.errors import StockError
from wms.services.stock import Actor

log = logging.getLogger("wms.documents")

MAX_NAME = 200


@dataclass(frozen=True)
class FileType:
    extension: str  # as stored
    content_type: str
    signatures: tuple[bytes, ...]


PDF = FileType("pdf", "application/pdf", (b"%PDF-",))
JPEG = FileType("jpg", "image/jpeg", (b"\xff\xd8\xff",))
PNG = FileType("png", "image/png", (b"\x89PNG\r\n\x1a\n",))
ALLOWED: dict[str, FileType] = {"pdf": PDF, "jpg": JPEG, "jpeg": JPEG, "png": PNG}
ALLOWED_LABEL = "PDF, JPG, JPEG, PNG"
CONTENT_TYPES = {file_type.extension: file_type.content_type for file_type in ALLOWED.values()}
HEAD_BYTES = max(len(s) for file_type in ALLOWED.values() for s in file_type.signatures)


def max_bytes() -> int:
    return int(settings.UPLOAD_MAX_MB) * 1024 * 1024


def original_name_of(upload: UploadedFile) -> str:
    # Browsers on Windows may send a full path: only its last part is the file's name.
    raw = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in raw if char.isprintable()).strip()
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: MAX_NAME - len(extension) - 1] + dot + extension) if dot else name[:MAX_NAME]
    return name


def _head(upload: IO[Any]) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head if isinstance(head, bytes) else b""


def check_upload(upload: UploadedFile) -> FileType:
    """The type of an acceptable upload; a French StockError for anything else."""
    name = original_name_of(upload)
    extension = os.path.splitext(name)[1].lstrip(".").lower()
    file_type = ALLOWED.get(extension)
    if file_type is None:
        raise StockError(
            f"Type de fichier refusé : « {name or '?'} ». Types acceptés : {ALLOWED_LABEL}."
        )
    size = upload.size or 0
    if size == 0:
        raise StockError(f"Le fichier « {name} » est vide.")
    if size > max_bytes():
        raise StockError(
            f"Le fichier « {name} » est trop volumineux ({size / 1024 / 1024:.1f} Mo) : "
            f"{settings.UPLOAD_MAX_MB} Mo au plus."
        )
    # The extension is only what the sender claims: the first bytes say what the file is.
    head = _head(upload)
    if not any(head.startswith(signature) for signature in file_type.signatures):
        raise StockError(
            f"Le contenu du fichier « {name} » n'est pas un {extension.upper()} valide."
        )
    return file_type


def save_shipment_document(
    *, shipment: Shipment, upload: UploadedFile | None, kind: str, actor: Actor
) -> ShipmentDocument:
    """Check and store one document of a shipment (any status: customs papers come late)."""
    if kind not in ShipmentDocumentKind.values:
        raise StockError("Type de document inconnu.")
    if upload is None:
        raise StockError("Choisissez un fichier.")
    file_type = check_upload(upload)
    document = ShipmentDocument(
        shipment=shipment,
        kind=kind,
        original_name=original_name_of(upload),
        uploaded_by=actor.user if getattr(actor.user, "pk", None) else None,
    )
    # A random name: two uploads of "facture.pdf" never collide and nobody guesses a path.
    document.file.save(f"{uuid.uuid4().hex}.{file_type.extension}", upload, save=False)
    try:
        with transaction.atomic():
            document.save()
    except Exception:
        document.file.delete(save=False)  # no orphan file when the row could not be written
        raise
    log.info(
        "shipment document",
        extra={
            "event": "shipment_document",
            "shipment": shipment.reference,
            "document": document.pk,
            "kind": kind,
            "user": getattr(actor.user, "username", None),
        },
    )
    return document


def content_type_of(document: ShipmentDocument) -> str:
    extension = os.path.splitext(document.file.name)[1].lstrip(".").lower()
    return CONTENT_TYPES.get(extension, "application/octet-stream")
