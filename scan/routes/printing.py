"""Printable documents and labels (S-PRINT) and the label selection screen."""

from django.urls import URLPattern, path

from scan.views import print_templates, printing

urlpatterns: list[URLPattern] = [
    path("labels/", printing.labels, name="labels"),
    path(
        "print/shipment/<int:pk>/labels/",
        printing.shipment_labels,
        name="print_shipment_labels",
    ),
    path(
        "print/shipment/<int:pk>/<slug:document>/",
        printing.shipment_document,
        name="print_shipment_document",
    ),
    path("print/carton/<int:pk>/label/", printing.carton_label, name="print_carton_label"),
    path(
        "print/carton/<int:pk>/packing-list/",
        printing.carton_packing_list,
        name="print_carton_packing_list",
    ),
    path(
        "print/carton/<int:pk>/picking-list/",
        printing.carton_picking_list,
        name="print_carton_picking_list",
    ),
    path("print/labels/products/", printing.product_labels, name="print_product_labels"),
    path("print/labels/locations/", printing.location_labels, name="print_location_labels"),
    path("templates/", print_templates.template_list, name="templates"),
    path("templates/<slug:document>/", print_templates.template_edit, name="template_edit"),
]
