"""The settings pages' forms: parsing only; the rules (which addresses, how many) are the
services'."""

from django import forms

from integrations.events import SUBSCRIBABLE
from integrations.models import ChatKind


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label="Endpoint URL",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/tandem"}),
        help_text="An https:// address on the public internet that answers 2xx.",
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=[(choice.value, f"{choice.value} — {choice.label}") for choice in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        initial=[choice.value for choice in SUBSCRIBABLE],
    )
    include_internal = forms.BooleanField(
        label="Include internal items (tasks and notes buyers never see)", required=False
    )


class WebhookEndpointEditForm(WebhookEndpointForm):
    is_active = forms.BooleanField(label="On", required=False)


class ChatChannelForm(forms.Form):
    kind = forms.ChoiceField(label="App", choices=ChatKind.choices)
    url = forms.CharField(
        label="Incoming webhook URL",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://hooks.slack.com/services/…"}),
        help_text="Made in Slack (Incoming Webhooks) or Teams (Workflows: post to a channel).",
    )
    name = forms.CharField(label="Channel name", max_length=100, required=False)
    room = forms.ChoiceField(label="Rooms", required=False)

    def __init__(self, *args, rooms=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["room"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 (narrows the type for mypy)
        field.choices = [("", "Every room of the organisation")] + [
            (str(room.public_id), room.buyer_company) for room in rooms
        ]
