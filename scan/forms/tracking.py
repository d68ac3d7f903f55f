"""Forms of the tracking page and of the correspondent's update link (S-SHIPMENTS).

They only check shape and lengths; whether a step may be recorded (the link still valid, the
throttle, the status it moves) is for wms.services.shipping to say.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from scan.forms.capture import NAME, CaptureForm
from wms.models import Shipment, TrackingStep
from wms.services.shipping import CORRESPONDENT_STEPS, MAX_TEXT

FIELD_ORDER = ["step", "actor_name", "actor_structure", "comments"]


class StepFields(forms.Form):
    """Who records the step and what they add; the limits are the service's."""

    actor_name = forms.CharField(
        label=_("Your name"),
        max_length=MAX_TEXT["actor_name"],
        widget=forms.TextInput(attrs={**NAME, "autocomplete": "name"}),
    )
    actor_structure = forms.CharField(
        label=_("Your organisation"),
        max_length=MAX_TEXT["actor_structure"],
        widget=forms.TextInput(attrs={**NAME, "autocomplete": "organization"}),
    )
    comments = forms.CharField(
        label=_("Comments (optional)"),
        max_length=MAX_TEXT["comments"],
        required=False,
        widget=forms.Textarea(attrs={**NAME, "rows": 3}),
    )


class TrackingStepForm(CaptureForm, StepFields):
    """A worker records any tracking step, online or from the outbox (S-OFFLINE)."""

    field_order = FIELD_ORDER
    step = forms.ChoiceField(label=_("Step"), choices=TrackingStep.choices)

    def __init__(self, *args: Any, shipment: Shipment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shipment = shipment

    def operation_fields(self) -> dict[str, Any]:
        # The shipment comes from the URL, not the body: without it, one operation id replayed
        # against another shipment's page would pass for a repeat.
        return {**super().operation_fields(), "shipment": self.shipment.pk}


class CorrespondentStepForm(StepFields):
    """The correspondent, without an account, says the shipment arrived: those steps only."""

    field_order = FIELD_ORDER
    step = forms.ChoiceField(
        label=_("Step"), choices=[(step.value, step.label) for step in CORRESPONDENT_STEPS]
    )
