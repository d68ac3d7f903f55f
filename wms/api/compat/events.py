"""`/api/v1/integrations/events/` (+ `{id}/`) — api-v1-compat.md "Integration events".

Integrators post inbound events here and mark them processed. The same table holds the outbound
email queue (S-EMAIL): those rows are never listed, read or changed through the API — every
query starts from `inbound_events()`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from wms.api.compat.common import IDEMPOTENCY_PARAMETER, enum_field, error_responses
from wms.api.compat.filters import EventFilterSet
from wms.api.filters import LenientFilterBackend
from wms.api.idempotency import write_once
from wms.api.pagination import PlainListUnlessAskedPagination
from wms.models import (
    EMAIL_SOURCE,
    IntegrationDirection,
    IntegrationEvent,
    IntegrationStatus,
)

_Row = TypeVar("_Row")
SOURCE_HEADER = "X-ASF-Source"
TARGET_HEADER = "X-ASF-Target"
EVENT_FIELDS = [
    "id",
    "direction",
    "source",
    "target",
    "event_type",
    "external_id",
    "payload",
    "status",
    "error_message",
    "created_at",
    "processed_at",
]


def inbound_events() -> QuerySet[IntegrationEvent]:
    # Outbound rows are the email queue (addresses, message bodies): never API output. The
    # source test guards against an inbound row a future change might tag as an email.
    return IntegrationEvent.objects.filter(direction=IntegrationDirection.INBOUND).exclude(
        source=EMAIL_SOURCE
    )


class IntegrationEventSerializer(serializers.ModelSerializer[IntegrationEvent]):
    """Un événement entrant."""

    direction = enum_field("EventDirection", IntegrationDirection.choices, read_only=True)
    status = enum_field("EventStatus", IntegrationStatus.choices, read_only=True)
    payload = serializers.JSONField(read_only=True, help_text="Contenu JSON libre.")

    class Meta:
        model = IntegrationEvent
        fields = EVENT_FIELDS
        read_only_fields = EVENT_FIELDS


class EventCreateSerializer(serializers.Serializer[Any]):
    event_type = serializers.CharField(max_length=100)
    # A body field named like Field.source: DRF's metaclass takes it out of the class attributes.
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=f"Défaut : l'en-tête {SOURCE_HEADER}. Une source est obligatoire.",
    )
    target = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=f"Défaut : l'en-tête {TARGET_HEADER}.",
    )
    external_id = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    payload = serializers.JSONField(required=False, default=dict, help_text="JSON libre.")

    def validate_payload(self, value: Any) -> Any:
        # A lone surrogate ("\\ud800") is valid JSON text but no UTF-8: stored, it would make
        # every later list of events fail to render.
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, ValueError, TypeError):
            raise serializers.ValidationError("Contenu JSON non encodable en UTF-8.") from None
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context["request"]
        for name, header in (("source", SOURCE_HEADER), ("target", TARGET_HEADER)):
            if not attrs[name].strip():
                attrs[name] = request.headers.get(header, "")
            attrs[name] = attrs[name].strip()
            # The headers skip the field's checks: apply them to whichever value is kept.
            if len(attrs[name]) > 100:
                raise serializers.ValidationError({name: "100 caractères au plus."})
            if "\x00" in attrs[name]:
                raise serializers.ValidationError({name: "Caractère nul interdit."})
        if not attrs["source"]:
            raise serializers.ValidationError(
                {"source": f"La source est obligatoire (champ source ou en-tête {SOURCE_HEADER})."}
            )
        if attrs["source"] == EMAIL_SOURCE:
            # That source names the outbound email queue: an inbound row with it would vanish.
            raise serializers.ValidationError(
                {"source": f"La source « {EMAIL_SOURCE} » est réservée."}
            )
        return attrs


class EventUpdateSerializer(serializers.Serializer[Any]):
    status = enum_field("EventStatus", IntegrationStatus.choices, required=False)
    error_message = serializers.CharField(
        required=False, allow_blank=True, max_length=10_000, trim_whitespace=False
    )
    processed_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=(
            "Défaut : maintenant, quand le statut devient processed. Sans fuseau : heure de Paris."
        ),
    )

    def validate_processed_at(self, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        try:
            # Year 1 at +14:00 has no UTC value: the database would fail on it.
            moment = value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise serializers.ValidationError("Date-heure hors limites.") from None
        # Before 1970 nothing was processed by this system; and Paris times before 1911 carry
        # a +00:09:21 offset that is no valid RFC 3339 date-time when sent back.
        if not PROCESSED_AT_FIRST_YEAR <= moment.year <= PROCESSED_AT_LAST_YEAR:
            raise serializers.ValidationError(
                f"Date-heure hors limites ({PROCESSED_AT_FIRST_YEAR}–{PROCESSED_AT_LAST_YEAR})."
            )
        return moment


PROCESSED_AT_FIRST_YEAR = 1970
PROCESSED_AT_LAST_YEAR = 9998


def update_event(event: IntegrationEvent, data: dict[str, Any]) -> IntegrationEvent:
    """Apply a PATCH/PUT: the fields given; `processed_at` becomes now when the status becomes
    processed without one (the earlier system's behaviour)."""
    locked = IntegrationEvent.objects.select_for_update().get(pk=event.pk)
    was_processed = locked.status == IntegrationStatus.PROCESSED
    for name in ("status", "error_message", "processed_at"):
        if name in data:
            setattr(locked, name, data[name])
    if (
        locked.status == IntegrationStatus.PROCESSED
        and "processed_at" not in data
        and (not was_processed or locked.processed_at is None)
    ):
        locked.processed_at = timezone.now()
    locked.save(update_fields=["status", "error_message", "processed_at"])
    return locked


HEADER_PARAMETERS = [
    OpenApiParameter(
        SOURCE_HEADER,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="Source, quand le corps n'en donne pas.",
    ),
    OpenApiParameter(
        TARGET_HEADER,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="Cible, quand le corps n'en donne pas.",
    ),
]
UPDATE_SCHEMA = extend_schema(
    summary="Mettre à jour un événement",
    description=(
        "Change `status`, `error_message` et/ou `processed_at` (PUT et PATCH font de même : "
        "seuls les champs donnés changent). Quand le statut devient processed sans "
        "processed_at, processed_at prend l'heure actuelle."
    ),
    request=EventUpdateSerializer,
    parameters=[IDEMPOTENCY_PARAMETER],
    responses={
        200: IntegrationEventSerializer,
        **error_responses(not_found=True),
    },
)


@extend_schema_view(
    list=extend_schema(
        summary="Événements d'intégration",
        description=(
            "Événements entrants, les plus récents d'abord (les e-mails sortants n'y "
            "figurent jamais). Sans `page` ni `page_size` : la liste complète en tableau JSON "
            "simple ; avec l'un d'eux : l'enveloppe paginée. Une valeur de filtre inconnue est "
            "ignorée."
        ),
    ),
    retrieve=extend_schema(summary="Un événement d'intégration"),
    create=extend_schema(
        summary="Poster un événement",
        description=(
            "Crée un événement entrant, en attente (sens et statut imposés). Sans `source` / "
            f"`target` dans le corps : les en-têtes {SOURCE_HEADER} / {TARGET_HEADER}. Une "
            "source est obligatoire."
        ),
        request=EventCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER, *HEADER_PARAMETERS],
        responses={201: IntegrationEventSerializer, **error_responses()},
    ),
    update=UPDATE_SCHEMA,
    partial_update=UPDATE_SCHEMA,
)
class IntegrationEventViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[IntegrationEvent],
):
    """Key with the events scope, or staff (IsApiPrincipal reads `required_scope`)."""

    required_scope = "events"
    serializer_class = IntegrationEventSerializer
    filter_backends = [LenientFilterBackend]
    filterset_class = EventFilterSet
    pagination_class = PlainListUnlessAskedPagination

    def get_queryset(self) -> QuerySet[IntegrationEvent]:
        return inbound_events().order_by("-created_at", "-pk")

    def filter_queryset(
        self, queryset: QuerySet[IntegrationEvent, _Row]
    ) -> QuerySet[IntegrationEvent, _Row]:
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self) -> IntegrationEvent:
        try:
            return super().get_object()
        except Http404:
            raise NotFound("Événement introuvable.") from None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = EventCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data

        def apply() -> tuple[int, dict[str, Any]]:
            event = IntegrationEvent.objects.create(
                direction=IntegrationDirection.INBOUND,
                status=IntegrationStatus.PENDING,
                source=data["source"],
                target=data["target"],
                event_type=data["event_type"],
                external_id=data["external_id"],
                payload=data["payload"],
            )
            return status.HTTP_201_CREATED, dict(IntegrationEventSerializer(event).data)

        fields = {name: data[name] for name in ("event_type", "source", "target", "external_id")}
        fields["payload"] = data["payload"]
        return write_once(request, kind="events.create", fields=fields, apply=apply)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        event = self.get_object()
        body = EventUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)

        def apply() -> tuple[int, dict[str, Any]]:
            updated = update_event(event, data)
            return status.HTTP_200_OK, dict(IntegrationEventSerializer(updated).data)

        fields: dict[str, Any] = {"id": event.pk, **data}
        if data.get("processed_at") is not None:
            fields["processed_at"] = data["processed_at"].isoformat()
        return write_once(request, kind="events.update", fields=fields, apply=apply)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)
