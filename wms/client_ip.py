"""The one place that decides a request's client address (axes lockouts, API throttles, logs)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = N the address seen by the N-th proxy from us.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    the client is the N-th entry from the right; entries further left are whatever the client
    sent and are never trusted.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    hops = int(settings.TRUSTED_PROXY_COUNT)
    if hops <= 0:
        return remote
    forwarded = [
        part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
    ]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    candidate = forwarded[-hops]
    return candidate if _valid_ip(candidate) else remote
