"""Integration events in the admin (S-EMAIL): inbound events and the outbound email queue, read
only, with the queue-health panel and the "replay failed" action.

Outbound emails carry set-password links: managers may read them here (they answer for the
queue), but nobody edits an event or adds one; the only change is the replay action, which needs
the change permission.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.text import Truncator

from wms.admin.dates import SafeDateHierarchyMixin
from wms.emailing.health import format_age, queue_health
from wms.emailing.replay import replay_failed
from wms.models import IntegrationEvent

SHORT_ERROR_CHARS = 80
EVENT_FIELDS = (
    "direction",
    "source",
    "target",
    "event_type",
    "external_id",
    "status",
    "attempts",
    "next_attempt_at",
    "claimed_at",
    "created_at",
    "processed_at",
    "error_message",
    "payload_json",
)


@admin.register(IntegrationEvent)
class IntegrationEventAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "direction",
        "source",
        "event_type",
        "target",
        "status",
        "attempts",
        "created_at",
        "processed_at",
        "short_error",
    )
    list_display_links = ("id",)
    list_filter = ("direction", "status", "source", "event_type")
    search_fields = ("target", "external_id", "error_message")
    date_hierarchy = "created_at"
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS
    actions = ["replay_failed_emails"]
    change_list_template = "admin/wms/integrationevent/change_list.html"

    # Read only for everybody, superusers included: the queue changes the events, people replay.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_replay_permission(self, request: HttpRequest) -> bool:
        """The replay action is the one change: it needs the model's change permission."""
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    @admin.display(description="erreur")
    def short_error(self, event: IntegrationEvent) -> str:
        # The last line is the latest attempt's error (an abandoned event appends one).
        last_line = event.error_message.strip().splitlines()[-1:] or [""]
        return Truncator(last_line[0]).chars(SHORT_ERROR_CHARS)

    @admin.display(description="contenu")
    def payload_json(self, event: IntegrationEvent) -> str:
        text = json.dumps(event.payload, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html("<pre>{}</pre>", text)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra: dict[str, Any] = {}
        # Actions are POSTs answered by a redirect: the panel is only worth its queries on a page
        # someone may read.
        if request.method in ("GET", "HEAD") and self.has_view_or_change_permission(request):
            health = queue_health()
            extra = {
                "queue_health": health,
                "oldest_pending_age": format_age(health["oldest_pending_age_s"]),
            }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    @admin.action(description="Rejouer les envois en échec", permissions=["replay"])
    def replay_failed_emails(
        self, request: HttpRequest, queryset: QuerySet[IntegrationEvent]
    ) -> None:
        selected = queryset.count()
        replayed = replay_failed(queryset)
        if not replayed:
            messages.warning(request, "Aucun envoi d'e-mail en échec dans la sélection.")
            return
        message = f"{replayed} envoi(s) en échec remis en file d'attente."
        if selected > replayed:
            message += f" {selected - replayed} événement(s) ignoré(s) : pas un e-mail en échec."
        messages.success(request, message)
