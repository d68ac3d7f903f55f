"""`GET shipments/` (+ `{id}/`), their tracking events (GET in process order, POST a step) and
`GET destinations/` (+ `{id}/`): S-SHIPMENTS.

The update token (the correspondent's link) is never exposed; the tracking token only as the
public tracking URL, which the labels already print as a QR code.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from wms.api.filters import BIGINT_MAX
from wms.api.idempotency import write_once
from wms.api.resources.common import (
    ERROR,
    IDEMPOTENCY,
    NO_PAGE,
    WRITE_PERMISSIONS,
    ResourceViewSet,
    actor_of,
    not_found,
    read_only_schema,
)
from wms.api.resources.filters import DestinationFilterSet, ShipmentFilterSet
from wms.api.resources.pagination import DefaultPagination
from wms.models import (
    STEP_ORDER,
    CartonStatus,
    Destination,
    Shipment,
    TrackingEvent,
    TrackingStep,
)
from wms.services import shipping

READY_CARTONS = (CartonStatus.PACKED, CartonStatus.SHIPPED)


class DestinationSerializer(serializers.ModelSerializer[Destination]):
    """Une destination desservie."""

    display_name = serializers.CharField(
        source="__str__", read_only=True, help_text="Affichage « Ville (IATA) - Pays »."
    )
    correspondent_id = serializers.IntegerField(read_only=True, allow_null=True)
    correspondent_name = serializers.CharField(
        source="correspondent.name", read_only=True, allow_null=True
    )

    class Meta:
        model = Destination
        fields = [
            "id",
            "city",
            "iata_code",
            "country",
            "display_name",
            "correspondent_id",
            "correspondent_name",
            "is_active",
        ]
        read_only_fields = fields


class ShipmentSerializer(serializers.ModelSerializer[Shipment]):
    """Une expédition. Les noms des parties sont ceux imprimés (figés au choix du contact)."""

    destination_id = serializers.IntegerField(read_only=True)
    destination_iata = serializers.CharField(source="destination.iata_code", read_only=True)
    destination_city = serializers.CharField(source="destination.city", read_only=True)
    cartons_ready = serializers.IntegerField(
        read_only=True, help_text="Cartons prêts (fermés ou expédiés)."
    )
    cartons_total = serializers.IntegerField(read_only=True, help_text="Cartons en tout.")
    tracking_url = serializers.SerializerMethodField(
        help_text="Page publique de suivi (le QR code des étiquettes)."
    )

    class Meta:
        model = Shipment
        fields = [
            "id",
            "reference",
            "status",
            "shipper_name",
            "recipient_name",
            "correspondent_name",
            "destination_id",
            "destination_iata",
            "destination_city",
            "destination_country",
            "destination_address",
            "requested_delivery_date",
            "created_at",
            "ready_at",
            "shipped_at",
            "delivered_at",
            "flight_date",
            "flight_number",
            "awb_number",
            "cartons_ready",
            "cartons_total",
            "tracking_url",
            "notes",
        ]
        read_only_fields = fields

    def get_tracking_url(self, shipment: Shipment) -> str:
        return shipping.tracking_url(shipment)


class TrackingEventSerializer(serializers.ModelSerializer[TrackingEvent]):
    """Une étape de suivi d'une expédition."""

    shipment_id = serializers.IntegerField(read_only=True)
    step_label = serializers.CharField(source="get_step_display", read_only=True)
    author = serializers.CharField(
        source="author.username",
        read_only=True,
        allow_null=True,
        help_text="Identifiant de l'utilisateur qui l'a saisie, ou null (clé d'API, lien du "
        "correspondant).",
    )

    class Meta:
        model = TrackingEvent
        fields = [
            "id",
            "shipment_id",
            "step",
            "step_label",
            "actor_name",
            "actor_structure",
            "comments",
            "author",
            "via_update_link",
            "created_at",
        ]
        read_only_fields = fields


class TrackingStepInputSerializer(serializers.Serializer[Any]):
    """Une étape à enregistrer."""

    step = serializers.ChoiceField(choices=TrackingStep.choices)
    actor_name = serializers.CharField(
        max_length=shipping.MAX_TEXT["actor_name"],
        allow_blank=True,
        trim_whitespace=False,
        help_text="Nom de la personne (obligatoire).",
    )
    actor_structure = serializers.CharField(
        max_length=shipping.MAX_TEXT["actor_structure"],
        allow_blank=True,
        trim_whitespace=False,
        help_text="Sa structure (obligatoire).",
    )
    comments = serializers.CharField(
        max_length=shipping.MAX_TEXT["comments"],
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
    )


class TrackingStepResultSerializer(TrackingEventSerializer):
    """L'étape enregistrée et l'état de l'expédition après elle."""

    shipment_status = serializers.CharField(read_only=True)
    status_changed = serializers.BooleanField(
        read_only=True,
        help_text="true : l'étape a fait avancer le statut (embarquement → expédiée, réception "
        "par le destinataire → livrée).",
    )

    class Meta(TrackingEventSerializer.Meta):
        fields = [*TrackingEventSerializer.Meta.fields, "shipment_status", "status_changed"]
        read_only_fields = fields


def shipment_queryset() -> QuerySet[Shipment]:
    """Shipments with their destination joined and the carton progress counted in the same
    query (the same count as shipping.carton_progress, for a whole page at once)."""
    return (
        Shipment.objects.select_related("destination")
        .annotate(
            cartons_total=Count("cartons"),
            cartons_ready=Count("cartons", filter=Q(cartons__status__in=READY_CARTONS)),
        )
        .order_by("-created_at", "-pk")
    )


@read_only_schema(
    plural="expéditions",
    singular="une expédition",
    list_description="Expéditions, de la plus récente à la plus ancienne.",
    serializer=ShipmentSerializer,
)
class ShipmentViewSet(ResourceViewSet[Shipment]):
    serializer_class = ShipmentSerializer
    filterset_class = ShipmentFilterSet
    not_found_message = "Expédition introuvable."

    def get_queryset(self) -> QuerySet[Shipment]:
        return shipment_queryset()


@read_only_schema(
    plural="destinations",
    singular="une destination",
    list_description="Destinations par ordre de ville.",
    serializer=DestinationSerializer,
)
class DestinationViewSet(ResourceViewSet[Destination]):
    serializer_class = DestinationSerializer
    filterset_class = DestinationFilterSet
    not_found_message = "Destination introuvable."

    def get_queryset(self) -> QuerySet[Destination]:
        return Destination.objects.select_related("correspondent").order_by("city", "pk")


SHIPMENT_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="Identifiant de l'expédition."
)
PROCESS_ORDER = Case(
    *(When(step=step, then=Value(rank)) for step, rank in STEP_ORDER.items()),
    default=Value(len(STEP_ORDER)),
    output_field=IntegerField(),
)


class TrackingEventViewSet(viewsets.GenericViewSet[TrackingEvent]):
    """`shipments/{id}/tracking-events/`: GET (key read, staff), POST a step (key write,
    workers and managers)."""

    serializer_class = TrackingEventSerializer
    pagination_class = DefaultPagination
    filter_backends: list[Any] = []
    permission_classes = WRITE_PERMISSIONS
    queryset = TrackingEvent.objects.none()

    def shipment(self) -> Shipment:
        pk = int(self.kwargs["pk"])
        shipment = Shipment.objects.filter(pk=pk).first() if pk <= BIGINT_MAX else None
        if shipment is None:
            raise NotFound("Expédition introuvable.")
        return shipment

    @extend_schema(
        summary="Étapes de suivi d'une expédition",
        description=(
            "Étapes dans l'ordre du processus (planification validée, planifiée, déplacée vers "
            "l'export, embarquement validé, reçue par le correspondant, reçue par le "
            "destinataire), puis dans l'ordre de saisie. Paginée comme les autres listes."
        ),
        parameters=[SHIPMENT_ID],
        responses={200: TrackingEventSerializer, 404: NO_PAGE},
    )
    def list(self, request: Request, pk: int) -> Response:
        shipment = self.shipment()
        events = (
            TrackingEvent.objects.filter(shipment=shipment)
            .select_related("author")
            .alias(process_rank=PROCESS_ORDER)
            .order_by("process_rank", "created_at", "pk")
        )
        page = self.paginate_queryset(events)
        return self.get_paginated_response(TrackingEventSerializer(page, many=True).data)

    @extend_schema(
        summary="Enregistrer une étape de suivi",
        description=(
            "Comme l'écran de suivi : « embarquement validé » fait passer une expédition prête "
            "à expédiée, « reçue par le destinataire » une expédition expédiée à livrée ; "
            "depuis un autre statut, l'étape est enregistrée, le statut reste et les "
            "responsables sont prévenus. Clé avec le scope write, ou session d'un magasinier "
            "ou d'un responsable. Accepte l'en-tête `Idempotency-Key` (même clé et même corps : "
            "même réponse, avec `Idempotent-Replayed: true` ; autre corps : 409)."
        ),
        parameters=[SHIPMENT_ID, IDEMPOTENCY],
        request=TrackingStepInputSerializer,
        responses={
            201: TrackingStepResultSerializer,
            400: OpenApiResponse(ERROR, description="Données invalides ou étape refusée."),
            404: not_found("Expédition"),
            409: OpenApiResponse(ERROR, description="Clé d'idempotence déjà servie."),
        },
    )
    def create(self, request: Request, pk: int) -> Response:
        shipment = self.shipment()
        data = TrackingStepInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step = dict(data.validated_data)
        actor = actor_of(request)

        def apply() -> tuple[int, dict[str, Any]]:
            result = shipping.record_step(shipment=shipment, actor=actor, **step)
            event = result.event
            body = dict(TrackingEventSerializer(event).data)
            body["shipment_status"] = event.shipment.status
            body["status_changed"] = result.status_changed
            return 201, body

        return write_once(
            request,
            kind="tracking_step",
            # The shipment is part of what is done: the same key sent for another shipment is
            # another request (409), not a replay.
            fields={"shipment_id": shipment.pk, **step},
            apply=apply,
        )
