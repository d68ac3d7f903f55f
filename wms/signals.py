"""Receivers: Manager membership keeps is_staff set; failed logins are logged as JSON."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.auth.signals import user_login_failed
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from wms.client_ip import client_ip
from wms.models import Contact
from wms.roles import MANAGER_GROUP

auth_log = logging.getLogger("wms.auth")


def _sync_staff_flag(user: User) -> None:
    is_manager = user.groups.filter(name=MANAGER_GROUP).exists()
    wanted = is_manager or user.is_superuser
    if user.is_staff != wanted:
        User.objects.filter(pk=user.pk).update(is_staff=wanted)
        user.is_staff = wanted


@receiver(m2m_changed, sender=User.groups.through)
def manager_membership_changed(
    sender: Any,
    instance: User | Group,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:
        # group.user_set.add(...) / remove(...): the instance is the group.
        if not isinstance(instance, Group) or instance.name != MANAGER_GROUP:
            return
        users = User.objects.filter(pk__in=pk_set) if pk_set else User.objects.none()
        if action == "post_clear":
            users = User.objects.filter(is_staff=True, is_superuser=False)
        for user in users:
            _sync_staff_flag(user)
    elif isinstance(instance, User):
        _sync_staff_flag(instance)


@receiver(pre_save, sender=User)
def keep_manager_staff(
    sender: Any, instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    # An admin unticking "staff status" on a manager would lock them out of the admin they need.
    if instance.pk is None or instance.is_staff:
        return
    if update_fields is not None and "is_staff" not in update_fields:
        return
    if instance.groups.filter(name=MANAGER_GROUP).exists():
        instance.is_staff = True


@receiver(user_login_failed)
def log_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    auth_log.warning(
        "login failed",
        extra={
            "event": "auth_failure",
            "username": credentials.get("username", ""),
            "ip": client_ip(request) if request is not None else "",
            "path": request.path if request is not None else "",
        },
    )


@receiver(pre_delete, sender=Contact)
def keep_members_of_a_deleted_organisation(sender: Any, instance: Contact, **kwargs: Any) -> None:
    # The foreign key is SET_NULL; the note keeps the history the link carried (S-CONTACTS).
    note = f"Ancienne organisation : {instance.name}"
    for member in instance.members.all():
        member.notes = f"{member.notes}\n{note}".strip()
        member.save(update_fields=["notes"])
