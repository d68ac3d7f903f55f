"""Forms of the shipments admin: the additional document upload (type- and size-checked by
wms.services.documents), the editable part of a shipment, and the manager's status override."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from wms.models import Shipment, ShipmentDocument, ShipmentStatus
from wms.services import documents
from wms.services.errors import StockError

FLIGHT_FIELDS = ("flight_date", "flight_number", "awb_number")
OPEN_FIELDS = ("notes", "requested_delivery_date")


class ShipmentDocumentForm(forms.ModelForm):  # type: ignore[type-arg]
    """A new row takes a file, checked like the scan app's upload; a stored document keeps its
    file (only its type may be corrected), so the row never shows a path or a media link."""

    class Meta:
        model = ShipmentDocument
        fields = ["kind", "file"]
        # A plain file input: the clearable one prints a link to the public media URL, and
        # documents are served to staff only, through a view.
        widgets = {"file": forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "file" in self.fields:
            self.fields["file"].disabled = True

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            try:
                documents.check_upload(upload)
            except StockError as exc:
                raise forms.ValidationError(exc.message) from None
        return upload


class ShipmentForm(forms.ModelForm):  # type: ignore[type-arg]
    """Only what the admin may still change; the status read fresh decides (S-SHIPMENTS:
    a shipped shipment is locked, but its flight details are known late, until delivery)."""

    class Meta:
        model = Shipment
        fields = [*OPEN_FIELDS, *FLIGHT_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is None:
            return cleaned
        status = (
            Shipment.objects.filter(pk=self.instance.pk).values_list("status", flat=True).first()
        )
        changed = set(self.changed_data)
        if status == ShipmentStatus.DELIVERED and changed:
            raise forms.ValidationError(
                f"L'expédition {self.instance.reference} est livrée : elle ne peut plus être "
                "modifiée."
            )
        if status == ShipmentStatus.SHIPPED and changed & set(OPEN_FIELDS):
            raise forms.ValidationError(
                f"L'expédition {self.instance.reference} est expédiée : seules les informations "
                "de vol peuvent encore changer."
            )
        return cleaned


class OverrideForm(forms.Form):
    status = forms.ChoiceField(label="Nouveau statut", choices=ShipmentStatus.choices)
    reason = forms.CharField(
        label="Motif",
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire : il est enregistré et envoyé aux responsables.",
    )
