"""Catalogue admin (S-CATALOG): categories, tags, products and their kit components."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from wms.admin.imports import ImportAdminMixin
from wms.exports.tables import export_table
from wms.gtin import InvalidGtin, normalize_gtin
from wms.models import Product, ProductCategory, ProductKitItem, ProductTag
from wms.models.catalog import MAX_CATEGORY_DEPTH
from wms.services.naming import normalize_brand, normalize_category_name, normalize_name
from wms.text import fold_key

# Enough hops to print the path of the deepest category without one query per level.
CATEGORY_PATH_RELATED = "parent__parent__parent"


def subtree_height(category: ProductCategory) -> int:
    """How many generations lie below this category (0 for a leaf)."""
    height, frontier = 0, [category.pk]
    while True:
        frontier = list(
            ProductCategory.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        if not frontier:
            return height
        height += 1


class ProductCategoryForm(forms.ModelForm):
    class Meta:
        model = ProductCategory
        fields = ["name", "parent"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only categories that can still take a child; never the category itself or below it,
        # which would make a loop.
        parents = ProductCategory.objects.filter(level__lt=MAX_CATEGORY_DEPTH).select_related(
            CATEGORY_PATH_RELATED
        )
        if self.instance.pk is not None:
            parents = parents.exclude(pk__in=self.instance.descendant_ids())
        cast(forms.ModelChoiceField, self.fields["parent"]).queryset = parents

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name, parent = cleaned.get("name"), cleaned.get("parent")
        if self.instance.pk is not None and parent is not None:
            # The model checks its own depth; moving a branch must also keep its leaves within
            # the limit.
            deepest = parent.level + 1 + subtree_height(self.instance)
            if deepest > MAX_CATEGORY_DEPTH:
                self.add_error(
                    "parent",
                    f"Au plus {MAX_CATEGORY_DEPTH} niveaux de catégories : cette branche en "
                    f"compterait {deepest}.",
                )
        if name:
            # The unique key is computed on save, so the form checks it first: a duplicate is a
            # form error, not a database error.
            siblings = ProductCategory.objects.filter(
                parent_marker=parent.pk if parent is not None else 0, name_key=fold_key(name)
            ).exclude(pk=self.instance.pk)
            if siblings.exists():
                self.add_error("name", "Une catégorie de ce nom existe déjà à cet endroit.")
        return cleaned


@admin.register(ProductCategory)
class ProductCategoryAdmin(ImportAdminMixin, admin.ModelAdmin):
    import_table = "categories"
    form = ProductCategoryForm
    list_display = ("path", "name", "level")
    list_filter = ("level",)
    list_select_related = (CATEGORY_PATH_RELATED,)
    search_fields = ("name",)
    readonly_fields = ("level",)
    fields = ("name", "parent", "level")

    @admin.display(description="chemin")
    def path(self, category: ProductCategory) -> str:
        return category.path

    def save_model(
        self, request: HttpRequest, obj: ProductCategory, form: forms.ModelForm, change: bool
    ) -> None:
        obj.name = normalize_category_name(obj.name, is_root=obj.parent_id is None)
        super().save_model(request, obj, form, change)
        if change and "parent" in form.changed_data:
            refresh_descendant_levels(obj)


def refresh_descendant_levels(category: ProductCategory) -> None:
    """save() computes a category's level from its parent: re-save the branch top-down."""
    frontier = [category]
    while frontier:
        children = list(
            ProductCategory.objects.filter(parent__in=frontier).select_related("parent")
        )
        for child in children:
            child.save()
        frontier = children


@admin.register(ProductTag)
class ProductTagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


class CategoryFilter(admin.SimpleListFilter):
    """By category, sub-categories included; the choices load in one query."""

    title = "catégorie"
    parameter_name = "category"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        categories = ProductCategory.objects.select_related(CATEGORY_PATH_RELATED)
        return sorted(((str(c.pk), c.path) for c in categories), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        value = self.value()
        if not value:
            return queryset
        try:
            category = ProductCategory(pk=int(value))
        except ValueError:
            return queryset.none()
        return queryset.filter(category_id__in=category.descendant_ids())


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "brand",
            "color",
            "photo",
            "category",
            "tags",
            "barcode",
            "ean",
            "pu_ht",
            "tva",
            "default_location",
            "length_cm",
            "width_cm",
            "height_cm",
            "weight_g",
            "volume_cm3",
            "storage_conditions",
            "perishable",
            "quarantine_default",
            "is_active",
            "needs_review",
            "notes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku"].required = False
        self.fields["sku"].help_text = "Laisser vide pour en générer un."
        cast(
            forms.ModelChoiceField, self.fields["category"]
        ).queryset = ProductCategory.objects.select_related(CATEGORY_PATH_RELATED)

    def clean_ean(self) -> str:
        ean = "".join(self.cleaned_data.get("ean", "").split())
        if ean:
            try:
                normalize_gtin(ean)
            except InvalidGtin as exc:
                raise forms.ValidationError(str(exc)) from exc
        return ean


class ProductKitItemInline(admin.TabularInline):
    """Kit components; ProductKitItem.clean() refuses a kit inside a kit."""

    model = ProductKitItem
    fk_name = "kit"
    extra = 0
    autocomplete_fields = ("component",)


@admin.register(Product)
class ProductAdmin(ImportAdminMixin, admin.ModelAdmin):
    import_table = "products"
    form = ProductForm
    list_display = ("sku", "name", "category_path", "brand", "gtin", "is_active", "needs_review")
    list_select_related = (f"category__{CATEGORY_PATH_RELATED}",)
    list_filter = (
        CategoryFilter,
        "is_active",
        "needs_review",
        "perishable",
        "quarantine_default",
        "tags",
    )
    search_fields = ("sku", "name", "barcode", "ean", "gtin", "brand")
    readonly_fields = ("gtin", "pu_ttc", "created_at", "updated_at")
    autocomplete_fields = ("default_location",)
    filter_horizontal = ("tags",)
    inlines = [ProductKitItemInline]
    actions = ["mark_reviewed", "print_labels", "export_csv"]
    fieldsets = (
        (None, {"fields": ("sku", "name", "brand", "color", "photo", "category", "tags")}),
        ("Codes", {"fields": ("barcode", "ean", "gtin")}),
        ("Prix", {"fields": ("pu_ht", "tva", "pu_ttc")}),
        (
            "Stockage",
            {
                "fields": (
                    "default_location",
                    ("length_cm", "width_cm", "height_cm"),
                    ("weight_g", "volume_cm3"),
                    "storage_conditions",
                    "perishable",
                    "quarantine_default",
                )
            },
        ),
        ("Suivi", {"fields": ("is_active", "needs_review", "notes", "created_at", "updated_at")}),
    )

    @admin.display(description="catégorie", ordering="category__name")
    def category_path(self, product: Product) -> str:
        return product.category.path if product.category is not None else "–"

    @admin.action(description="Marquer comme vérifié", permissions=["change"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        count = queryset.filter(needs_review=True).update(needs_review=False)
        messages.success(request, f"{count} produit(s) marqué(s) comme vérifié(s).")

    @admin.action(description="Imprimer les étiquettes")
    def print_labels(
        self, request: HttpRequest, queryset: QuerySet[Product]
    ) -> HttpResponseRedirect:
        # The print page checks the selection (size, ids) and says what is wrong.
        ids = ",".join(str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True))
        return HttpResponseRedirect(f"{reverse('scan:print_product_labels')}?ids={ids}")

    @admin.action(description="Exporter en CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Product]) -> HttpResponse:
        # The columns of the product import: the file re-imports with --update.
        response = HttpResponse(
            export_table("products", queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="products.csv"'
        return response

    def save_model(
        self, request: HttpRequest, obj: Product, form: forms.ModelForm, change: bool
    ) -> None:
        obj.name = normalize_name(obj.name)
        obj.brand = normalize_brand(obj.brand)
        super().save_model(request, obj, form, change)
