"""Receipts list (S-SCAN, S-RECEIPTS): every kind of receipt, newest first."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from scan.forms.browse import ReceiptFilterForm
from scan.views.listing import paginate, render_page
from wms.models import Receipt
from wms.permissions import require_permission
from wms.roles import SCAN_PERMISSION


@require_safe
@require_permission(SCAN_PERMISSION)
@vary_on_headers("HX-Request")
def receipts(request: HttpRequest) -> HttpResponse:
    form = ReceiptFilterForm(request.GET)
    queryset = Receipt.objects.select_related("source_contact")
    if receipt_type := form.value_of("receipt_type"):
        queryset = queryset.filter(receipt_type=receipt_type)
    if status := form.value_of("status"):
        queryset = queryset.filter(status=status)
    # Both counts come from the one join on the lines: no query per receipt.
    queryset = queryset.annotate(
        line_count=Count("lines"),
        received_line_count=Count("lines", filter=Q(lines__received_lot__isnull=False)),
    ).order_by("-received_on", "-id")
    context = {"form": form, "page": paginate(request, queryset)}
    return render_page(request, "scan/receipts.html", "results", context)
