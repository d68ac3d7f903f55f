"""Message builders: subject, text and HTML from `templates/emails/<name>_subject.txt`,
`<name>.txt` and (optional) `<name>.html`; managers' addresses from the Manager group."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.template import Context, TemplateDoesNotExist, engines
from django.template.loader import render_to_string
from django.utils import translation

from wms.emailing.queue import queue_email
from wms.roles import MANAGER_GROUP


def manager_emails() -> list[str]:
    return sorted(
        User.objects.filter(groups__name=MANAGER_GROUP, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def _plain(template_name: str, context: dict[str, Any]) -> str:
    """A plain-text template rendered without HTML escaping: "Gants d'examen", not
    "Gants d&#x27;examen" (the HTML part keeps Django's escaping)."""
    template = engines["django"].get_template(template_name)
    return str(template.template.render(Context(context, autoescape=False)))  # type: ignore[attr-defined]


def render_email(name: str, context: dict[str, Any]) -> tuple[str, str, str | None]:
    """(subject, text, html) in French, with SITE_BASE_URL and the organisation in context."""
    full = {"site_base_url": settings.SITE_BASE_URL, "org_name": settings.ORG_NAME, **context}
    with translation.override("fr"):
        subject = " ".join(_plain(f"emails/{name}_subject.txt", full).split())
        text = _plain(f"emails/{name}.txt", full)
        try:
            html: str | None = render_to_string(f"emails/{name}.html", full)
        except TemplateDoesNotExist:
            html = None
    return subject, text, html


def queue_templated_email(
    name: str, context: dict[str, Any], recipients: Iterable[str], tags: Iterable[str] = ()
) -> bool:
    subject, text, html = render_email(name, context)
    return queue_email(subject, text, list(recipients), html_message=html, tags=[name, *tags])
