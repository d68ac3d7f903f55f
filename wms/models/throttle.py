from django.db import models


class ThrottleSlot(models.Model):
    """One row per throttled key: the key is busy until `expires_at` (see services/throttle.py)."""

    key = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=50)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "créneau de limitation"

    def __str__(self) -> str:
        return f"{self.scope} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
