"""The forms of the table import (S-IMPORT): the upload (table, file, "update existing
records") and the review's decision (import, cancel, or check again with the other update choice).

The admin uses the same upload form with its table fixed by the changelist it comes from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from wms.imports.readers import TABLE_EXTENSIONS
from wms.imports.tables import IMPORT_TABLES, ImportTable
from wms.services.documents import max_bytes, original_name_of

ACCEPT = ",".join(sorted(TABLE_EXTENSIONS - {".xlsm"}))  # what the file picker offers
REVIEW_ACTIONS = ("confirm", "cancel", "recheck")


def table_choices() -> list[tuple[str, str]]:
    return [(name, table.label) for name, table in IMPORT_TABLES.items()]


class UploadForm(forms.Form):
    table = forms.ChoiceField(
        label=_("Table"),
        choices=table_choices,
        error_messages={
            "required": _("Choose the table to import."),
            "invalid_choice": _("Unknown table: choose one of the list."),
        },
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, XLSX or XLS; the first line names the columns."),
        error_messages={
            "required": _("Choose the file to import."),
            "empty": _("The file is empty."),
            "invalid": _("No file was received: choose it again."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    update = forms.BooleanField(
        label=_("Update existing records"),
        required=False,
        help_text=_("Unticked: the rows naming an existing record are skipped."),
    )

    def __init__(self, *args: Any, fixed_table: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_table = fixed_table
        if fixed_table is not None:
            # The admin imports the table of its changelist: no choice to make.
            del self.fields["table"]
            if not IMPORT_TABLES[fixed_table].updates:
                del self.fields["update"]

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = original_name_of(upload)
        extension = Path(name).suffix.lower()
        if extension not in TABLE_EXTENSIONS:
            raise forms.ValidationError(
                _("%(name)s: unsupported file type; a CSV, XLSX or XLS file is expected."),
                params={"name": name or "?"},
            )
        if (upload.size or 0) > max_bytes():
            raise forms.ValidationError(
                _("%(name)s is too large: %(limit)s MB at most."),
                params={"name": name, "limit": settings.UPLOAD_MAX_MB},
            )
        return upload

    def import_table(self) -> ImportTable:
        """The table to import into (call once the form is valid)."""
        return IMPORT_TABLES[self.fixed_table or self.cleaned_data["table"]]

    def wants_update(self) -> bool:
        # A table with nothing to update (categories) never updates, whatever was posted.
        return self.import_table().updates and bool(self.cleaned_data.get("update"))

    def tables_without_update(self) -> str:
        """For the page's script: the tables whose update box is hidden."""
        return " ".join(name for name, table in IMPORT_TABLES.items() if not table.updates)


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(action, action) for action in REVIEW_ACTIONS],
        error_messages={
            "required": _("Unknown action: import or cancel."),
            "invalid_choice": _("Unknown action: import or cancel."),
        },
    )
    update = forms.BooleanField(label=_("Update existing records"), required=False)
