from typing import cast

from django import forms

from accounts.models import Side
from plans.models import Milestone, Status, Task
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


class TaskForm(forms.ModelForm):
    """Owner choices are the room's stakeholders; "side:buyer"/"side:seller" leave it open."""

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
        if for_buyer:
            # A buyer gives work to their own side only, and nothing they write is internal.
            stakeholders = [s for s in stakeholders if s.side == Side.BUYER]
            del self.fields["is_internal"]
        self.for_buyer = for_buyer
        self.stakeholders = {str(s.public_id): s for s in stakeholders}
        sides = (
            [("side:buyer", "Someone on our side")]
            if for_buyer
            else [
                ("side:seller", "Someone on our side"),
                ("side:buyer", "Someone at the buyer"),
            ]
        )
        cast(forms.ChoiceField, self.fields["owner_choice"]).choices = sides + [
            (key, f"{s.name} ({s.get_side_display().lower()})")
            for key, s in self.stakeholders.items()
        ]
        self.initial.setdefault("owner_choice", "side:buyer" if for_buyer else "side:seller")
        if self.instance.pk:
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

    def clean_owner_choice(self):
        value = self.cleaned_data.get("owner_choice") or "side:seller"
        if value.startswith("side:"):
            side = value.removeprefix("side:")
            if side not in Side.values or (self.for_buyer and side != Side.BUYER):
                raise forms.ValidationError("Choose an owner from the list.")
            return (None, side)
        if value not in self.stakeholders:
            raise forms.ValidationError("Choose an owner from the list.")
        owner = self.stakeholders[value]
        return (owner, owner.side)


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
