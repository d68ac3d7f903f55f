"""/healthz for monitors: is the database reachable (503 when it is not), and how far behind the
email queue is. The backlog is information for the monitor, not a failure: 200 whatever its size.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from wms.emailing.health import queue_health

log = logging.getLogger("wms.health")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        # The queue query is the database probe: it answers only if the database does.
        # No failure texts here: the page is public and errors may carry addresses.
        queue = queue_health(failures=0)
    except DatabaseError as exc:
        log.error(
            "health check: database unreachable", extra={"event": "health", "error": str(exc)}
        )
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "pending": queue["pending"],
            "oldest_pending_age_s": queue["oldest_pending_age_s"],
        }
    )
