"""Users and the association portal of the earlier system (S-LEGACY, S-ROLES, S-ORDERS).

Users keep their password hash exactly as stored (old passwords keep working; an unusable `!…`
password stays unusable). Roles are not copied from the earlier permission groups, which only
governed the Django admin: the earlier scan UI trusted `is_staff` alone, and its superusers were
the managers. So a legacy superuser becomes a superuser in the Manager group, a legacy staff
account a Worker, an association user (one with a profile) gets no group.

The portal: public order links keep their token (links already sent keep opening the form),
account requests, association documents (file paths kept), profiles and address books.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections import defaultdict
from typing import Any

from django.contrib.auth.models import Group, User
from django.utils import timezone

from wms.models import (
    AccountRequestStatus,
    AssociationDocument,
    AssociationDocumentKind,
    AssociationProfile,
    AssociationRecipient,
    DocumentStatus,
    PublicAccountRequest,
    PublicOrderLink,
)
from wms.roles import MANAGER_GROUP, WORKER_GROUP

from .catalog import fit as cut_to
from .context import TakeOver
from .source import as_bool, as_datetime, as_text, as_uuid

KIND_CORRECTED = "Valeurs corrigées"
KIND_ROLES = "Rôles repris"
KIND_PORTAL = "Portail"


def stamp(value: Any) -> dt.datetime:
    """A NOT NULL legacy timestamp; should one be missing, the take-over's own time."""
    return as_datetime(value) or timezone.now()


def fit(ctx: TakeOver, value: str, limit: int, *, what: str, table: str, row_id: Any) -> str:
    """A legacy text cut to our column's length (MariaDB refuses longer values): reported."""
    return cut_to(ctx, value, limit, f"{table} #{row_id} : {what}")


# --- users ---------------------------------------------------------------------------------------


def _profile_user_ids(ctx: TakeOver) -> set[int]:
    return {int(row["user_id"]) for row in ctx.rows("wms_associationprofile")}


def import_users(ctx: TakeOver) -> None:
    rows = ctx.rows("auth_user")
    association_ids = _profile_user_ids(ctx)
    groups = {name: Group.objects.get(name=name) for name in (WORKER_GROUP, MANAGER_GROUP)}
    memberships: list[Any] = []
    for row in rows:
        old_id = int(row["id"])
        superuser = as_bool(row["is_superuser"])
        old_staff = as_bool(row["is_staff"])
        username = as_text(row["username"])
        if superuser:
            role: str | None = MANAGER_GROUP
            mapping = "superutilisateur → superutilisateur et Manager"
        elif old_id in association_ids:
            role = None
            mapping = "utilisateur d'association (profil portail) → aucun groupe"
        elif old_staff:
            role = WORKER_GROUP
            mapping = "équipe (is_staff) → Worker"
        else:
            role = None
            mapping = (
                "ni équipe ni association → aucun groupe (ne peut ouvrir ni le scan ni le portail)"
            )
        # Our rule (S-ROLES, wms/signals.py): Manager ⇒ is_staff; nobody else needs it.
        staff = role == MANAGER_GROUP
        user = User(
            username=username,
            password=as_text(row["password"]),
            first_name=as_text(row["first_name"]),
            last_name=as_text(row["last_name"]),
            email=as_text(row["email"]),
            is_active=as_bool(row["is_active"]),
            is_superuser=superuser,
            is_staff=staff,
            last_login=as_datetime(row["last_login"]),
            date_joined=stamp(row["date_joined"]),
        )
        # User.save() never hashes (only set_password does): the stored hash lands unchanged.
        user.save(force_insert=True)
        ctx.remember("auth_user", old_id, user.pk)
        if role is not None:
            memberships.append(User.groups.through(user_id=user.pk, group_id=groups[role].pk))
        ctx.report.anomaly(KIND_ROLES, f"auth_user #{old_id} {username} : {mapping}.")
        if staff != old_staff:
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"auth_user #{old_id} {username} : is_staff {old_staff} → {staff} "
                + (
                    "(les responsables ont l'accès équipe)"
                    if staff
                    else "(un magasinier travaille avec le groupe Worker, sans accès à l'admin)"
                ),
            )
    User.groups.through.objects.bulk_create(memberships)
    ctx.report.count("auth_user", old=ctx.source.count("auth_user"), new=len(rows))
    _report_users_sharing_an_email(ctx, rows)
    _report_groups(ctx)


def _report_users_sharing_an_email(ctx: TakeOver, rows: list[dict[str, Any]]) -> None:
    # The portal signs in by e-mail: two accounts with one address would pick the first.
    by_email: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        email = as_text(row["email"]).strip().lower()
        if email:
            by_email[email].append(f"#{row['id']} {row['username']}")
    for email, users in by_email.items():
        if len(users) > 1:
            ctx.report.anomaly(
                KIND_PORTAL,
                f"auth_user {', '.join(users)} partagent l'e-mail {email} : la connexion au "
                "portail par e-mail choisit le compte qui a un profil d'association.",
            )


def _report_groups(ctx: TakeOver) -> None:
    names = {int(row["id"]): as_text(row["name"]) for row in ctx.rows("auth_group")}
    usernames = {int(row["id"]): as_text(row["username"]) for row in ctx.rows("auth_user")}
    members: dict[int, list[str]] = defaultdict(list)
    links = ctx.rows("auth_user_groups")
    for link in links:
        members[int(link["group_id"])].append(usernames.get(int(link["user_id"]), "?"))
    for group_id, name in names.items():
        listed = ", ".join(members[group_id]) or "aucun membre"
        ctx.report.anomaly(
            KIND_ROLES,
            f"auth_group #{group_id} « {name} » ({listed}) : groupe de permissions de l'admin, "
            "non repris ; ses membres ont le rôle que donnent leurs drapeaux "
            "(superutilisateur → Manager, équipe → Worker).",
        )
    manager, worker = (
        Group.objects.get(name=MANAGER_GROUP),
        Group.objects.get(name=WORKER_GROUP),
    )
    ctx.report.count(
        "auth_group",
        old=len(names),
        new=0,
        why=(
            "les groupes de l'ancienne admin ne sont pas repris : les rôles sont nos groupes "
            f"« {WORKER_GROUP} » et « {MANAGER_GROUP} », créés par les migrations"
        ),
    )
    new_links = User.groups.through.objects.filter(group__in=[manager, worker]).count()
    ctx.report.count(
        "auth_user_groups",
        old=len(links),
        new=new_links,
        why=(
            f"appartenances recalculées : {manager.user_set.count()} Manager (anciens "
            f"superutilisateurs), {worker.user_set.count()} Worker (anciens comptes équipe) ; "
            "les appartenances aux anciens groupes ne sont pas reprises"
        ),
    )


# --- the portal ----------------------------------------------------------------------------------

ACCOUNT_REQUEST_STATUSES = {status.value: status for status in AccountRequestStatus}
DOCUMENT_STATUSES = {status.value: status for status in DocumentStatus}
DOCUMENT_KINDS = {
    "statutes": AssociationDocumentKind.STATUTES,
    "registration_proof": AssociationDocumentKind.REGISTRATION,
    "activity_report": AssociationDocumentKind.ACTIVITY_REPORT,
    "other": AssociationDocumentKind.OTHER,
}


def import_portal(ctx: TakeOver) -> None:
    _import_links(ctx)
    _import_account_requests(ctx)
    _import_documents(ctx)
    _import_profiles(ctx)
    _import_recipients(ctx)


def _count(ctx: TakeOver, table: str, new: int, skipped: list[str]) -> None:
    ctx.report.count(
        table,
        old=ctx.source.count(table),
        new=new,
        why="non repris : " + " ; ".join(skipped) if skipped else "",
    )


def _import_links(ctx: TakeOver) -> None:
    rows = ctx.rows("wms_publicorderlink")
    for row in rows:
        token = as_uuid(row["token"])
        link = PublicOrderLink(
            label=fit(
                ctx,
                as_text(row["label"]),
                120,
                what="libellé",
                table="wms_publicorderlink",
                row_id=row["id"],
            ),
            # The earlier URLs were /scan/public-order/<uuid>/ with the UUID's usual hyphenated
            # spelling; ours look the token up as typed in the URL, so it is stored that way.
            token=str(token),
            is_active=as_bool(row["is_active"]),
            expires_at=as_datetime(row["expires_at"]),
            created_at=stamp(row["created_at"]),
        )
        link.save(force_insert=True)
        ctx.remember("wms_publicorderlink", row["id"], link.pk)
    _count(ctx, "wms_publicorderlink", len(rows), [])


def _created_user(ctx: TakeOver, row: dict[str, Any], profiles: list[dict[str, Any]]) -> int | None:
    """The account an approved request created: approval made a user named after the e-mail,
    with a profile for the request's contact (our request records it; the earlier one did not)."""
    if as_text(row["status"]) != AccountRequestStatus.APPROVED:
        return None
    email = as_text(row["email"]).strip().lower()
    users = {int(user["id"]): user for user in ctx.rows("auth_user")}
    for profile in profiles:
        user = users.get(int(profile["user_id"]))
        if user is None or str(profile["contact_id"]) != str(row["contact_id"]):
            continue
        if email in {as_text(user["username"]).lower(), as_text(user["email"]).lower()}:
            return ctx.new_id("auth_user", user["id"])
    return None


def _import_account_requests(ctx: TakeOver) -> None:
    rows = ctx.rows("wms_publicaccountrequest")
    profiles = ctx.rows("wms_associationprofile")
    for row in rows:
        old_id = row["id"]

        def cut(column: str, limit: int, what: str, row: dict[str, Any] = row) -> str:
            return fit(
                ctx,
                as_text(row[column]),
                limit,
                what=what,
                table="wms_publicaccountrequest",
                row_id=row["id"],
            )

        status = ACCOUNT_REQUEST_STATUSES.get(as_text(row["status"]))
        if status is None:
            status = AccountRequestStatus.PENDING
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"wms_publicaccountrequest #{old_id} {row['association_name']} : statut "
                f"« {row['status']} » inconnu, repris comme en attente.",
            )
        request = PublicAccountRequest(
            association_name=cut("association_name", 200, "association"),
            email=cut("email", 254, "e-mail"),
            phone=cut("phone", 40, "téléphone"),
            line1=cut("address_line1", 200, "adresse"),
            line2=cut("address_line2", 200, "complément"),
            postal_code=cut("postal_code", 20, "code postal"),
            city=cut("city", 120, "ville"),
            country=cut("country", 80, "pays"),
            notes=as_text(row["notes"]),
            public_link_id=ctx.new_id("wms_publicorderlink", row["link_id"]),
            status=status,
            contact_id=ctx.new_id("contacts_contact", row["contact_id"]),
            user_id=_created_user(ctx, row, profiles),
            decided_by_id=ctx.new_id("auth_user", row["reviewed_by_id"]),
            decided_at=as_datetime(row["reviewed_at"]),
            # The earlier system kept no comment with its decision.
            decision_comment="",
            created_at=stamp(row["created_at"]),
        )
        request.save(force_insert=True)
        ctx.remember("wms_publicaccountrequest", old_id, request.pk)
    _count(ctx, "wms_publicaccountrequest", len(rows), [])


def _import_documents(ctx: TakeOver) -> None:
    rows = ctx.rows("wms_accountdocument")
    for row in rows:
        old_id = row["id"]
        path = as_text(row["file"])
        kind = DOCUMENT_KINDS.get(as_text(row["doc_type"]))
        if kind is None:
            kind = AssociationDocumentKind.OTHER
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"wms_accountdocument #{old_id} {path} : type « {row['doc_type']} » inconnu, "
                "repris comme « autre ».",
            )
        status = DOCUMENT_STATUSES.get(as_text(row["status"]))
        if status is None:
            status = DocumentStatus.PENDING
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"wms_accountdocument #{old_id} {path} : statut « {row['status']} » inconnu, "
                "repris comme en attente.",
            )
        document = AssociationDocument(
            association_id=ctx.new_id("contacts_contact", row["association_contact_id"]),
            account_request_id=ctx.new_id("wms_publicaccountrequest", row["account_request_id"]),
            kind=kind,
            original_name=posixpath.basename(path)[:200],
            status=status,
            uploaded_by_id=ctx.new_id("auth_user", row["uploaded_by_id"]),
            uploaded_at=stamp(row["uploaded_at"]),
            reviewed_by_id=ctx.new_id("auth_user", row["reviewed_by_id"]),
            reviewed_at=as_datetime(row["reviewed_at"]),
        )
        # The file stays where the earlier system stored it (relative to the media folder, which
        # is copied over as it is): only its name is set, nothing is uploaded again.
        document.file.name = path
        document.save(force_insert=True)
        ctx.remember("wms_accountdocument", old_id, document.pk)
    _count(ctx, "wms_accountdocument", len(rows), [])


def _notification_emails(text: str) -> str:
    # The earlier field took commas and/or line breaks; ours is one address per line.
    parts = [part.strip() for line in text.splitlines() for part in line.split(",")]
    return "\n".join(part for part in parts if part)


def _import_profiles(ctx: TakeOver) -> None:
    rows = ctx.rows("wms_associationprofile")
    users = {int(user["id"]): user for user in ctx.rows("auth_user")}
    skipped: list[str] = []
    created = 0
    for row in rows:
        old_id = row["id"]
        legacy_user = users.get(int(row["user_id"]), {})
        username = as_text(legacy_user.get("username"))
        user_id = ctx.new_id("auth_user", row["user_id"])
        contact_id = ctx.new_id("contacts_contact", row["contact_id"])
        if user_id is None or contact_id is None:
            skipped.append(f"#{old_id} (utilisateur ou contact introuvable)")
            continue
        if as_bool(legacy_user.get("is_superuser")):
            # Our association users are never staff; the account stays a manager's.
            skipped.append(f"#{old_id} {username} (superutilisateur, gardé comme responsable)")
            ctx.report.anomaly(
                KIND_PORTAL,
                f"wms_associationprofile #{old_id} {username} : superutilisateur avec un profil "
                "d'association ; profil non repris (un responsable n'est pas un compte portail).",
            )
            continue
        typed = as_text(row["notification_emails"])
        emails = _notification_emails(typed)
        if emails != typed.strip():
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"wms_associationprofile #{old_id} {username} : e-mails de notification remis "
                "un par ligne.",
            )
        profile = AssociationProfile(
            user_id=user_id,
            contact_id=contact_id,
            notification_emails=emails,
            created_at=stamp(row["created_at"]),
        )
        profile.save(force_insert=True)
        ctx.remember("wms_associationprofile", old_id, profile.pk)
        created += 1
        if as_bool(row["must_change_password"]):
            # We have no "must change password" flag: a first password is chosen through the
            # set-password link of the approval e-mail or the forgotten-password form.
            usable = not as_text(legacy_user.get("password")).startswith("!")
            ctx.report.anomaly(
                KIND_PORTAL,
                f"wms_associationprofile #{old_id} {username} : devait changer son mot de passe ; "
                + (
                    "son mot de passe actuel reste valable (envoyez-lui un lien par « mot de "
                    "passe oublié » si besoin)."
                    if usable
                    else "il n'en a jamais choisi (mot de passe inutilisable) : il le choisira "
                    "par « mot de passe oublié » sur le portail."
                ),
            )
    _count(ctx, "wms_associationprofile", created, skipped)


def _import_recipients(ctx: TakeOver) -> None:
    rows = ctx.rows("wms_associationrecipient")
    skipped: list[str] = []
    created = 0
    for row in rows:
        old_id = row["id"]
        association_id = ctx.new_id("contacts_contact", row["association_contact_id"])
        if association_id is None:
            skipped.append(f"#{old_id} {row['name']} (association introuvable)")
            continue

        def cut(column: str, limit: int, what: str, row: dict[str, Any] = row) -> str:
            return fit(
                ctx,
                as_text(row[column]).strip(),
                limit,
                what=what,
                table="wms_associationrecipient",
                row_id=row["id"],
            )

        recipient = AssociationRecipient(
            association_id=association_id,
            name=cut("name", 200, "nom"),
            line1=cut("address_line1", 200, "adresse"),
            line2=cut("address_line2", 200, "complément"),
            postal_code=cut("postal_code", 20, "code postal"),
            city=cut("city", 120, "ville"),
            country=cut("country", 80, "pays"),
            phone=cut("phone", 40, "téléphone"),
            email=cut("email", 254, "e-mail"),
            notes=" ".join(as_text(row["notes"]).split())[:400],
            is_active=as_bool(row["is_active"]),
            # Left unlinked: our workflow links an address-book entry to a contact when an order
            # using it is approved, matched by a manager and never merged silently.
            contact=None,
            created_at=stamp(row["created_at"]),
        )
        recipient.save(force_insert=True)
        ctx.remember("wms_associationrecipient", old_id, recipient.pk)
        created += 1
    _count(ctx, "wms_associationrecipient", created, skipped)
