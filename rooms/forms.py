from django import forms
from django.utils import timezone


class RoomForm(forms.Form):
    buyer_company = forms.CharField(
        label="Buyer company", max_length=200, widget=forms.TextInput(attrs={"autofocus": True})
    )
    target_date = forms.DateField(
        label="Target date",
        help_text="The buyer's go-live or decision date: where the plan ends.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_buyer_company(self) -> str:
        name = self.cleaned_data["buyer_company"].strip()
        if not name:
            raise forms.ValidationError("Name the buyer's company.")
        return name

    @property
    def target_in_past(self) -> bool:
        target = self.cleaned_data.get("target_date") if hasattr(self, "cleaned_data") else None
        return bool(target and target < timezone.localdate())
