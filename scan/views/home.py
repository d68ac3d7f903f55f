from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from wms.permissions import require_permission
from wms.roles import SCAN_PERMISSION


@require_safe
@require_permission(SCAN_PERMISSION)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "scan/home.html")
