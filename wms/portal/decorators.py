"""Access to the portal: signed in, and an association user (S-ROLES).

Anonymous visitors go to the portal's own login page (not the scan one); staff, workers and
users without an association profile get 403. The view receives the profile, so that every
query it makes can be scoped to `profile.contact`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from wms.models import AssociationProfile

PortalView = Callable[..., HttpResponse]


def profile_of(user: Any) -> AssociationProfile | None:
    """The user's association profile (with its contact), None for anybody else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        profile: AssociationProfile = user.association_profile
    except ObjectDoesNotExist:
        return None
    return profile


def association_required(view: PortalView) -> PortalView:
    """Call `view(request, profile, ...)` for an association user only."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        profile = (
            AssociationProfile.objects.select_related("contact").filter(user=request.user).first()
        )
        if profile is None:
            raise PermissionDenied
        return view(request, profile, *args, **kwargs)

    return wrapped
