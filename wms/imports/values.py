"""Cell parsers shared by every import. Each takes a cell as read (text from a CSV, a number, a
boolean or a date from XLSX) and returns the value, or None for a blank cell so that the caller
decides what blank means (a default on creation, "leave as is" on update). A refused value raises
CellError with a French message; the row adds the line and the column."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from wms.gtin import GTIN_LENGTHS, InvalidGtin, normalize_gtin
from wms.text import fold_key

from .errors import CellError
from .readers import Cell, is_blank

TRUE_WORDS = frozenset({"oui", "o", "yes", "y", "vrai", "true", "1", "x"})
FALSE_WORDS = frozenset({"non", "n", "no", "faux", "false", "0"})
LIST_SEPARATORS = re.compile(r"[|,;]")
# Spaces a spreadsheet puts in "1 234,50": plain, no-break and narrow no-break.
NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f]")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
HEX_COLOR = re.compile(r"^#?([0-9a-fA-F]{6})$")
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
MAX_INT = 2_147_483_647  # PositiveIntegerField's ceiling on every database we run


SHOWN_LENGTH = 40


def _shown(cell: Cell) -> str:
    """The cell as messages quote it, cut short: a 300-digit number must not fill the page."""
    text = str(cell).strip()
    return text if len(text) <= SHOWN_LENGTH else f"{text[: SHOWN_LENGTH - 1]}…"


def text(cell: Cell, *, max_length: int | None = None) -> str:
    """Text as typed (trimmed); a number typed in a spreadsheet cell loses its '.0'."""
    if is_blank(cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        value = str(int(cell))
    elif isinstance(cell, dt.datetime | dt.date):
        value = cell.isoformat()
    else:
        value = str(cell).strip()
    if max_length is not None and len(value) > max_length:
        raise CellError(f"texte trop long ({len(value)} caractères, {max_length} au plus).")
    return value


def _to_decimal(cell: Cell) -> Decimal:
    if isinstance(cell, bool):
        raise CellError(f"« {_shown(cell)} » n'est pas un nombre.")
    if isinstance(cell, int | Decimal):
        return Decimal(cell)
    if isinstance(cell, float):
        if not math.isfinite(cell):
            raise CellError(f"« {_shown(cell)} » n'est pas un nombre.")
        return Decimal(repr(cell))
    raw = NUMBER_SPACES.sub("", str(cell)).removesuffix("€").removesuffix("%")
    if "," in raw and "." in raw:
        # "1.234,50" and "1,234.50": the rightmost mark is the decimal one.
        thousands = "." if raw.rfind(",") > raw.rfind(".") else ","
        raw = raw.replace(thousands, "")
    raw = raw.replace(",", ".")
    if not PLAIN_NUMBER.match(raw):
        raise CellError(f"« {_shown(cell)} » n'est pas un nombre.")
    try:
        return Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above already refused it
        raise CellError(f"« {_shown(cell)} » n'est pas un nombre.") from exc


def decimal(
    cell: Cell,
    *,
    places: int,
    max_digits: int,
    minimum: Decimal | None = Decimal(0),
) -> Decimal | None:
    """'12,50', '12.50', '1 234,5 €', 12.5 → Decimal, rounded half-up to `places`."""
    if is_blank(cell):
        return None
    exact = _to_decimal(cell)
    # Checked before rounding: quantize() cannot even represent a 40-digit number at 2 places
    # (decimal.InvalidOperation), which would escape as a server error instead of a cell error.
    if abs(exact) >= Decimal(10) ** (max_digits - places):
        raise CellError(f"« {_shown(cell)} » : nombre trop grand.")
    value = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if minimum is not None and value < minimum:
        if minimum == 0:
            raise CellError(f"« {_shown(cell)} » : la valeur ne peut pas être négative.")
        raise CellError(f"« {_shown(cell)} » : la valeur doit être au moins {minimum}.")
    if abs(value) >= Decimal(10) ** (max_digits - places):
        raise CellError(f"« {_shown(cell)} » : nombre trop grand.")
    return value


def integer(cell: Cell, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """Whole numbers; '12,5' is rounded half-up to 13 (a weight typed with a decimal)."""
    if is_blank(cell):
        return None
    value = int(_to_decimal(cell).to_integral_value(rounding=ROUND_HALF_UP))
    if value < minimum:
        if minimum == 0:
            raise CellError(f"« {_shown(cell)} » : la valeur ne peut pas être négative.")
        raise CellError(f"« {_shown(cell)} » : la valeur doit être au moins {minimum}.")
    if value > maximum:
        raise CellError(f"« {_shown(cell)} » : nombre trop grand.")
    return value


def rate(cell: Cell, *, places: int = 4) -> Decimal | None:
    """A rate such as VAT: '5,5 %' and '5,5' (above 1 means a percentage) and '0,055' are the
    same 0.055. The result is in [0, 1)."""
    if is_blank(cell):
        return None
    value = _to_decimal(cell)
    if value > 1 or (isinstance(cell, str) and cell.strip().endswith("%")):
        value = value / 100
    if not Decimal(0) <= value < 1:
        raise CellError(f"« {_shown(cell)} » : taux invalide (de 0 à 99,99 %).")
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def boolean(cell: Cell) -> bool | None:
    if is_blank(cell):
        return None
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float) and cell in (0, 1):
        return bool(cell)
    word = fold_key(str(cell))
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"« {_shown(cell)} » : oui ou non attendu.")


def gtin(cell: Cell) -> tuple[str, str] | None:
    """(the code as entered, its 14-digit form). A number cell has lost its leading zeros
    (a spreadsheet shows UPC 036000291452 as 36000291452): they are put back."""
    if is_blank(cell):
        return None
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if not math.isfinite(cell) or cell != int(cell) or cell < 0:
            raise CellError(f"« {_shown(cell)} » n'est pas un GTIN (8, 12, 13 ou 14 chiffres).")
        entered = str(int(cell))
        if len(entered) not in GTIN_LENGTHS and len(entered) < max(GTIN_LENGTHS):
            entered = entered.zfill(next(n for n in GTIN_LENGTHS if n > len(entered)))
    else:
        entered = "".join(str(cell).split())
    try:
        return entered, normalize_gtin(entered)
    except InvalidGtin as exc:
        raise CellError(str(exc)) from exc


def date(cell: Cell) -> dt.date | None:
    if is_blank(cell):
        return None
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    raw = str(cell).strip()
    for date_format in DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, date_format).date()
        except ValueError:
            continue
    raise CellError(f"« {raw} » n'est pas une date (JJ/MM/AAAA attendu).")


def text_list(cell: Cell, *, max_length: int | None = None) -> list[str]:
    """'urgence, pharmacie' or 'urgence | pharmacie' → ['urgence', 'pharmacie'] (spaces collapsed,
    duplicates differing only by case or accents dropped)."""
    items: dict[str, str] = {}
    for part in LIST_SEPARATORS.split(text(cell)):
        item = " ".join(part.split())
        if not item:
            continue
        if max_length is not None and len(item) > max_length:
            raise CellError(f"« {item} » : trop long ({max_length} caractères au plus).")
        items.setdefault(fold_key(item), item)
    return list(items.values())


def path(cell: Cell, *, max_depth: int, max_length: int | None = None) -> list[str]:
    """'Médical > Pansements > Stériles' → its levels, root first."""
    raw = text(cell)
    if not raw:
        return []
    levels = [" ".join(part.split()) for part in raw.split(">")]
    if not all(levels):
        raise CellError(f"« {raw} » : un niveau est vide (format « Niveau 1 > Niveau 2 »).")
    if len(levels) > max_depth:
        raise CellError(f"« {raw} » : {len(levels)} niveaux, {max_depth} au plus.")
    for level in levels:
        if max_length is not None and len(level) > max_length:
            raise CellError(f"« {level} » : trop long ({max_length} caractères au plus).")
    return levels


def color(cell: Cell) -> str:
    """'#1e90ff' or '1E90FF' → '#1E90FF'."""
    raw = text(cell)
    if not raw:
        return ""
    match = HEX_COLOR.match(raw)
    if match is None:
        raise CellError(f"« {raw} » n'est pas une couleur (#RRGGBB attendu).")
    return f"#{match.group(1).upper()}"
