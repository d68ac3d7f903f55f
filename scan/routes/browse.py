"""Read-only scan screens: stock, lots to destroy, product detail, receipts and help."""

from django.urls import URLPattern, path

from scan.views import faq, product, receipts, stock

urlpatterns: list[URLPattern] = [
    path("stock/", stock.stock, name="stock"),
    path("stock/expired/", stock.stock_expired, name="stock_expired"),
    path("product/<int:pk>/", product.product_detail, name="product_detail"),
    path("receipts/", receipts.receipts, name="receipts"),
    path("faq/", faq.faq, name="faq"),
]
