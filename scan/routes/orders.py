"""Managers' screens of S-ORDERS: the order review list and page with its decisions, the
staff-created order, account requests, document review and the document downloads."""

from django.urls import URLPattern, path

from scan.views import account_requests, documents_review, order_review, orders

urlpatterns: list[URLPattern] = [
    path("orders-view/", orders.orders_view, name="orders_view"),
    path("orders/", orders.order_create, name="order_create"),
    path("orders/<int:pk>/", order_review.order_review, name="order_review"),
    path("orders/<int:pk>/approve/", order_review.order_approve, name="order_approve"),
    path("orders/<int:pk>/reject/", order_review.order_reject, name="order_reject"),
    path("orders/<int:pk>/changes/", order_review.order_changes, name="order_changes"),
    path("orders/<int:pk>/cancel/", order_review.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/shipment/", order_review.order_shipment, name="order_shipment"),
    path("orders/<int:pk>/prepare/", order_review.order_prepare, name="order_prepare"),
    path(
        "orders/<int:pk>/documents/<int:doc_pk>/",
        order_review.order_document_file,
        name="order_document_file",
    ),
    path("account-requests/", account_requests.account_requests, name="account_requests"),
    path("account-requests/<int:pk>/", account_requests.account_request, name="account_request"),
    path(
        "account-requests/<int:pk>/approve/",
        account_requests.account_request_approve,
        name="account_request_approve",
    ),
    path(
        "account-requests/<int:pk>/reject/",
        account_requests.account_request_reject,
        name="account_request_reject",
    ),
    path("documents/", documents_review.documents_review, name="documents_review"),
    path(
        "documents/order/<int:pk>/review/",
        documents_review.order_document_review,
        name="order_document_review",
    ),
    path(
        "documents/association/<int:pk>/review/",
        documents_review.association_document_review,
        name="association_document_review",
    ),
    path(
        "association-documents/<int:pk>/",
        documents_review.association_document_file,
        name="association_document_file",
    ),
]
