"""Per-client API keys (S-API): stored hashed with a visible prefix, scoped, revocable."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models

KEY_PREFIX = "asf"
SCOPES = ("read", "write", "events")


def hash_secret(raw_key: str) -> str:
    # The key is 32 random bytes: a fast hash is enough (no dictionary to guess from), and the
    # check costs nothing per request, unlike a password hash.
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiKey(models.Model):
    name = models.CharField("nom du client", max_length=120)
    prefix = models.CharField("préfixe", max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scope_read = models.BooleanField("lecture (read)", default=True)
    scope_write = models.BooleanField("écriture (write)", default=False)
    scope_events = models.BooleanField("événements (events)", default=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="créée par",
    )
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)

    class Meta:
        verbose_name = "clé d'API"
        verbose_name_plural = "clés d'API"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scopes(self) -> frozenset[str]:
        flags = {"read": self.scope_read, "write": self.scope_write, "events": self.scope_events}
        return frozenset(scope for scope, on in flags.items() if on)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def issue(self) -> str:
        """Give this (unsaved) key its secret; returns the full key, shown once and never
        stored."""
        prefix = f"{KEY_PREFIX}_{secrets.token_hex(4)}"
        raw_key = f"{prefix}_{secrets.token_urlsafe(32)}"
        self.prefix = prefix
        self.secret_hash = hash_secret(raw_key)
        return raw_key
