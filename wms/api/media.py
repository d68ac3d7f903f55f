"""Uploaded product photos, served by a view that checks the caller (never a public media URL):
a staff session or an API key with the read scope, as for the product list that links them."""

from __future__ import annotations

import mimetypes

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

PHOTO_PREFIX = "products/"


class ProductPhotoView(APIView):
    required_scope = "read"

    @extend_schema(
        summary="Photo d'un produit",
        responses={(200, "image/*"): OpenApiResponse(description="L'image")},
    )
    def get(self, request: Request, name: str) -> FileResponse:
        path = PHOTO_PREFIX + name
        try:
            if ".." in name.split("/") or not default_storage.exists(path):
                raise NotFound("Photo introuvable.")
            handle = default_storage.open(path, "rb")
        except SuspiciousFileOperation:
            raise NotFound("Photo introuvable.") from None
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        response = FileResponse(handle, content_type=content_type)
        # Photos change rarely but are not public: browsers may keep them, shared caches not.
        response["Cache-Control"] = "private, max-age=3600"
        return response
