from typing import cast

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Side
from plans.models import Milestone, Status, Task
from rooms.conflicts import version_field_add
from stakeholders.models import Stakeholder


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "target_date", "description"]
        labels = {"target_date": "Target date"}
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            version_field_add(self, self.instance.version)


class TaskForm(forms.ModelForm):
    """Owner choices are the room's stakeholders; "side:buyer"/"side:seller" leave it open.

    The form reads what was posted; who may set what is plans.services' business. A buyer is
    offered their own side only, but any of the room's people parses, and the service refuses
    what a buyer may not choose (and the internal box, which their page does not show)."""

    owner_choice = forms.ChoiceField(label="Owner", required=False)

    class Meta:
        model = Task
        fields = ["title", "due_date", "status", "is_internal", "description", "milestone"]
        labels = {"due_date": "Due date", "is_internal": "Internal (sellers only)"}
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(
        self, *args, stakeholders: list[Stakeholder], milestones=None, for_buyer=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.stakeholders = {str(s.public_id): s for s in stakeholders}
        ours = [("side:seller", "Someone on our side"), ("side:buyer", "Someone at the buyer")]
        people = [
            (key, f"{s.name} ({s.get_side_display().lower()})")
            for key, s in self.stakeholders.items()
        ]
        owner_field = cast(forms.ChoiceField, self.fields["owner_choice"])
        owner_field.choices = ours + people  # what parses
        if for_buyer:  # what a buyer is offered: their own side
            owner_field.widget.choices = [("side:buyer", "Someone on our side")] + [
                (key, label) for key, label in people if self.stakeholders[key].side == Side.BUYER
            ]
        self.initial.setdefault("owner_choice", "side:buyer" if for_buyer else "side:seller")
        if self.instance.pk:
            version_field_add(self, self.instance.version)
            self.initial["owner_choice"] = (
                str(self.instance.owner.public_id)
                if self.instance.owner
                else f"side:{self.instance.side}"
            )
        if milestones is None:
            del self.fields["milestone"]
            del self.fields["status"]
        else:
            milestone_field = cast(forms.ModelChoiceField, self.fields["milestone"])
            milestone_field.queryset = milestones
            milestone_field.empty_label = None
            cast(forms.ChoiceField, self.fields["status"]).choices = Status.choices

    def clean_owner_choice(self) -> tuple[Stakeholder | None, str | None]:
        """(owner, None) for a person, (None, side) for a side, (None, None) if left empty."""
        value = self.cleaned_data.get("owner_choice")
        if not value:
            return (None, None)
        if value.startswith("side:"):
            return (None, value.removeprefix("side:"))
        return (self.stakeholders[value], None)

    def task_fields(self) -> dict:
        """The cleaned data as plans.services' task_create/task_update take them."""
        data = dict(self.cleaned_data)
        data.pop("version", None)  # the edit's version, passed on as expected_version
        owner, side = data.pop("owner_choice")
        return data | {"owner": owner} | ({"side": side} if side else {})

    def add_service_error(self, error: ValidationError) -> None:
        """A service's refusal, shown by the field it is about (owner and side: the owner)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            name = "owner_choice" if name in ("owner", "side") else name
            self.add_error(name if name in self.fields else None, errors)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=10000,
        help_text="Mention someone with @ and their name, e.g. @Dana Decider: they get an email.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_internal = forms.BooleanField(label="Internal note (sellers only)", required=False)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
