"""Staff user import (S-IMPORT, S-ROLES): username, e-mail, names, role, active.

There is no password column, on purpose: a file of passwords would travel by e-mail and sit in
download folders. A new user gets an unusable password and a set-password link by e-mail, queued
in the import's transaction (a dry run or a failed import queues nothing). Matched by username,
else by e-mail. The importing manager cannot demote or deactivate themselves, and superusers and
association accounts are managed elsewhere (the admin, the portal), so rows naming them are refused.
"""

from __future__ import annotations

import functools

from django.contrib.auth.models import Group, User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

from wms.emailing.messages import queue_templated_email
from wms.roles import MANAGER_GROUP, WORKER_GROUP
from wms.services.accounts import set_password_url
from wms.text import fold_key

from . import values
from .columns import Column, ColumnSet, RowView
from .contacts import email
from .errors import CellError, ImportFileError
from .limits import max_length
from .pipeline import ImportResult, Outcome
from .readers import Cell, Table
from .table_import import TableImporter

ROLE_WORDS = {
    **dict.fromkeys(
        ("préparateur", "preparateur", "bénévole", "benevole", "magasinier", "worker", "volunteer"),
        WORKER_GROUP,
    ),
    **dict.fromkeys(("responsable", "manager", "gestionnaire", "admin"), MANAGER_GROUP),
}
ROLE_GROUPS = (WORKER_GROUP, MANAGER_GROUP)
PASSWORD_HEADERS = {"password", "mot_de_passe", "mdp", "motdepasse", "pwd"}


def role(cell: Cell) -> str | None:
    raw = values.text(cell)
    if not raw:
        return None
    found = ROLE_WORDS.get(fold_key(raw))
    if found is None:
        raise CellError(f"rôle « {raw} » inconnu : Préparateur ou Responsable attendu.")
    return found


def username(cell: Cell) -> str:
    raw = values.text(cell, max_length=max_length(User, "username"))
    try:
        UnicodeUsernameValidator()(raw)
    except ValidationError:
        raise CellError(f"« {raw} » : lettres, chiffres et @ . + - _ seulement.") from None
    return raw


class UserImporter(TableImporter):
    columns = ColumnSet(
        [
            Column("username", "Identifiant", ("username", "login", "nom d'utilisateur")),
            Column("email", "E-mail", ("email", "mail", "courriel", "adresse e-mail")),
            Column("first_name", "Prénom", ("first name", "firstname")),
            Column("last_name", "Nom", ("nom de famille", "last name", "lastname", "surname")),
            Column("role", "Rôle", ("role", "profil", "groupe", "group")),
            Column("is_active", "Actif", ("active", "is active")),
        ]
    )
    identifying = ("username", "email")

    def __init__(self, *, update: bool = False, actor: User | None = None) -> None:
        super().__init__(update=update)
        self.actor = actor

    def process(self, row: RowView) -> Outcome:
        name = row.value("username", username, "") if row.filled("username") else ""
        address = row.value("email", email, None)
        # Blank name cells say nothing (None): an update must not wipe the names on file.
        first, last = (
            row.value(key, functools.partial(values.text, max_length=150), None)
            if row.filled(key)
            else None
            for key in ("first_name", "last_name")
        )
        group = row.value("role", role, None)
        active = row.value("is_active", values.boolean, None)
        row.check()
        user = (User.objects.filter(username__iexact=name).first() if name else None) or (
            User.objects.filter(email__iexact=address).order_by("pk").first() if address else None
        )
        if user is not None and name and user.username.casefold() != name.casefold():
            raise row.error(
                f"l'e-mail {address} est déjà celui de l'utilisateur {user.username}, "
                f"pas de {name}."
            )
        if user is None:
            return self._create(row, name, address, first, last, group, active)
        self.once(row, str(user.pk), f"l'utilisateur {user.username}")
        self._check_may_change(row, user, group, active)
        outcome = self.existing(
            row, f"utilisateur {user.username} ({user.email or 'sans e-mail'})", user
        )
        if outcome is Outcome.SKIPPED:
            return outcome
        for field, value in (("email", address), ("first_name", first), ("last_name", last)):
            if value is not None:
                setattr(user, field, " ".join(value.split()) if field != "email" else value)
        if active is not None:
            user.is_active = active
        user.save()
        if group is not None:
            self._set_role(user, group)
        return outcome

    def _check_may_change(
        self, row: RowView, user: User, group: str | None, active: bool | None
    ) -> None:
        if user.is_superuser:
            raise row.error(f"{user.username} est administrateur : modifiez-le dans l'admin.")
        if hasattr(user, "association_profile"):
            raise row.error(f"{user.username} est un compte d'association (portail).")
        demotes = active is False or (group is not None and group != MANAGER_GROUP)
        if self.actor is not None and user.pk == self.actor.pk and self.update and demotes:
            raise row.error("vous ne pouvez pas retirer vos propres droits par un import.")

    def _create(
        self,
        row: RowView,
        name: str,
        address: str | None,
        first: str | None,
        last: str | None,
        group: str | None,
        active: bool | None,
    ) -> Outcome:
        if not address:
            raise row.error("l'e-mail est obligatoire : le lien du mot de passe y est envoyé.")
        name = name or address
        self.once(row, f"new:{name.casefold()}", f"l'utilisateur {name}")
        user = User(
            username=name,
            email=address,
            first_name=" ".join((first or "").split()),
            last_name=" ".join((last or "").split()),
            is_active=True if active is None else active,
        )
        user.set_unusable_password()
        user.save()
        self.remember_created(user)
        # A later row naming this user again (by username or e-mail) is refused as a duplicate
        # instead of being skipped as "an existing user".
        self.once(row, str(user.pk), f"l'utilisateur {user.username}")
        self._set_role(user, group or WORKER_GROUP)
        if user.is_active:
            queue_templated_email(
                "staff_account_created",
                {
                    "user": user,
                    "set_password_url": set_password_url(user, "password_reset_confirm"),
                },
                [address],
            )
        return Outcome.CREATED

    def _set_role(self, user: User, group_name: str) -> None:
        user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUPS))
        user.groups.add(Group.objects.get(name=group_name))


def check_no_password_column(table: Table) -> None:
    found = [written for key, written in table.headers.items() if key in PASSWORD_HEADERS]
    if found:
        raise ImportFileError(
            f"Retirez la colonne « {found[0]} » : les mots de passe ne s'importent pas, chaque "
            "nouvel utilisateur reçoit par e-mail un lien pour choisir le sien."
        )


def import_users(
    table: Table,
    *,
    update: bool = False,
    dry_run: bool = False,
    skip_errors: bool = False,
    actor: User | None = None,
) -> ImportResult:
    check_no_password_column(table)
    return UserImporter(update=update, actor=actor).run(
        table, dry_run=dry_run, skip_errors=skip_errors
    )
