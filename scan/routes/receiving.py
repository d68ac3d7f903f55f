"""Receiving: the hub, the pallet receipt, its packing list import, and a receipt's page."""

from django.urls import URLPattern, path

from scan.views import receiving

LISTING = "receive/pallet/listing/<uuid:token>"

urlpatterns: list[URLPattern] = [
    path("receive/", receiving.receive, name="receive"),
    # The earlier system's path (S-SCAN keeps its URLs, so bookmarks carry over).
    path("receive-pallet/", receiving.receive_pallet, name="receive_pallet"),
    path("receive/pallet/listing/", receiving.listing_upload, name="listing_upload"),
    path(f"{LISTING}/mapping/", receiving.listing_mapping, name="listing_mapping"),
    path(f"{LISTING}/review/", receiving.listing_review, name="listing_review"),
    path(f"{LISTING}/confirm/", receiving.listing_confirm, name="listing_confirm"),
    path(f"{LISTING}/cancel/", receiving.listing_cancel, name="listing_cancel"),
    path("receipts/<int:pk>/", receiving.receipt_detail, name="receipt_detail"),
]
