"""Domain errors: a French message meant for the user, turned into a form error by views and
into a 400/409 by the API."""

from __future__ import annotations


class StockError(Exception):
    """A business rule refused the operation; nothing was changed."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class InsufficientStock(StockError):
    def __init__(self, available: int) -> None:
        super().__init__(
            f"Stock insuffisant : {available} disponible(s)", code="insufficient_stock"
        )
        self.available = available


class StaleCount(StockError):
    def __init__(self, current: int) -> None:
        super().__init__(
            f"Le lot a changé depuis votre lecture : quantité actuelle {current}. Recomptez.",
            code="stale_count",
        )
        self.current = current
