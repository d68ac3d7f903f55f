"""The outbound email queue (S-EMAIL).

`queue_email` writes an IntegrationEvent in the caller's transaction: if the change that causes
the email rolls back, no email is queued. `process_email_queue` delivers the events later.
"""

from wms.emailing.queue import queue_email

__all__ = ["queue_email"]
