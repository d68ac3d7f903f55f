"""The print template editor's form (S-PRINT): per block an order number and a visibility box,
per text block a textarea. Plain POST, no script: the order numbers say the printed order."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wms.printing.documents import LAYOUTS, Template
from wms.services.print_templates import MAX_TEXT_LENGTH, text_blocks

ACTIONS = ("preview", "save")
BLOCK_LABELS = {
    "organisation": _("Organisation"),
    "title": _("Title and reference"),
    "flight": _("Flight and customs"),
    "destination": _("Destination"),
    "cartons": _("Cartons, weight and packaging"),
    "parties": _("Parties"),
    "attestation": _("Donation attestation"),
    "signatures": _("Signatures"),
    "lines": _("Lines"),
    "totals": _("Totals"),
    "certificate_text": _("Certificate text"),
    "content": _("Content"),
    "signature": _("Signature"),
    "carton": _("Carton"),
    "picking": _("Picking by location"),
}
MAX_ORDER = 99


class TemplateForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(action, action) for action in ACTIONS],
        error_messages={
            "required": _("Unknown action: preview or save."),
            "invalid_choice": _("Unknown action: preview or save."),
        },
    )
    op_id = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("The form expired: reload the page and try again.")},
    )

    def __init__(self, document: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document = document
        self.texts = text_blocks(document)
        for position, name in enumerate(LAYOUTS[document], start=1):
            self.fields[f"order_{name}"] = forms.IntegerField(
                label=_("Position"), min_value=1, max_value=MAX_ORDER, initial=position
            )
            self.fields[f"visible_{name}"] = forms.BooleanField(
                label=_("Printed"), required=False, initial=True
            )
        for name in self.texts:
            self.fields[f"text_{name}"] = forms.CharField(
                label=_("Text"),
                required=False,
                strip=False,
                max_length=MAX_TEXT_LENGTH,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    @staticmethod
    def initial_for(document: str, template: Template) -> dict[str, Any]:
        """The form's initial values from a template (the current one)."""
        initial: dict[str, Any] = {}
        for position, entry in enumerate(template.layout, start=1):
            initial[f"order_{entry['block']}"] = position
            initial[f"visible_{entry['block']}"] = entry["visible"]
        for name, text in template.texts.items():
            initial[f"text_{name}"] = text
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "save" and not cleaned.get("op_id"):
            raise forms.ValidationError(_("The form expired: reload the page and try again."))
        return cleaned

    def hidden_errors(self) -> list[str]:
        """Errors of the fields the page does not draw (action, operation id)."""
        return [str(error) for name in ("action", "op_id") for error in self.errors.get(name, [])]

    def template(self) -> Template:
        """The layout and texts typed (call once the form is valid): blocks sorted by their
        number, ties kept in the default order."""
        data = self.cleaned_data
        names = sorted(
            LAYOUTS[self.document],
            key=lambda name: (data[f"order_{name}"], LAYOUTS[self.document].index(name)),
        )
        layout = [{"block": name, "visible": bool(data[f"visible_{name}"])} for name in names]
        texts = {name: data[f"text_{name}"] for name in self.texts}
        return Template(layout, texts)

    def rows(self) -> list[dict[str, Any]]:
        """One row per block for the template, in the order shown (the typed order after a
        POST, else the initial one)."""

        def position(name: str) -> int:
            field = self[f"order_{name}"]
            try:
                return int(field.value())
            except (TypeError, ValueError):
                return MAX_ORDER + 1

        names = sorted(
            LAYOUTS[self.document],
            key=lambda name: (position(name), LAYOUTS[self.document].index(name)),
        )
        return [
            {
                "name": name,
                "label": BLOCK_LABELS.get(name, name),
                "order": self[f"order_{name}"],
                "visible": self[f"visible_{name}"],
                "text": self[f"text_{name}"] if name in self.texts else None,
            }
            for name in names
        ]


class VersionForm(forms.Form):
    """Restore a version, or reset to the defaults (version left empty)."""

    action = forms.ChoiceField(choices=[("restore", "restore"), ("reset", "reset")])
    op_id = forms.UUIDField(
        error_messages={"required": _("The form expired: reload the page and try again.")}
    )
    version = forms.IntegerField(required=False, min_value=1, max_value=10**9)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "restore" and not cleaned.get("version"):
            raise forms.ValidationError(_("Choose the version to restore."))
        return cleaned
