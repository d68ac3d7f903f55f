"""Forms of the lot operations in the admin. They only parse input: the rules live in
wms.services.stock, whose StockError the views turn into a form error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect

from wms.models import Contact, Location, LotStatus, Product, ProductLot, Receipt
from wms.services.stock import ADJUST_REASONS


def active_locations() -> Any:
    return Location.objects.filter(is_active=True).select_related("warehouse")


class SafeAutocompleteSelect(AutocompleteSelect):
    """Re-rendering a form posted with a non-numeric id ("abc") must show the field's error,
    not query the database with it (Django's widget would raise a ValueError: a 500)."""

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        return super().optgroups(name, [v for v in value if str(v).isdigit()], attr)


def autocomplete(model: Any, field: str) -> AutocompleteSelect:
    """Search-as-you-type through the admin of the related model: a catalogue of thousands of
    products does not fit a select. The field names the registered admin the lookup goes
    through."""
    return SafeAutocompleteSelect(model._meta.get_field(field), admin.site)


class AdjustForm(forms.Form):
    delta = forms.IntegerField(
        label="Variation", help_text="Positive pour ajouter, négative pour retirer."
    )
    reason_code = forms.ChoiceField(label="Motif", choices=list(ADJUST_REASONS.items()))
    notes = forms.CharField(label="Notes", required=False, max_length=400)


class TransferForm(forms.Form):
    quantity = forms.IntegerField(label="Quantité", min_value=1)
    to_location = forms.ModelChoiceField(
        label="Vers l'emplacement",
        queryset=active_locations(),
        widget=autocomplete(ProductLot, "location"),
    )
    notes = forms.CharField(label="Notes", required=False, max_length=400)


class CountForm(forms.Form):
    counted = forms.IntegerField(label="Quantité comptée", min_value=0)
    # What the page showed: the service refuses the count if the lot changed since.
    seen_on_hand = forms.IntegerField(widget=forms.HiddenInput)
    notes = forms.CharField(label="Notes", required=False, max_length=400)


class ReceiveForm(forms.Form):
    product = forms.ModelChoiceField(
        label="Produit",
        queryset=Product.objects.filter(is_active=True),
        widget=autocomplete(ProductLot, "product"),
    )
    quantity = forms.IntegerField(label="Quantité", min_value=1)
    location = forms.ModelChoiceField(
        label="Emplacement",
        queryset=active_locations(),
        widget=autocomplete(ProductLot, "location"),
        required=False,
        help_text="Vide : l'emplacement par défaut du produit.",
    )
    lot_code = forms.CharField(label="N° de lot", required=False, max_length=60)
    expires_on = forms.DateField(label="Date de péremption", required=False, widget=AdminDateWidget)
    status = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[("", "Selon le produit (quarantaine ou disponible)"), *LotStatus.choices],
    )
    donor = forms.ModelChoiceField(
        label="Donateur",
        queryset=Contact.objects.filter(is_donor=True),
        widget=autocomplete(Receipt, "source_contact"),
        required=False,
    )


class LotActionForm(ActionForm):
    """The changelist's action bar, with the reason a hold records."""

    reason = forms.CharField(label="Motif (blocage)", required=False, max_length=200)
