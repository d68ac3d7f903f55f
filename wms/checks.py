"""Deploy checks of our own (run by `check --deploy`): settings that would silently misbehave."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


@register(Tags.security, deploy=True)
def check_site_base_url(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.DEBUG or settings.SITE_BASE_URL:
        return []
    return [
        Warning(
            "SITE_BASE_URL is empty: links in emails and QR codes on labels would be relative.",
            hint="Set SITE_BASE_URL to the public address, e.g. https://wms.example.org",
            id="wms.W001",
        )
    ]


@register(Tags.security, deploy=True)
def check_email_transport(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if (
        settings.DEBUG
        or settings.BREVO_API_KEY
        or settings.EMAIL_TRANSPORT_BACKEND != CONSOLE_BACKEND
    ):
        return []
    return [
        Warning(
            "Emails would only be printed on the console: no BREVO_API_KEY and EMAIL_BACKEND "
            "is the console backend.",
            hint="Set BREVO_API_KEY, or EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend "
            "with EMAIL_HOST and friends.",
            id="wms.W002",
        )
    ]
