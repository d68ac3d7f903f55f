"""Saved print templates (S-PRINT): one row per saved version of a document's layout and texts.

A document's current template is its latest version; a document with no row prints with the
defaults of wms/printing/documents.py. Rows are never changed: a restore or a reset adds a
version, so that every earlier one stays restorable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PrintTemplate(models.Model):
    document = models.CharField("document", max_length=40)
    version = models.PositiveIntegerField("version")
    # [{"block": name, "visible": bool}, …] in printed order.
    layout = models.JSONField("blocs", default=list)
    # {block name: text} for the text blocks; a block left out prints its default text.
    texts = models.JSONField("textes", default=dict)
    is_reset = models.BooleanField("réinitialisation", default=False)
    restored_from = models.PositiveIntegerField("restaurée depuis", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="enregistrée par",
    )
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "modèle d'impression"
        verbose_name_plural = "modèles d'impression"
        ordering = ["document", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "version"], name="print_template_document_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.version}"
