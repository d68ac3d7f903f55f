"""GTIN arithmetic (EAN-8, UPC-A, EAN-13, GTIN-14): check digits and the 14-digit form."""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


class InvalidGtin(ValueError):
    pass


def check_digit(body: str) -> int:
    """GS1 mod-10 check digit of the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalize_gtin(raw: str) -> str:
    """Any GTIN form → 14 digits; InvalidGtin with a French message when it is not one."""
    code = "".join(raw.split())
    if not code.isdigit() or len(code) not in GTIN_LENGTHS:
        raise InvalidGtin(f"« {raw} » n'est pas un GTIN (8, 12, 13 ou 14 chiffres).")
    if check_digit(code[:-1]) != int(code[-1]):
        raise InvalidGtin(f"« {raw} » : chiffre de contrôle invalide.")
    return code.zfill(14)


def is_gtin(raw: str) -> bool:
    try:
        normalize_gtin(raw)
    except InvalidGtin:
        return False
    return True
