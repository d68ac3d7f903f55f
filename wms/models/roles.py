from django.db import models

from wms.roles import CAPABILITIES


class Capability(models.Model):
    """Carries the permissions that belong to no single model (S-ROLES); it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = list(CAPABILITIES)
        verbose_name = "capacité"

    def __str__(self) -> str:
        return "capacité"
