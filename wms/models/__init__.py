"""Domain models, one module per area; re-exported here so `from wms.models import X` works."""

from wms.models.roles import Capability
from wms.models.throttle import ThrottleSlot

__all__ = ["Capability", "ThrottleSlot"]
