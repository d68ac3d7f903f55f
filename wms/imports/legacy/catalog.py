"""Step 2 of the take-over: warehouses, locations, rack colours, the category tree, product tags,
products and kits.

Our constraints are stricter than the earlier system's (unique warehouse codes, categories unique
among siblings by folded name — roots included —, `#RRGGBB` colours, shorter columns): whatever
the data breaks is folded or corrected here, and every case is named in the report.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone

from wms.gtin import InvalidGtin, normalize_gtin
from wms.models import (
    Location,
    Product,
    ProductCategory,
    ProductKitItem,
    ProductTag,
    RackColor,
    Warehouse,
)
from wms.models.catalog import MAX_CATEGORY_DEPTH
from wms.services.catalog import vat_rate
from wms.text import fold_key, strip_accents

from .context import LegacyDataError, TakeOver
from .source import as_bool, as_datetime, as_decimal, as_text

FOLDED = "Doublons fusionnés"
CORRECTED = "Valeurs corrigées"
TRUNCATED = "Valeurs tronquées"
INVALID_GTIN = "GTIN invalides"
DUPLICATE_GTIN = "GTIN en double"

# Colour names users typed instead of a hex code (CSS values of the same names).
FRENCH_COLOURS = {
    "blanc": "#FFFFFF",
    "noir": "#000000",
    "gris": "#808080",
    "rouge": "#FF0000",
    "vert": "#008000",
    "bleu": "#0000FF",
    "jaune": "#FFFF00",
    "orange": "#FFA500",
    "violet": "#800080",
    "rose": "#FFC0CB",
    "marron": "#800000",
    "brun": "#8B4513",
    "beige": "#F5F5DC",
    "turquoise": "#40E0D0",
    "cyan": "#00FFFF",
    "magenta": "#FF00FF",
}
HEX_COLOUR = re.compile(r"#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")


def required_id(ctx: TakeOver, table: str, old_id: Any, where: str) -> int:
    new = ctx.new_id(table, old_id)
    if new is None:
        raise LegacyDataError(f"{where} : {table} {old_id} introuvable dans l'ancienne base.")
    return new


def fit(ctx: TakeOver, value: Any, limit: int, where: str) -> str:
    """The text cut to our column's length; a cut is reported (the earlier columns were longer)."""
    text = as_text(value)
    if len(text) <= limit:
        return text
    ctx.report.anomaly(
        TRUNCATED, f"{where} : « {text} » coupé à {limit} caractères (« {text[:limit]} »)"
    )
    return text[:limit]


def unique_reference(typed: str, taken: set[str], *, limit: int, fallback: str) -> str:
    """A legacy reference that fits our unique column: cut to `limit`, and given "-2", "-3"…
    when its folded form is taken (MariaDB compares without case or accents; SQLite's legacy
    column compared exactly, so "urgent-1" and "URGENT-1" could both exist)."""
    base = typed[:limit] or fallback
    reference, number = base, 1
    while fold_key(reference) in taken:
        number += 1
        suffix = f"-{number}"
        reference = base[: limit - len(suffix)] + suffix
    return reference


def first_seen(ctx: TakeOver, table: str, key: str) -> dict[int, dt.datetime]:
    """The earliest movement date per product or lot (the earlier tables have no created_at)."""
    seen: dict[int, dt.datetime] = {}
    for row in ctx.rows("wms_stockmovement"):
        moment = as_datetime(row["created_at"])
        owner = row[key]
        if moment is not None and owner is not None:
            owner = int(owner)
            if owner not in seen or moment < seen[owner]:
                seen[owner] = moment
    ctx.notes[f"first_seen:{table}"] = seen
    return seen


def import_catalog(ctx: TakeOver) -> None:
    import_warehouses(ctx)
    import_locations(ctx)
    import_rack_colours(ctx)
    import_categories(ctx)
    import_product_tags(ctx)
    import_products(ctx)
    import_kit_items(ctx)


# --- warehouses, locations, rack colours ------------------------------------------------------


def _derived_code(name: str, taken: set[str]) -> str:
    letters = "".join(c for c in strip_accents(name).upper() if c.isalnum()) or "ENT"
    base = letters[:3]
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base[: 10 - len(str(number))]}{number}"
    return code


def import_warehouses(ctx: TakeOver) -> None:
    rows = ctx.rows("wms_warehouse")
    by_name: dict[str, int] = {}
    taken: set[str] = set()
    created = 0
    folded = 0
    # Codes first: a typed code keeps precedence over one derived for a warehouse without any.
    wanted = {row["id"]: as_text(row["code"]).strip().upper() for row in rows}
    for row in rows:
        name = fit(ctx, row["name"], 120, f"entrepôt {row['id']}").strip()
        key = fold_key(name)
        if key in by_name:  # MariaDB compares names case-insensitively: one warehouse
            ctx.remember("wms_warehouse", row["id"], by_name[key])
            ctx.report.anomaly(FOLDED, f"entrepôt {row['id']} « {name} » fusionné avec un homonyme")
            folded += 1
            continue
        code = wanted[row["id"]][:10]
        if not code or code in taken:
            derived = _derived_code(name, taken | set(wanted.values()))
            ctx.report.anomaly(
                CORRECTED,
                f"entrepôt {row['id']} « {name} » : code "
                + (f"« {wanted[row['id']]} » déjà pris" if code else "vide")
                + f", remplacé par « {derived} » (le code est obligatoire et unique)",
            )
            code = derived
        elif code != as_text(row["code"]):
            ctx.report.anomaly(
                CORRECTED, f"entrepôt {row['id']} « {name} » : code « {row['code']} » → « {code} »"
            )
        taken.add(code)
        warehouse = Warehouse(name=name, code=code)
        warehouse.save()
        by_name[key] = warehouse.pk
        ctx.remember("wms_warehouse", row["id"], warehouse.pk)
        created += 1
    ctx.report.count(
        "wms_warehouse",
        old=ctx.source.count("wms_warehouse"),
        new=created,
        why=f"{folded} entrepôt(s) homonyme(s) fusionné(s)" if folded else "",
    )


def import_locations(ctx: TakeOver) -> None:
    seen: dict[tuple[int, str, str, str], int] = {}
    created = 0
    folded = 0
    for row in ctx.rows("wms_location"):
        where = f"emplacement {row['id']}"
        warehouse_id = required_id(ctx, "wms_warehouse", row["warehouse_id"], where)
        zone, aisle, shelf = (
            fit(ctx, as_text(row[column]).strip().upper(), 20, f"{where} ({column})")
            for column in ("zone", "aisle", "shelf")
        )
        key = (warehouse_id, zone, aisle, shelf)
        if key in seen:
            ctx.remember("wms_location", row["id"], seen[key])
            ctx.report.anomaly(FOLDED, f"{where} {zone}-{aisle}-{shelf} : doublon fusionné")
            folded += 1
            continue
        location = Location(
            warehouse_id=warehouse_id,
            zone=zone,
            aisle=aisle,
            shelf=shelf,
            notes=fit(ctx, row["notes"], 200, f"{where} (notes)"),
        )
        location.save()
        seen[key] = location.pk
        ctx.remember("wms_location", row["id"], location.pk)
        created += 1
    ctx.report.count(
        "wms_location",
        old=ctx.source.count("wms_location"),
        new=created,
        why=f"{folded} emplacement(s) en double fusionné(s)" if folded else "",
    )


def rack_colour(typed: str) -> str | None:
    """'#1c8bc0' → '#1C8BC0', 'jaune' → '#FFFF00', anything else → None."""
    text = typed.strip()
    match = HEX_COLOUR.fullmatch(text)
    if match:
        digits = match.group(1).upper()
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return f"#{digits}"
    return FRENCH_COLOURS.get(fold_key(text))


def import_rack_colours(ctx: TakeOver) -> None:
    created = 0
    dropped = []
    seen: set[tuple[int, str]] = set()
    for row in ctx.rows("wms_rackcolor"):
        warehouse_id = required_id(
            ctx, "wms_warehouse", row["warehouse_id"], f"couleur de rack {row['id']}"
        )
        zone = as_text(row["zone"]).strip().upper()[:20]
        typed = as_text(row["color"])
        colour = rack_colour(typed)
        where = f"couleur de rack {row['id']} (zone {zone})"
        if colour is None:
            ctx.report.anomaly(
                CORRECTED, f"{where} : « {typed} » n'est pas une couleur connue, non reprise"
            )
            dropped.append(str(row["id"]))
            continue
        if colour != typed:
            ctx.report.anomaly(CORRECTED, f"{where} : « {typed} » → « {colour} »")
        if (warehouse_id, zone) in seen:
            ctx.report.anomaly(FOLDED, f"{where} : zone déjà colorée, doublon ignoré")
            dropped.append(str(row["id"]))
            continue
        seen.add((warehouse_id, zone))
        RackColor(warehouse_id=warehouse_id, zone=zone, color=colour).save()
        created += 1
    ctx.report.count(
        "wms_rackcolor",
        old=ctx.source.count("wms_rackcolor"),
        new=created,
        why=(
            f"{len(dropped)} couleur(s) illisible(s) ou en double non reprise(s) "
            f"(id {', '.join(dropped)})"
            if dropped
            else ""
        ),
    )


# --- categories and tags ----------------------------------------------------------------------


def import_categories(ctx: TakeOver) -> None:
    """Parents before children; a category whose folded name already exists under the same
    (new) parent becomes that one: the sample's second root « HYGIENE » folds into the first,
    and its children (none in the sample) move under it — folding again if they collide."""
    rows = ctx.rows("wms_productcategory")
    children: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        children[int(row["parent_id"]) if row["parent_id"] is not None else None].append(row)
    known = {int(row["id"]) for row in rows}
    # Orphans (a parent id that does not exist) are imported as roots.
    frontier = list(children[None]) + [
        row
        for parent, kids in children.items()
        if parent is not None and parent not in known
        for row in kids
    ]
    by_key: dict[tuple[int, str], ProductCategory] = {}
    created: dict[int, ProductCategory] = {}
    folded = 0
    while frontier:
        next_frontier: list[dict[str, Any]] = []
        for row in frontier:
            old_parent = row["parent_id"]
            parent_pk = ctx.new_id("wms_productcategory", old_parent)
            parent = created.get(parent_pk) if parent_pk is not None else None
            name = fit(ctx, as_text(row["name"]).strip(), 120, f"catégorie {row['id']}")
            if parent is not None and parent.level >= MAX_CATEGORY_DEPTH:
                # Our tree stops at 4 levels: a deeper branch hangs from the 4th level's parent.
                ctx.report.anomaly(
                    CORRECTED,
                    f"catégorie {row['id']} « {name} » : plus de {MAX_CATEGORY_DEPTH} niveaux, "
                    f"rattachée à « {parent.parent.path if parent.parent else parent.path} »",
                )
                parent = parent.parent
            key = (parent.pk if parent else 0, fold_key(name))
            existing = by_key.get(key)
            if existing is not None:
                ctx.remember("wms_productcategory", row["id"], existing.pk)
                ctx.report.anomaly(
                    FOLDED,
                    f"catégorie {row['id']} « {name} » fusionnée avec la catégorie "
                    f"« {existing.path} » (même nom au même niveau)",
                )
                folded += 1
            else:
                category = ProductCategory(name=name, parent=parent)
                # save() maintains name_key, parent_marker and level, as for any category.
                category.save()
                by_key[key] = category
                created[category.pk] = category
                ctx.remember("wms_productcategory", row["id"], category.pk)
            next_frontier.extend(children.get(int(row["id"]), []))
        frontier = next_frontier
    ctx.report.count(
        "wms_productcategory",
        old=ctx.source.count("wms_productcategory"),
        new=len(created),
        why=(
            f"{folded} catégorie(s) de même nom au même niveau fusionnée(s) "
            "(nom unique entre sœurs, racines comprises, sans casse ni accents)"
            if folded
            else ""
        ),
    )


def import_product_tags(ctx: TakeOver) -> None:
    by_key: dict[str, int] = {}
    created = 0
    folded = 0
    for row in ctx.rows("wms_producttag"):
        name = as_text(row["name"]).strip()[:80]
        key = fold_key(name)
        if key in by_key:
            ctx.remember("wms_producttag", row["id"], by_key[key])
            ctx.report.anomaly(FOLDED, f"étiquette produit {row['id']} « {name} » : doublon")
            folded += 1
            continue
        tag = ProductTag.objects.create(name=name)
        by_key[key] = tag.pk
        ctx.remember("wms_producttag", row["id"], tag.pk)
        created += 1
    ctx.report.count(
        "wms_producttag",
        old=ctx.source.count("wms_producttag"),
        new=created,
        why=f"{folded} étiquette(s) en double fusionnée(s)" if folded else "",
    )


# --- products and kits ------------------------------------------------------------------------


def _gtin_fields(ctx: TakeOver, row: dict[str, Any]) -> tuple[str, str]:
    """(ean, barcode): a valid code is kept as typed; an invalid one too when it fits our ean
    column (save() then leaves the GTIN empty), else it goes to the barcode if that is free."""
    typed = as_text(row["ean"]).strip()
    barcode = fit(ctx, row["barcode"], 64, f"produit {row['sku']} (code-barres)")
    if not typed:
        return "", barcode
    try:
        normalize_gtin(typed)
    except InvalidGtin as error:
        where = f"produit {row['id']} {row['sku']} « {row['name']} »"
        if len(typed) <= 14:
            ctx.report.anomaly(INVALID_GTIN, f"{where} : {error} Gardé comme saisi, sans GTIN.")
            return typed, barcode
        if not barcode and len(typed) <= 64:
            ctx.report.anomaly(
                INVALID_GTIN, f"{where} : {error} Trop long pour l'EAN, gardé en code-barres."
            )
            return "", typed
        ctx.report.anomaly(INVALID_GTIN, f"{where} : {error} Non repris (noté dans les notes).")
        return "", barcode
    return typed, barcode


def _price(ctx: TakeOver, value: Any, where: str) -> Decimal | None:
    price = as_decimal(value, 2)
    if price is not None and price < 0:  # our CHECK: a price is never negative
        ctx.report.anomaly(CORRECTED, f"{where} : prix HT négatif ({price}) non repris")
        return None
    return price


def _vat(ctx: TakeOver, value: Any, where: str) -> Decimal | None:
    """A rate (0.2); above 1 a percentage, as the earlier save() read it; our CHECK wants
    0 ≤ rate < 1, so anything else is dropped and reported."""
    rate = vat_rate(as_decimal(value, 4))
    if rate is not None and not 0 <= rate < 1:
        ctx.report.anomaly(CORRECTED, f"{where} : taux de TVA « {value} » illisible, non repris")
        return None
    return rate


def _size(ctx: TakeOver, value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    number = int(value)
    if number < 0:
        ctx.report.anomaly(CORRECTED, f"{where} : valeur négative ({number}) non reprise")
        return None
    return number


def import_products(ctx: TakeOver) -> None:
    since = first_seen(ctx, "wms_product", "product_id")
    now = timezone.now()
    skus: set[str] = set()
    gtins: dict[str, str] = {}
    created = 0
    for row in ctx.rows("wms_product"):
        where = f"produit {row['id']}"
        sku = as_text(row["sku"]).strip()[:40]
        if fold_key(sku) in skus:  # MariaDB compares SKUs without case or accents
            renamed = f"{sku[:36]}-{row['id']}"
            ctx.report.anomaly(
                FOLDED,
                f"{where} : SKU « {sku} » déjà pris (casse mise à part), renommé « {renamed} »",
            )
            sku = renamed
        skus.add(fold_key(sku))
        ean, barcode = _gtin_fields(ctx, row)
        notes = as_text(row["notes"])
        typed_ean = as_text(row["ean"]).strip()
        if typed_ean and not ean and barcode != typed_ean:
            notes = (notes + "\n" if notes else "") + f"EAN de l'ancien système : {typed_ean}"
        photo = fit(ctx, row["photo"], 100, f"{where} (photo)")
        moment = since.get(int(row["id"]), now)
        product = Product(
            sku=sku,
            name=fit(ctx, row["name"], 200, f"{where} (nom)"),
            brand=fit(ctx, row["brand"], 120, f"{where} (marque)"),
            color=fit(ctx, row["color"], 60, f"{where} (couleur)"),
            photo=photo,
            barcode=barcode,
            ean=ean,
            pu_ht=_price(ctx, row["pu_ht"], where),
            tva=_vat(ctx, row["tva"], where),
            length_cm=as_decimal(row["length_cm"], 2),
            width_cm=as_decimal(row["width_cm"], 2),
            height_cm=as_decimal(row["height_cm"], 2),
            weight_g=_size(ctx, row["weight_g"], f"{where} (poids)"),
            volume_cm3=_size(ctx, row["volume_cm3"], f"{where} (volume)"),
            storage_conditions=fit(ctx, row["storage_conditions"], 200, f"{where} (stockage)"),
            perishable=as_bool(row["perishable"]),
            quarantine_default=as_bool(row["quarantine_default"]),
            is_active=as_bool(row["is_active"]),
            notes=notes,
            category_id=ctx.new_id("wms_productcategory", row["category_id"]),
            default_location_id=ctx.new_id("wms_location", row["default_location_id"]),
            created_at=moment,
            updated_at=moment,
        )
        # save() derives name_key, gtin, the VAT rate, the price incl. VAT and the volume exactly
        # as for a product typed today.
        product.save()
        legacy_ttc = as_decimal(row["pu_ttc"], 2)
        if legacy_ttc != product.pu_ttc:
            ctx.report.anomaly(
                CORRECTED,
                f"{where} {sku} : prix TTC {legacy_ttc} recalculé à {product.pu_ttc}",
            )
        if product.gtin:
            if product.gtin in gtins:
                ctx.report.anomaly(
                    DUPLICATE_GTIN,
                    f"{where} {sku} : GTIN {product.gtin} déjà celui de {gtins[product.gtin]} "
                    "(la recherche par code trouvera le premier)",
                )
            gtins.setdefault(product.gtin, sku)
        ctx.remember("wms_product", row["id"], product.pk)
        created += 1
    ctx.report.count("wms_product", old=ctx.source.count("wms_product"), new=created)

    links = {
        (
            ctx.new_id("wms_product", row["product_id"]),
            ctx.new_id("wms_producttag", row["producttag_id"]),
        )
        for row in ctx.rows("wms_product_tags")
    }
    through = Product.tags.through
    through.objects.bulk_create(
        [through(product_id=product, producttag_id=tag) for product, tag in sorted(links)]
    )
    old = ctx.source.count("wms_product_tags")
    ctx.report.count(
        "wms_product_tags",
        old=old,
        new=len(links),
        why=(
            f"{old - len(links)} lien(s) en double après fusion des étiquettes"
            if old != len(links)
            else ""
        ),
    )


def import_kit_items(ctx: TakeOver) -> None:
    rows = ctx.rows("wms_productkititem")
    kits = {ctx.new_id("wms_product", row["kit_id"]) for row in rows}
    items = []
    skipped = []
    for row in rows:
        where = f"composant de kit {row['id']}"
        kit = required_id(ctx, "wms_product", row["kit_id"], where)
        component = required_id(ctx, "wms_product", row["component_id"], where)
        quantity = int(row["quantity"] or 0)
        problem = ""
        if kit == component:
            problem = "un kit ne peut pas se contenir lui-même"
        elif component in kits:
            problem = "un kit ne peut pas contenir un autre kit"
        elif quantity < 1:
            problem = f"quantité {quantity}"
        if problem:
            ctx.report.anomaly(CORRECTED, f"composant de kit {row['id']} non repris : {problem}")
            skipped.append(str(row["id"]))
            continue
        items.append(ProductKitItem(kit_id=kit, component_id=component, quantity=quantity))
    ProductKitItem.objects.bulk_create(items)
    ctx.report.count(
        "wms_productkititem",
        old=ctx.source.count("wms_productkititem"),
        new=len(items),
        why=f"composant(s) {', '.join(skipped)} non repris (voir anomalies)" if skipped else "",
    )
