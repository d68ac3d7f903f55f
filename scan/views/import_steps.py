"""The steps of a table import (S-IMPORT), shared by the managers' screen (/scan/import/) and the
admin's "Importer" pages: upload → dry run report → confirm or cancel.

The uploaded file is kept as an ImportUpload (under a random name) between the steps, so the
confirmed import reads exactly the file the report was made from. The report is made again on
every visit: a dry run is cheap, and it says what the import would do now, not when the file was
sent. The import is all or nothing: rows with errors make the confirmation apply nothing.

`Screens` says where the steps' pages are and how they are drawn; the scan views and the admin
each give theirs, and the logic below is the same for both.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from scan.forms.imports import ReviewForm, UploadForm
from scan.views.capture import see_other
from wms.imports.errors import ImportFileError
from wms.imports.pipeline import ImportResult
from wms.imports.tables import (
    IMPORT_TABLES,
    ImportTable,
    UnknownImportTable,
    get_import_table,
    import_file,
)
from wms.models import ImportKind, ImportUpload
from wms.services.documents import original_name_of


class ImportRefused(Exception):
    """The file as a whole cannot be imported (its message is shown as it is)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- the steps -----------------------------------------------------------------------------------


def store(table: ImportTable, file: UploadedFile, *, update: bool, user: User) -> ImportUpload:
    """Keep the uploaded file for the next steps, under a random name (never the user's)."""
    ImportUpload.purge_abandoned()
    name = original_name_of(file)
    upload = ImportUpload(
        kind=ImportKind.TABLE,
        table=table.name,
        original_name=name,
        size=file.size or 0,
        options={"update": update and table.updates},
        created_by=user,
    )
    upload.file.save(f"{uuid.uuid4().hex}{Path(name).suffix.lower()}", file, save=False)
    upload.save()
    return upload


def find(token: uuid.UUID, user: Any) -> ImportUpload | None:
    """The user's own upload: another manager's token is as unknown as a made-up one."""
    return ImportUpload.objects.filter(token=token, created_by=user, kind=ImportKind.TABLE).first()


def update_of_table(name: str) -> bool:
    """Whether rows of this table can update a record (categories cannot: nothing to update)."""
    table = IMPORT_TABLES.get(name)
    return table is not None and table.updates


def update_of(upload: ImportUpload) -> bool:
    return update_of_table(upload.table) and bool(upload.options.get("update"))


def run(upload: ImportUpload, *, update: bool, dry_run: bool, user: User) -> ImportResult:
    """Import the stored file; ImportRefused when the file as a whole is refused."""
    try:
        data = upload.read()
    except (OSError, ValueError):
        raise ImportRefused(
            _("The uploaded file is no longer available: upload it again.")
        ) from None
    try:
        return import_file(
            upload.table,
            data,
            upload.original_name,
            update=update,
            dry_run=dry_run,
            actor=user,
        )
    except (ImportFileError, UnknownImportTable) as exc:
        raise ImportRefused(exc.message) from exc


def start(table: ImportTable, file: UploadedFile, *, update: bool, user: User) -> ImportUpload:
    """Store the file and check it once: a file refused as a whole is not kept."""
    upload = store(table, file, update=update, user=user)
    try:
        run(upload, update=update_of(upload), dry_run=True, user=user)
    except ImportRefused:
        upload.delete_file()
        raise
    return upload


@dataclass(frozen=True)
class Confirmation:
    state: Literal["done", "gone", "failed", "refused"]
    table: str = ""
    # The run's result ("done", "failed"); empty when nothing ran ("gone", "refused").
    result: ImportResult = field(default_factory=ImportResult)
    message: str = ""


def confirm(token: uuid.UUID, user: User, *, update: bool) -> Confirmation:
    """Run the import for real. The upload row is locked for the run and deleted with its
    success, in one transaction: a second confirmation sent meanwhile (a double click) waits,
    then finds no upload and applies nothing."""
    with transaction.atomic():
        upload = (
            ImportUpload.objects.select_for_update()
            .filter(token=token, created_by=user, kind=ImportKind.TABLE)
            .first()
        )
        if upload is None:
            return Confirmation("gone")
        update = update and update_of_table(upload.table)
        try:
            result = run(upload, update=update, dry_run=False, user=user)
        except ImportRefused as refusal:
            upload.delete_file()
            return Confirmation("refused", upload.table, message=refusal.message)
        if not result.committed:
            # Rows failed (the data changed since the report): nothing was applied.
            return Confirmation("failed", upload.table, result)
        upload.delete_file()
    return Confirmation("done", upload.table, result)


# --- the pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """What the review page shows: the report of the dry run (or of a refused confirmation)."""

    upload: ImportUpload
    table: ImportTable
    result: ImportResult
    form: ReviewForm
    # True when a confirmation was refused for row errors: the report is the real run's.
    refused: bool = False

    @property
    def can_confirm(self) -> bool:
        return not self.result.errors


@dataclass(frozen=True)
class Screens:
    """Where the steps' pages are and how they are drawn (the scan app's or the admin's)."""

    upload_url: Callable[[str], str]  # the upload page, for a table (preselected)
    review_url: Callable[[ImportUpload], str]
    done_url: Callable[[str], str]  # where a done import leads, for its table
    render_upload: Callable[[HttpRequest, UploadForm], HttpResponse]
    render_review: Callable[[HttpRequest, Review], HttpResponse]


def upload_step(request: HttpRequest, form: UploadForm, screens: Screens) -> HttpResponse:
    """The upload form's POST: stored and checked → the review; refused → the form again."""
    if form.is_valid():
        try:
            upload = start(
                form.import_table(),
                form.cleaned_data["file"],
                update=form.wants_update(),
                user=request.user,  # type: ignore[arg-type]
            )
        except ImportRefused as refusal:
            form.add_error("file", refusal.message)
        else:
            return see_other(screens.review_url(upload))
    return screens.render_upload(request, form)


def review_step(request: HttpRequest, token: uuid.UUID, screens: Screens) -> HttpResponse:
    """The review page (GET) and its decisions (POST: confirm, cancel, check again)."""
    if request.method != "POST":
        upload = find(token, request.user)
        if upload is None:
            raise Http404
        return show_review(request, upload, screens)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        upload = find(token, request.user)
        if upload is None:
            raise Http404
        for error in form.errors.get("action", []):
            messages.error(request, str(error))
        return show_review(request, upload, screens)
    action = form.cleaned_data["action"]
    update = bool(form.cleaned_data["update"])
    if action == "confirm":
        return confirm_step(request, token, update, screens)
    upload = find(token, request.user)
    if upload is None:
        return gone(request, screens)
    if action == "cancel":
        upload.delete_file()
        messages.info(request, _("Import cancelled: nothing was imported."))
        return see_other(screens.upload_url(upload.table))
    upload.options = {**upload.options, "update": update and update_of_table(upload.table)}
    upload.save(update_fields=["options"])
    return see_other(screens.review_url(upload))


def show_review(
    request: HttpRequest,
    upload: ImportUpload,
    screens: Screens,
    *,
    result: ImportResult | None = None,
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    update = update_of(upload)
    try:
        table = get_import_table(upload.table)
        if result is None:
            result = run(upload, update=update, dry_run=True, user=user)
    except (ImportRefused, UnknownImportTable) as refusal:
        upload.delete_file()
        messages.error(request, refusal.message)
        return see_other(screens.upload_url(upload.table))
    form = ReviewForm(initial={"update": update})
    return screens.render_review(request, Review(upload, table, result, form, refused=False))


def confirm_step(
    request: HttpRequest, token: uuid.UUID, update: bool, screens: Screens
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    outcome = confirm(token, user, update=update)
    if outcome.state == "gone":
        return gone(request, screens)
    if outcome.state == "refused":
        messages.error(request, outcome.message)
        return see_other(screens.upload_url(outcome.table))
    result = outcome.result
    if outcome.state == "failed":
        upload = find(token, user)
        if upload is None:  # cancelled from another tab meanwhile
            return gone(request, screens)
        table = get_import_table(upload.table)
        form = ReviewForm(initial={"update": update})
        return screens.render_review(request, Review(upload, table, result, form, refused=True))
    messages.success(
        request,
        _("Import done: %(created)d created, %(updated)d updated, %(skipped)d skipped.")
        % {"created": result.created, "updated": result.updated, "skipped": result.skipped},
    )
    return see_other(screens.done_url(outcome.table))


def gone(request: HttpRequest, screens: Screens) -> HttpResponse:
    """A confirmation or a cancel sent twice: the first one already ended the import."""
    messages.info(request, _("This import was already done or cancelled."))
    return see_other(screens.upload_url(""))
