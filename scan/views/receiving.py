"""Receiving hub, pallet receipt and packing list import (S-RECEIPTS, S-IMPORT), for workers.

The pallet form records a pallet alone, or carries its logistics to the listing import: upload
(the file is kept as an ImportUpload, found again by its token and its owner only), column
mapping, review per row, confirmation. Writes go through wms.services.pallet_receipts; the two
that create a receipt run under scan.operations.run_once, so a double tap creates one receipt.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from scan.forms.ids import parse_id
from scan.forms.receiving import (
    ListingUploadForm,
    MappingForm,
    PalletReceiptForm,
    ReadOptionsForm,
    posted_decisions,
    row_field,
)
from scan.models import OperationOutcome, ScanOperation
from scan.operations import OperationConflict, fingerprint, parse_op_id, principal_of, run_once
from wms.imports.errors import ImportFileError
from wms.imports.listing import ReadOptions, file_shape, is_pdf, is_workbook
from wms.imports.readers import Table
from wms.models import ImportKind, ImportUpload, Receipt
from wms.permissions import require_permission
from wms.roles import SCAN_PERMISSION
from wms.services import pallet_receipts
from wms.services.errors import StockError
from wms.services.stock import Actor

FORM_METHODS = ["GET", "HEAD", "POST"]
CONFIRM_KIND = "pallet_listing"
RECORD_KIND = "pallet_receipt"


def see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def own_uploads(request: HttpRequest) -> QuerySet[ImportUpload]:
    return ImportUpload.objects.filter(created_by_id=request.user.pk, kind=ImportKind.LISTING)


def listing_upload_of(request: HttpRequest, token: uuid.UUID) -> ImportUpload:
    """The caller's own listing upload: another user's token is a 404, like a wrong one."""
    return get_object_or_404(own_uploads(request), token=token)


def step_url(name: str, upload: ImportUpload) -> str:
    return reverse(f"scan:{name}", kwargs={"token": upload.token})


# --- hub and pallet form ------------------------------------------------------------------------


@require_safe
@require_permission(SCAN_PERMISSION)
def receive(request: HttpRequest) -> HttpResponse:
    return render(request, "scan/receiving/hub.html")


def pallet_page(request: HttpRequest, form: PalletReceiptForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "op_id": uuid.uuid4()}
    return render(request, "scan/receiving/pallet.html", context, status=status)


@require_http_methods(FORM_METHODS)
@require_permission(SCAN_PERMISSION)
def receive_pallet(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return pallet_page(request, PalletReceiptForm())
    form = PalletReceiptForm(request.POST)
    if not form.is_valid():
        return pallet_page(request, form)
    if request.POST.get("action") == "import":
        # Nothing is written yet: the logistics ride along to the upload step.
        return see_other(f"{reverse('scan:listing_upload')}?{form.logistics_query().urlencode()}")
    op_id = form.cleaned_data.get("op_id")
    if op_id is None:
        form.add_error(None, _("This form has expired: please send it again."))
        return pallet_page(request, form)
    logistics = form.logistics()

    def record() -> dict[str, Any]:
        receipt = pallet_receipts.record_pallet(logistics, actor=Actor(request.user, op_id))
        return {"message": receipt.reference, "receipt_id": receipt.pk}

    try:
        outcome = run_once(
            principal=principal_of(request.user),
            op_id=op_id,
            kind=RECORD_KIND,
            fields=form.operation_fields(),
            apply=record,
        )
    except OperationConflict as conflict:
        form.add_error(None, conflict.message)
        return pallet_page(request, form, status=409)
    if not outcome.applied:
        form.add_error(None, outcome.message)
        return pallet_page(request, form)
    messages.success(
        request, _("Pallet receipt %(reference)s recorded.") % {"reference": outcome.message}
    )
    return see_other(reverse("scan:receipt_detail", args=[outcome.response["receipt_id"]]))


# --- upload -------------------------------------------------------------------------------------


def upload_page(
    request: HttpRequest,
    pallet: PalletReceiptForm,
    form: ListingUploadForm,
    status: int = 200,
) -> HttpResponse:
    context = {
        "pallet": pallet,
        "logistics": pallet.logistics(),
        "form": form,
        "max_mb": settings.LISTING_MAX_FILE_SIZE_MB,
    }
    return render(request, "scan/receiving/upload.html", context, status=status)


@require_http_methods(FORM_METHODS)
@require_permission(SCAN_PERMISSION)
def listing_upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST" and not request.GET:
        return see_other(reverse("scan:receive_pallet"))
    pallet = PalletReceiptForm(request.POST if request.method == "POST" else request.GET)
    if not pallet.is_valid():
        # Logistics that no longer validate (a donor deactivated meanwhile): back to the form.
        return pallet_page(request, pallet)
    if request.method != "POST":
        return upload_page(request, pallet, ListingUploadForm())
    form = ListingUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return upload_page(request, pallet, form)
    uploaded = form.cleaned_data["file"]
    try:
        upload = pallet_receipts.store_listing(
            user=request.user,
            name=uploaded.name,
            data=uploaded.read(),
            read=form.read_options(),
            logistics=pallet.logistics(),
            max_mb=settings.LISTING_MAX_FILE_SIZE_MB,
        )
    except ImportFileError as exc:
        form.add_error("file", exc.message)
        return upload_page(request, pallet, form)
    return see_other(step_url("listing_mapping", upload))


# --- mapping ------------------------------------------------------------------------------------


def mapping_page(
    request: HttpRequest,
    upload: ImportUpload,
    *,
    read_form: ReadOptionsForm | None = None,
    mapping_form: MappingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    current = ReadOptions.from_json(upload.options.get("read"))
    try:
        shape = file_shape(pallet_receipts.stored_data(upload), upload.original_name)
    except ImportFileError as exc:
        shape, read_error = None, exc.message
    else:
        read_error = ""
    sheets = shape.sheets if shape else []
    if read_form is None:
        read_form = ReadOptionsForm(
            sheets=sheets, pdf=is_pdf(upload.original_name), current=current
        )
    table = None
    if not read_error:
        try:
            table = pallet_receipts.listing_table(upload)
        except ImportFileError as exc:
            read_error = exc.message
    if table is not None and mapping_form is None:
        mapping_form = MappingForm(headers=table.headers, initial=upload.options.get("mapping"))
    context = {
        "upload": upload,
        "read_form": read_form,
        "read_error": read_error,
        "show_read_form": bool(read_form.fields),
        "pages": shape.pages if shape else 0,
        "workbook": is_workbook(upload.original_name),
        "mapping_form": mapping_form,
        "columns": list(table.headers.values()) if table else [],
        "preview": preview_rows(table),
    }
    return render(request, "scan/receiving/mapping.html", context, status=status)


def preview_rows(table: Table | None, count: int = 3) -> list[tuple[int, list[tuple[str, Any]]]]:
    """The first rows, each cell beside its column as written (the mapping's reminder)."""
    if table is None:
        return []
    return [
        (row.line, [(written, shown(row.cells.get(key))) for key, written in table.headers.items()])
        for row in table.rows[:count]
    ]


def shown(cell: Any) -> Any:
    # A spreadsheet date as the user typed it, not as a timestamp at midnight.
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        cell = cell.date()
    if isinstance(cell, dt.date) and not isinstance(cell, dt.datetime):
        return cell.strftime("%d/%m/%Y")
    return cell


@require_http_methods(FORM_METHODS)
@require_permission(SCAN_PERMISSION)
def listing_mapping(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    upload = listing_upload_of(request, token)
    if request.method != "POST":
        return mapping_page(request, upload)
    if request.POST.get("action") == "read":
        return reread(request, upload)
    try:
        table = pallet_receipts.listing_table(upload)
    except ImportFileError:
        return mapping_page(request, upload)
    form = MappingForm(request.POST, headers=table.headers)
    if not form.is_valid():
        return mapping_page(request, upload, mapping_form=form)
    try:
        pallet_receipts.set_mapping(upload, form.mapping())
    except StockError as exc:
        for problem in exc.message.splitlines():
            form.add_error(None, problem)
        return mapping_page(request, upload, mapping_form=form)
    return see_other(step_url("listing_review", upload))


def reread(request: HttpRequest, upload: ImportUpload) -> HttpResponse:
    try:
        sheets = file_shape(pallet_receipts.stored_data(upload), upload.original_name).sheets
    except ImportFileError:
        sheets = []
    current = ReadOptions.from_json(upload.options.get("read"))
    form = ReadOptionsForm(
        request.POST, sheets=sheets, pdf=is_pdf(upload.original_name), current=current
    )
    if not form.is_valid():
        return mapping_page(request, upload, read_form=form)
    try:
        pallet_receipts.set_read_options(upload, form.read_options())
    except ImportFileError as exc:
        form.add_error(None, exc.message)
        return mapping_page(request, upload, read_form=form)
    return see_other(step_url("listing_mapping", upload))


# --- review and confirmation --------------------------------------------------------------------


def review_page(
    request: HttpRequest, upload: ImportUpload, *, errors: list[str] | None = None
) -> HttpResponse:
    context: dict[str, Any] = {"upload": upload, "op_id": uuid.uuid4(), "review": None}
    try:
        review = pallet_receipts.review_listing(upload)
    except (ImportFileError, StockError) as exc:
        context["problem"] = exc.message
        return render(request, "scan/receiving/review.html", context)
    rows = [
        {
            "planned": planned,
            "apply_name": row_field(planned.line, "apply"),
            "quantity_name": row_field(planned.line, "quantity"),
            "location_name": row_field(planned.line, "location"),
        }
        for planned in review.plan
    ]
    context.update(
        review=review,
        rows=rows,
        errors=review.errors if errors is None else errors,
        applied_count=len(review.applied),
        new_count=sum(1 for planned in review.applied if planned.is_new_product),
        total=sum(planned.quantity or 0 for planned in review.applied),
    )
    return render(request, "scan/receiving/review.html", context)


def save_decisions(request: HttpRequest, upload: ImportUpload) -> list[str]:
    """Keep the review inputs; the errors of the listing with them ("ligne N : …")."""
    try:
        table = pallet_receipts.listing_table(upload)
        plan = pallet_receipts.review_listing(upload, table).plan
        pallet_receipts.set_decisions(upload, posted_decisions(request.POST, plan))
        # The file is read once per request: the plan is made again from the same table.
        return pallet_receipts.review_listing(upload, table).errors
    except (ImportFileError, StockError) as exc:
        return [exc.message]


@require_http_methods(FORM_METHODS)
@require_permission(SCAN_PERMISSION)
def listing_review(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    upload = listing_upload_of(request, token)
    if request.method == "POST":
        save_decisions(request, upload)
        return see_other(step_url("listing_review", upload))
    return review_page(request, upload)


def confirmed_receipt(request: HttpRequest, token: uuid.UUID) -> int | None:
    """The receipt this user's earlier confirmation of this listing created, if any."""
    done = ScanOperation.objects.filter(
        principal=principal_of(request.user),
        kind=CONFIRM_KIND,
        fingerprint=fingerprint(CONFIRM_KIND, {"token": str(token)}),
        outcome=OperationOutcome.APPLIED,
    ).first()
    return done.response.get("receipt_id") if done else None


def already_confirmed(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    receipt_id = confirmed_receipt(request, token)
    if receipt_id is None:
        raise Http404
    messages.info(request, _("This packing list was already imported."))
    return see_other(reverse("scan:receipt_detail", args=[receipt_id]))


@require_POST
@require_permission(SCAN_PERMISSION)
def listing_confirm(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    upload = own_uploads(request).filter(token=token).first()
    if upload is None:
        # A double tap: the first confirmation deleted the upload.
        return already_confirmed(request, token)
    try:
        op_id = parse_op_id(request.POST.get("op_id"))
    except StockError as exc:
        return review_page(request, upload, errors=[exc.message])
    errors = save_decisions(request, upload)
    if errors:
        # Refused before anything is written or recorded: the corrected rows may be sent again.
        return review_page(request, upload, errors=errors)

    def confirm() -> dict[str, Any]:
        result = pallet_receipts.confirm_listing(upload, actor=Actor(request.user, op_id))
        return {"message": result.receipt.reference, "receipt_id": result.receipt.pk}

    try:
        outcome = run_once(
            principal=principal_of(request.user),
            op_id=op_id,
            kind=CONFIRM_KIND,
            fields={"token": str(token)},
            apply=confirm,
        )
    except OperationConflict as conflict:
        return review_page(request, upload, errors=[conflict.message])
    if outcome.applied:
        messages.success(
            request,
            _("Pallet receipt %(reference)s received.") % {"reference": outcome.message},
        )
        return see_other(reverse("scan:receipt_detail", args=[outcome.response["receipt_id"]]))
    if outcome.response.get("code") == "gone":
        return already_confirmed(request, token)
    return review_page(request, upload, errors=outcome.message.splitlines())


@require_POST
@require_permission(SCAN_PERMISSION)
def listing_cancel(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    upload = listing_upload_of(request, token)
    pallet_receipts.abandon_listing(upload)
    messages.info(request, _("Packing list import abandoned: the file was deleted."))
    return see_other(reverse("scan:receive_pallet"))


# --- the receipt --------------------------------------------------------------------------------


@require_safe
@require_permission(SCAN_PERMISSION)
def receipt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    receipt = get_object_or_404(
        Receipt.objects.select_related("source_contact", "carrier_contact", "warehouse"),
        pk=parse_id(pk),
    )
    lines = receipt.lines.select_related(
        "product", "location__warehouse", "received_lot__location__warehouse"
    ).order_by("pk")
    context = {"receipt": receipt, "lines": lines}
    return render(request, "scan/receiving/receipt_detail.html", context)
