"""What the admin tests share: the model permissions the Manager group needs for the admin (to be
granted by a data migration; the tests grant them in their setup until then), and page helpers."""

from __future__ import annotations

import html

from django.contrib.auth.models import Group
from django.http import HttpResponse

from wms.roles import MANAGER_GROUP

MASTER_DATA_MODELS = [
    "productcategory",
    "producttag",
    "product",
    "productkititem",
    "contact",
    "contactaddress",
    "warehouse",
    "location",
    "rackcolor",
    "receipt",
    "receiptline",
    "receiptoutofformatline",
]
READ_ONLY_MODELS = ["productlot", "stockmovement"]

MANAGER_ADMIN_CODENAMES = [
    f"{action}_{model}"
    for model in MASTER_DATA_MODELS
    for action in ("view", "add", "change", "delete")
] + [f"view_{model}" for model in READ_ONLY_MODELS]


def assert_managers_hold_admin_permissions() -> None:
    """Migration 0007 gives the Manager group these permissions; the admin tests rely on it."""
    held = set(
        Group.objects.get(name=MANAGER_GROUP)
        .permissions.filter(content_type__app_label="wms")
        .values_list("codename", flat=True)
    )
    assert set(MANAGER_ADMIN_CODENAMES) <= held


def page_text(response: HttpResponse) -> str:
    """The page with HTML entities decoded, so French messages compare as written."""
    return html.unescape(response.content.decode())


def management_form(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
