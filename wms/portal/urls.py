"""The partner associations' portal, under /portal/ (S-ORDERS). Every view but the sign-in and
password-link pages needs an association user (wms.portal.decorators)."""

from django.urls import URLPattern, path

from wms.portal import account, auth, order_form, order_pages, recipients
from wms.public import account_request as public_account

app_name = "portal"

urlpatterns: list[URLPattern] = [
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("set-password/<uidb64>/<token>/", auth.set_password, name="set_password"),
    path("forgot-password/", auth.forgot_password, name="forgot_password"),
    # Built with the public pages (wms/public): anyone may ask for an account.
    path("request-account/", public_account.account_request, name="request_account"),
    path("", order_pages.dashboard, name="dashboard"),
    path("orders/new/", order_form.order_new, name="order_new"),
    path("orders/<int:pk>/", order_pages.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", order_form.order_edit, name="order_edit"),
    path("orders/<int:pk>/cancel/", order_pages.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/resubmit/", order_pages.order_resubmit, name="order_resubmit"),
    path("orders/<int:pk>/summary/", order_pages.order_summary, name="order_summary"),
    path(
        "orders/<int:pk>/documents/",
        order_pages.order_document_upload,
        name="order_document_upload",
    ),
    path(
        "orders/<int:pk>/documents/<int:doc_pk>/",
        order_pages.order_document,
        name="order_document",
    ),
    path("recipients/", recipients.recipients, name="recipients"),
    path("recipients/<int:pk>/", recipients.recipient_edit, name="recipient_edit"),
    path(
        "recipients/<int:pk>/deactivate/",
        recipients.recipient_deactivate,
        name="recipient_deactivate",
    ),
    path(
        "recipients/<int:pk>/reactivate/",
        recipients.recipient_reactivate,
        name="recipient_reactivate",
    ),
    path("account/", account.account, name="account"),
    path("account/password/", auth.change_password, name="change_password"),
    path(
        "account/documents/",
        account.association_document_upload,
        name="association_document_upload",
    ),
    path(
        "account/documents/<int:doc_pk>/",
        account.association_document,
        name="association_document",
    ),
]
