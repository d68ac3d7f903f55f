"""Staff users in the admin: Django's own UserAdmin, with the "Importer" button of the users
import (S-IMPORT). django.contrib.auth registers its UserAdmin before this app's admin is loaded
(INSTALLED_APPS order), so it is replaced here."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User

from wms.admin.imports import ImportAdminMixin

if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(ImportAdminMixin, BaseUserAdmin):  # type: ignore[type-arg]
    import_table = "users"
