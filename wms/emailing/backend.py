"""Django's mail API (send_mail, PasswordResetForm, mail_admins) queues instead of sending."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from wms.emailing.queue import queue_email


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        queued = 0
        for message in email_messages:
            html = None
            if isinstance(message, EmailMultiAlternatives):
                html = next(
                    (
                        str(content)
                        for content, mimetype in message.alternatives
                        if mimetype == "text/html"
                    ),
                    None,
                )
            body: Any = message.body
            if queue_email(
                str(message.subject),
                str(body),
                [*message.to, *message.cc, *message.bcc],
                html_message=html,
                from_email=message.from_email,
                reply_to=message.reply_to,
            ):
                queued += 1
        return queued
