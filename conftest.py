"""Root pytest configuration, shared by tests/ and e2e/."""

import pytest


@pytest.fixture(autouse=True)
def queued_email_backend(settings):
    # pytest-django swaps EMAIL_BACKEND for locmem; here every email must go through the queue,
    # as in production (delivered mail still lands in mail.outbox via EMAIL_TRANSPORT_BACKEND).
    settings.EMAIL_BACKEND = "wms.emailing.backend.QueuedEmailBackend"
