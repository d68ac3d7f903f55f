from django.db import models


class ReferenceSequence(models.Model):
    """A counter for references (receipts per year and per donor, cartons per day, ...); taken
    under a row lock by wms.services.references."""

    kind = models.CharField(max_length=30)
    scope = models.CharField(max_length=60)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "séquence"
        constraints = [models.UniqueConstraint(fields=["kind", "scope"], name="sequence_unique")]

    def __str__(self) -> str:
        return f"{self.kind}/{self.scope} = {self.last_value}"
