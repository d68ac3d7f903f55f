"""API v1 serializers. Compatibility shapes (api-v1-compat.md) keep the earlier system's field
names: fields may be added, never renamed or removed."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from wms.models import Product, ProductTag

PRODUCT_FIELDS = [
    "id",
    "sku",
    "name",
    "brand",
    "color",
    "category_id",
    "category_name",
    "tags",
    "barcode",
    "ean",
    "pu_ht",
    "tva",
    "pu_ttc",
    "available_stock",
    "default_location_id",
    "storage_conditions",
    "perishable",
    "quarantine_default",
    "notes",
    "is_active",
    "weight_g",
    "volume_cm3",
    "length_cm",
    "width_cm",
    "height_cm",
    "photo",
]


# The attribute wms.api.views.product_queryset prefetches the tags into (a list).
TAG_LIST = "tag_list"


class PrefetchedTagNames(serializers.ManyRelatedField):
    """The tags' names, read from the list product_queryset prefetched (the manager otherwise);
    the schema still sees the model's `tags` relation."""

    def get_attribute(self, instance: Product) -> Any:
        prefetched = getattr(instance, TAG_LIST, None)
        return prefetched if prefetched is not None else super().get_attribute(instance)


class TagNamesField(serializers.SlugRelatedField[ProductTag]):
    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> PrefetchedTagNames:
        kwargs.pop("many", None)
        child = cls(*args, **kwargs)
        return PrefetchedTagNames(
            child_relation=child,
            read_only=True,
            help_text=kwargs.get("help_text"),
        )


class ProductSerializer(serializers.ModelSerializer[Product]):
    """Un produit du catalogue. Les nombres décimaux sont des chaînes ("12.50")."""

    # Reads the queryset of wms.api.views.product_queryset: category joined, tags prefetched,
    # `available_stock` annotated (no query per product).
    category_id = serializers.IntegerField(read_only=True, allow_null=True)
    category_name = serializers.CharField(
        source="category.name", read_only=True, allow_null=True, help_text="Nom de la catégorie."
    )
    tags = TagNamesField(
        many=True, read_only=True, slug_field="name", help_text="Noms des étiquettes."
    )
    available_stock = serializers.IntegerField(
        read_only=True,
        help_text=(
            "Stock utilisable : lots disponibles, non périmés, moins les quantités réservées. "
            "Pour un kit : le minimum, sur ses composants, de (stock utilisable ÷ quantité "
            "par kit), arrondi à l'entier inférieur."
        ),
    )
    default_location_id = serializers.IntegerField(read_only=True, allow_null=True)
    photo = serializers.ImageField(
        read_only=True, allow_null=True, use_url=True, help_text="URL absolue, ou null."
    )

    class Meta:
        model = Product
        fields = PRODUCT_FIELDS
        read_only_fields = PRODUCT_FIELDS
        # The model's help text speaks of input (5,5 accepted); the API always gives the rate.
        extra_kwargs = {"tva": {"help_text": "Taux de TVA : 0.0550 pour 5,5 %."}}
