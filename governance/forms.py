from django import forms

from governance.audit import CATEGORIES, AuditFilter


class AuditFilterForm(forms.Form):
    """The audit log's filters (a GET form: nothing here changes anything)."""

    category = forms.ChoiceField(
        required=False,
        choices=[("", "Every action"), *((key, label) for key, (label, _) in CATEGORIES.items())],
    )
    actor = forms.CharField(required=False, max_length=254, label="Who (address)")
    since = forms.DateField(required=False, label="From")
    until = forms.DateField(required=False, label="Until")

    def clean(self):
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "Choose a date on or after the first one.")
        return data

    def audit_filter(self) -> AuditFilter:
        """The filter to apply: the valid fields (an invalid form filters on nothing)."""
        data = self.cleaned_data if self.is_valid() else {}
        return AuditFilter(
            category=data.get("category", ""),
            actor=(data.get("actor") or "").strip(),
            since=data.get("since"),
            until=data.get("until"),
        )


class ErasureForm(forms.Form):
    email = forms.EmailField(label="The person's email address", max_length=254)
    confirm = forms.BooleanField(
        label="I understand: their name, address, files and links are removed for good",
    )
