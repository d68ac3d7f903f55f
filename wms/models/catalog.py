"""Catalogue (S-CATALOG): categories, tags, products and kits."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from wms.text import fold_key

MAX_CATEGORY_DEPTH = 4


class ProductCategory(models.Model):
    name = models.CharField("nom", max_length=120)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="catégorie parente",
    )
    # Maintained by save(): the case- and accent-folded name, and the parent id or 0 for a root,
    # so that one plain unique constraint covers siblings and roots alike on MariaDB too.
    name_key = models.CharField(max_length=120, editable=False)
    parent_marker = models.PositiveBigIntegerField(default=0, editable=False)
    level = models.PositiveSmallIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "catégorie"
        verbose_name_plural = "catégories"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent_marker", "name_key"], name="category_unique_among_siblings"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=MAX_CATEGORY_DEPTH), name="category_depth"
            ),
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        names = []
        node: ProductCategory | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " > ".join(reversed(names))

    def root(self) -> ProductCategory:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def descendant_ids(self) -> list[int]:
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = list(
                ProductCategory.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            ids.extend(frontier)
        return ids

    def clean(self) -> None:
        node, depth = self.parent, 1
        while node is not None:
            if node.pk is not None and node.pk == self.pk:
                raise ValidationError(
                    {"parent": "Une catégorie ne peut pas être sa propre parente."}
                )
            depth += 1
            node = node.parent
        if depth > MAX_CATEGORY_DEPTH:
            raise ValidationError(
                {"parent": f"Au plus {MAX_CATEGORY_DEPTH} niveaux de catégories."}
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = fold_key(self.name)
        self.parent_marker = self.parent_id or 0
        old_level = self.level
        self.level = (self.parent.level + 1) if self.parent is not None else 1
        super().save(*args, **kwargs)
        if self.level != old_level and self.pk is not None:
            # A moved branch: its descendants' levels follow (the CHECK keeps them ≤ 4).
            for child in self.children.all():
                child.save()


class ProductTag(models.Model):
    name = models.CharField("nom", max_length=80, unique=True)

    class Meta:
        verbose_name = "étiquette"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField("SKU", max_length=40, unique=True)
    name = models.CharField("nom", max_length=200)
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    brand = models.CharField("marque", max_length=120, blank=True)
    color = models.CharField("couleur", max_length=60, blank=True)
    photo = models.ImageField("photo", upload_to="products/", blank=True)
    category = models.ForeignKey(
        ProductCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
        verbose_name="catégorie",
    )
    tags = models.ManyToManyField(
        ProductTag, blank=True, related_name="products", verbose_name="étiquettes"
    )
    barcode = models.CharField("code-barres", max_length=64, blank=True, db_index=True)
    ean = models.CharField("EAN / GTIN saisi", max_length=14, blank=True)
    gtin = models.CharField("GTIN-14", max_length=14, blank=True, db_index=True, editable=False)
    pu_ht = models.DecimalField(
        "prix unitaire HT", max_digits=12, decimal_places=2, null=True, blank=True
    )
    tva = models.DecimalField(
        "taux de TVA",
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="0,055 ou 5,5 (un nombre supérieur à 1 est un pourcentage)",
    )
    pu_ttc = models.DecimalField(
        "prix unitaire TTC", max_digits=12, decimal_places=2, null=True, blank=True, editable=False
    )
    default_location = models.ForeignKey(
        "wms.Location",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_products",
        verbose_name="emplacement par défaut",
    )
    length_cm = models.DecimalField(
        "longueur (cm)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    width_cm = models.DecimalField(
        "largeur (cm)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    height_cm = models.DecimalField(
        "hauteur (cm)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    weight_g = models.PositiveIntegerField("poids (g)", null=True, blank=True)
    volume_cm3 = models.PositiveIntegerField("volume (cm³)", null=True, blank=True)
    storage_conditions = models.CharField("conditions de stockage", max_length=200, blank=True)
    perishable = models.BooleanField("périssable", default=False)
    quarantine_default = models.BooleanField("quarantaine à la réception", default=False)
    is_active = models.BooleanField("actif", default=True)
    needs_review = models.BooleanField("à vérifier", default=False)
    notes = models.TextField("notes", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "produit"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pu_ht__isnull=True) | Q(pu_ht__gte=0), name="product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(tva__isnull=True) | Q(tva__gte=0, tva__lt=1),
                name="product_vat_is_a_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def is_kit(self) -> bool:
        return self.kit_items.exists()

    def clean(self) -> None:
        from wms.services.catalog import vat_rate

        # "20" means 20 %: normalised before the database constraint (0 ≤ rate < 1) is checked.
        self.tva = vat_rate(self.tva)
        if self.tva is not None and self.tva >= 1:
            raise ValidationError({"tva": "Taux de TVA invalide : au plus 99,99 %."})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived columns are recomputed on every save so they can never drift.
        from wms.services.catalog import derive_product_fields

        derive_product_fields(self)
        super().save(*args, **kwargs)


class ProductKitItem(models.Model):
    kit = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="kit_items", verbose_name="kit"
    )
    component = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="used_in_kits", verbose_name="composant"
    )
    quantity = models.PositiveIntegerField("quantité", default=1)

    class Meta:
        verbose_name = "composant de kit"
        verbose_name_plural = "composants de kit"
        constraints = [
            models.UniqueConstraint(fields=["kit", "component"], name="kit_component_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="kit_quantity_positive"),
            models.CheckConstraint(condition=~Q(kit=F("component")), name="kit_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.kit.name}: {self.quantity} × {self.component.name}"

    def clean(self) -> None:
        if self.kit_id and self.kit_id == self.component_id:
            raise ValidationError("Un kit ne peut pas se contenir lui-même.")
        if self.component_id and ProductKitItem.objects.filter(kit_id=self.component_id).exists():
            raise ValidationError("Un kit ne peut pas contenir un autre kit.")
        if self.kit_id and ProductKitItem.objects.filter(component_id=self.kit_id).exists():
            raise ValidationError(
                "Ce produit est déjà composant d'un kit : il ne peut pas devenir un kit."
            )
