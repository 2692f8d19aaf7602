from django import forms

from accounts.forms import PersonalTimezoneForm
from outbox.models import Kind


class PreferencesForm(PersonalTimezoneForm):
    """Each kind of email on or off, and the person's time zone (when reminders arrive)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.BooleanField(label=kind.label, required=False)
        self.order_fields([*Kind.values, "timezone"])
