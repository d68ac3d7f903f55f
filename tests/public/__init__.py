"""Tests of the anonymous pages (public order link, account requests) and their throttles.

Shared helpers live here: the emails the services queued and a multipart body built by hand
(Django's test client strips the directories of a file name, a hostile client does not). Nothing
is imported from the apps at module level: gunicorn_settings.py, in this package, is read before
Django is set up.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def queued(name: str) -> list[list[str]]:
    """Recipients of each queued email of template `name`."""
    # Imported here: gunicorn_settings, in this package, is read before the apps are loaded.
    from wms.models import IntegrationEvent

    return [
        event.payload["recipients"]
        for event in IntegrationEvent.objects.order_by("pk")
        if name in event.payload.get("tags", [])
    ]


def multipart(
    fields: dict[str, str], files: Iterable[tuple[str, str, bytes]] = ()
) -> tuple[bytes, str]:
    """(body, content type) of a form post with `files` as (field, file name, content), the
    file name sent exactly as given."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, filename, content in files:
        header = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(header.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
