"""The anonymous pages of a public order link (S-ORDERS): the order form, its printable summary
(for the session that submitted it) and the account request form."""

from django.urls import URLPattern, path

from wms.public.account_request import account_request
from wms.public.public_order import public_order, public_order_summary

urlpatterns: list[URLPattern] = [
    path("public-order/<str:token>/", public_order, name="public_order"),
    path("public-order/<str:token>/account/", account_request, name="public_order_account"),
    path(
        "public-order/<str:token>/summary/<str:reference>/",
        public_order_summary,
        name="public_order_summary",
    ),
]
