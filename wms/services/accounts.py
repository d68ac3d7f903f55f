"""Association accounts (S-ORDERS): account requests (public form, throttled), a manager's
approval (contact chosen or created, user with its association profile, set-password email) or
rejection, and the set-password / forgot-password links of the portal.

Public submissions (account requests and orders through a public link) are throttled per email
and per client address by the shared database throttle: the slots are taken last, inside the
transaction that saves the submission, so a refused submission never burns them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from wms.emailing.messages import manager_emails, queue_templated_email
from wms.models import (
    AccountRequestStatus,
    AssociationDocument,
    AssociationDocumentKind,
    AssociationProfile,
    Contact,
    ContactAddress,
    Order,
    PublicAccountRequest,
    PublicOrderLink,
)
from wms.services import orders, throttle
from wms.services.contacts import set_default_address
from wms.services.documents import check_upload, original_name_of
from wms.services.errors import StockError
from wms.services.stock import Actor

log = logging.getLogger("wms.accounts")

MAX_DOCUMENTS = 10


class Throttled(StockError):
    def __init__(self, seconds: int) -> None:
        minutes = max(1, (seconds + 59) // 60)
        super().__init__(
            f"Une demande vient d'être envoyée depuis cette adresse : réessayez dans {minutes} "
            "minute(s).",
            code="throttled",
        )
        self.seconds = seconds


def take_public_slots(scope: str, seconds: int, email: str, ip: str) -> None:
    """One submission per email and per client address per window (0 disables)."""
    for kind, key in (("email", email.strip().lower()), ("ip", ip)):
        if key and not throttle.acquire(f"{scope}:{kind}", key, seconds):
            raise Throttled(throttle.seconds_remaining(f"{scope}:{kind}", key))


def clean_email(raw: str) -> str:
    email = (raw or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise StockError("Adresse e-mail invalide.") from None
    return email


# --- documents -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    kind: str
    file: UploadedFile


def check_uploads(uploads: Iterable[Upload], kinds: Iterable[str]) -> list[Upload]:
    allowed = set(kinds)
    checked = []
    for upload in uploads:
        if upload.kind not in allowed:
            raise StockError("Type de document inconnu.")
        check_upload(upload.file)
        checked.append(upload)
    if len(checked) > MAX_DOCUMENTS:
        raise StockError(f"{MAX_DOCUMENTS} documents au plus.")
    return checked


def store(document: Any, upload: UploadedFile, extension: str) -> None:
    """Save under a random name (never the sender's path); the original name is for display."""
    document.original_name = original_name_of(upload)
    document.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    document.save()


def add_association_document(
    *, association: Contact | None, upload: Upload, actor: Actor, account_request: Any = None
) -> AssociationDocument:
    file_type = check_upload(upload.file)
    if upload.kind not in AssociationDocumentKind.values:
        raise StockError("Type de document inconnu.")
    document = AssociationDocument(
        association=association,
        account_request=account_request,
        kind=upload.kind,
        uploaded_by=actor.user if getattr(actor.user, "pk", None) else None,
    )
    store(document, upload.file, file_type.extension)
    return document


# --- account requests ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRequestInput:
    association_name: str
    email: str
    phone: str = ""
    line1: str = ""
    line2: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    notes: str = ""
    documents: list[Upload] = field(default_factory=list)


# field → (its name in a message, the most characters its column keeps)
LIMITS = {
    "association_name": ("Le nom de l'association", 200),
    "phone": ("Le téléphone", 40),
    "line1": ("L'adresse", 200),
    "line2": ("Le complément d'adresse", 200),
    "postal_code": ("Le code postal", 20),
    "city": ("La ville", 120),
    "country": ("Le pays", 80),
    "notes": ("Le message", 4000),
}


def submit_account_request(
    *, data: AccountRequestInput, client_ip: str, public_link: PublicOrderLink | None = None
) -> PublicAccountRequest:
    name = data.association_name.strip()
    if not name:
        raise StockError("Indiquez le nom de l'association.")
    email = clean_email(data.email)
    values = {key: str(getattr(data, key) or "").strip() for key in LIMITS}
    for key, (label, limit) in LIMITS.items():
        if len(values[key]) > limit:
            raise StockError(f"{label} : {limit} caractères au plus.")
    if public_link is not None and not public_link.is_usable():
        raise StockError("Ce lien n'est plus valable.", code="expired")
    documents = check_uploads(data.documents, AssociationDocumentKind.values)
    with transaction.atomic():
        take_public_slots(
            "account_request", settings.ACCOUNT_REQUEST_THROTTLE_SECONDS, email, client_ip
        )
        request = PublicAccountRequest.objects.create(
            **{**values, "association_name": name}, email=email, public_link=public_link
        )
        for upload in documents:
            add_association_document(
                association=None, upload=upload, actor=Actor(), account_request=request
            )
        context = {"request": request}
        queue_templated_email("account_request_received", context, [email])
        queue_templated_email("account_request_new", context, manager_emails())
    log.info("account request", extra={"event": "account_request", "request": request.pk})
    return request


def pending_account_requests() -> int:
    return PublicAccountRequest.objects.filter(status=AccountRequestStatus.PENDING).count()


def _require_manager(actor: Actor) -> None:
    if not actor.may_manage():
        raise StockError("Seul un responsable peut traiter une demande.", code="forbidden")


def _lock_pending(request: PublicAccountRequest) -> PublicAccountRequest:
    locked = PublicAccountRequest.objects.select_for_update().filter(pk=request.pk).first()
    if locked is None:
        raise StockError("Demande introuvable.")
    if locked.status != AccountRequestStatus.PENDING:
        raise StockError("Cette demande a déjà été traitée.")
    return locked


def approve_account_request(
    *, request: PublicAccountRequest, actor: Actor, contact: Contact | None = None
) -> User:
    """Create the portal user for the request's email, linked to `contact` (an existing contact
    the manager chose) or to a new contact made from the request; email the set-password link."""
    _require_manager(actor)
    with transaction.atomic():
        request = _lock_pending(request)
        email = request.email.strip()
        if (
            User.objects.filter(username__iexact=email).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            raise StockError(f"Un compte existe déjà pour {email}.")
        if contact is None:
            contact = Contact.objects.create(
                name=request.association_name,
                email=email,
                phone=request.phone,
                notes=f"Créé depuis la demande de compte du {request.created_at:%d/%m/%Y}.",
            )
            if request.city and request.country:
                # Its only address, so its default one (S-CONTACTS).
                set_default_address(
                    ContactAddress(
                        contact=contact,
                        line1=request.line1 or request.city,
                        line2=request.line2,
                        postal_code=request.postal_code,
                        city=request.city,
                        country=request.country,
                    )
                )
        user = User.objects.create_user(username=email.lower(), email=email)
        user.set_unusable_password()
        user.save()
        AssociationProfile.objects.create(user=user, contact=contact)
        request.documents.update(association=contact)
        request.status = AccountRequestStatus.APPROVED
        request.contact = contact
        request.user = user
        request.decided_by = actor.user if getattr(actor.user, "pk", None) else None
        request.decided_at = timezone.now()
        request.save()
        queue_templated_email(
            "account_approved",
            {"request": request, "user": user, "set_password_url": set_password_url(user)},
            [email],
        )
    log.info("account approved", extra={"event": "account_approved", "request": request.pk})
    return user


def reject_account_request(
    *, request: PublicAccountRequest, actor: Actor, comment: str = ""
) -> PublicAccountRequest:
    _require_manager(actor)
    with transaction.atomic():
        request = _lock_pending(request)
        request.status = AccountRequestStatus.REJECTED
        request.decision_comment = (comment or "").strip()[:400]
        request.decided_by = actor.user if getattr(actor.user, "pk", None) else None
        request.decided_at = timezone.now()
        request.save()
        queue_templated_email("account_rejected", {"request": request}, [request.email])
    return request


# --- portal passwords ----------------------------------------------------------------------------


def set_password_url(user: User, route: str = "portal:set_password") -> str:
    """The full one-use link (SITE_BASE_URL included) where `user` chooses a password: the
    portal's page for an association, Django's reset page (`password_reset_confirm`) for staff."""
    path = reverse(
        route,
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    return f"{settings.SITE_BASE_URL}{path}"


def send_password_reset(email: str) -> bool:
    """Queue the forgot-password link when `email` is an active association user's; says
    nothing either way to the caller's visitor (the view answers the same)."""
    user = (
        User.objects.filter(email__iexact=(email or "").strip(), is_active=True)
        .filter(association_profile__isnull=False)
        .first()
    )
    if user is None:
        return False
    queue_templated_email(
        "portal_password_reset",
        {"user": user, "set_password_url": set_password_url(user)},
        [user.email],
    )
    return True


# --- orders through a public link ----------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    name: str
    email: str
    phone: str = ""
    contact_name: str = ""


def submit_public_order(
    *,
    link: PublicOrderLink,
    identity: Identity,
    lines: Iterable[orders.LineInput],
    delivery: orders.Delivery,
    client_ip: str,
) -> Order:
    """An anonymous partner's order: its identity is kept as typed for a manager to match —
    never written into an existing contact."""
    if not link.is_usable():
        raise StockError("Ce lien n'est plus valable.", code="expired")
    name = identity.name.strip()
    if not name or len(name) > 200:
        raise StockError("Indiquez le nom de l'association (200 caractères au plus).")
    email = clean_email(identity.email)
    typed = {
        "name": name,
        "email": email,
        "phone": identity.phone.strip()[:40],
        "contact_name": identity.contact_name.strip()[:200],
    }
    with transaction.atomic():
        order = orders.submit_order(
            lines=lines,
            delivery=delivery,
            actor=Actor(),
            public_link=link,
            identity=typed,
        )
        take_public_slots("public_order", settings.PUBLIC_ORDER_THROTTLE_SECONDS, email, client_ip)
    return order


def matching_contacts(name: str, email: str) -> list[Contact]:
    """Existing contacts a manager may confirm for a typed identity (same email or name)."""
    from wms.text import fold_key

    # name_key is the folded name (accents, case, spaces): "Ménabé" matches "menabe".
    key = fold_key(name)
    by_email = list(Contact.objects.filter(email__iexact=email)[:5]) if email else []
    by_name = list(Contact.objects.filter(name_key=key)[:20]) if key else []
    seen: dict[int, Contact] = {}
    for contact in by_email + by_name:
        seen.setdefault(contact.pk, contact)
    return list(seen.values())
