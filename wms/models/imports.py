"""Files uploaded for an import, kept between its steps (S-IMPORT).

An import is a conversation: upload, dry run (or column mapping and review for a pallet listing),
then confirm. The file is kept on the server between the steps so that the user never uploads it
twice and the confirmed import reads exactly what the dry run read. Stored under a random name,
never served; deleted once the import is confirmed or abandoned (`delete_file`).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

# An upload nobody confirmed or cancelled within a day is abandoned (a closed tab, a lost phone).
ABANDONED_AFTER = dt.timedelta(hours=24)


class ImportKind(models.TextChoices):
    TABLE = "table", "Table"
    LISTING = "listing", "Liste de colisage"


class ImportUpload(models.Model):
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("type", max_length=20, choices=ImportKind.choices)
    # For a table import: which table ("products", "contacts"…); blank for a listing.
    table = models.CharField("table", max_length=30, blank=True)
    file = models.FileField("fichier", upload_to="imports/%Y/")
    original_name = models.CharField("nom du fichier", max_length=200)
    size = models.PositiveIntegerField("taille (octets)", default=0)
    # The choices made along the way: sheet, header row, pages, column mapping, review decisions.
    options = models.JSONField("options", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="déposé par",
    )
    created_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "fichier d'import"
        verbose_name_plural = "fichiers d'import"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    def read(self) -> bytes:
        with self.file.open("rb") as handle:
            data: bytes = handle.read()
        return data

    @classmethod
    def purge_abandoned(cls) -> int:
        """Delete the uploads older than ABANDONED_AFTER, files included; called whenever a new
        file is uploaded, so that no cron job is needed to keep the folder small."""
        stale = list(cls.objects.filter(created_at__lt=timezone.now() - ABANDONED_AFTER))
        for upload in stale:
            upload.delete_file()
        return len(stale)

    def delete_file(self) -> None:
        """The file and its row: once confirmed or abandoned, nothing of the upload is kept."""
        self.file.delete(save=False)
        self.delete()
