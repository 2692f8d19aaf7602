from typing import Any, cast
from uuid import UUID

from django import forms
from django.utils import timezone

from accounts.models import Membership
from plans.builtin_templates import BUILTIN_TEMPLATES
from rooms.conflicts import version_field_add
from rooms.models import Room, Stage
from rooms.services import DETAIL_FIELDS

BLANK = "blank"


class RoomCreateForm(forms.Form):
    template = forms.ChoiceField(
        label="Start from", widget=forms.RadioSelect, initial=BLANK, required=False
    )
    buyer_company = forms.CharField(label="Buyer company", max_length=200)
    target_date = forms.DateField(
        label="Target date",
        help_text="The buyer's go-live or decision date: where the plan ends.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start_date = forms.DateField(
        label="Start date",
        required=False,
        help_text="Onboarding templates plan forward from here. Today if empty.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, org_templates: list[Room], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(BLANK, "Blank plan")]
        choices += [(key, spec.name) for key, spec in BUILTIN_TEMPLATES.items()]
        choices += [(str(t.public_id), t.name) for t in org_templates]
        cast(forms.ChoiceField, self.fields["template"]).choices = choices
        self.org_templates = org_templates

    def template_options(self) -> list[dict[str, Any]]:
        """The picker's cards: what each choice is, for the person choosing."""
        chosen = str(self["template"].value() or BLANK)
        options: list[dict[str, Any]] = [
            {
                "value": BLANK,
                "name": "Blank plan",
                "description": "Start empty and add your own milestones and tasks.",
                "facts": "",
            }
        ]
        for key, spec in BUILTIN_TEMPLATES.items():
            options.append(
                {
                    "value": key,
                    "name": spec.name,
                    "description": spec.description,
                    "facts": f"{len(spec.milestones)} milestones · {spec.task_count} tasks",
                }
            )
        for template in self.org_templates:
            options.append(
                {
                    "value": str(template.public_id),
                    "name": template.name,
                    "description": template.description or "Your organisation's template.",
                    "facts": "Your organisation",
                }
            )
        for option in options:
            option["checked"] = option["value"] == chosen
        return options

    def clean_template(self) -> str:
        return self.cleaned_data["template"] or BLANK

    def clean_buyer_company(self) -> str:
        name = self.cleaned_data["buyer_company"].strip()
        if not name:
            raise forms.ValidationError("Name the buyer's company.")
        return name

    @property
    def target_in_past(self) -> bool:
        target = getattr(self, "cleaned_data", {}).get("target_date")
        return bool(target and target < timezone.localdate())


class RoomDetailsForm(forms.ModelForm):
    class Meta:
        model = Room
        # A template's name and description are added in __init__.
        fields = [name for name in DETAIL_FIELDS if name not in {"name", "description"}]
        labels = {"accent_colour": "Accent colour", "deal_value": "Deal value"}
        help_texts = {
            "value_summary": "Two or three sentences, from the buyer's point of view: what "
            "this does for them. Markdown.",
            "success_criteria": "What success looks like for the buyer: a short list. Markdown.",
            "accent_colour": "The buyer's brand colour, shown on their room.",
        }
        widgets = {
            "accent_colour": forms.TextInput(attrs={"type": "color"}),
            "value_summary": forms.Textarea(attrs={"rows": 4}),
            "success_criteria": forms.Textarea(attrs={"rows": 4}),
            "business_goal_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_template:
            for name in ("buyer_company", "buyer_invites", "buyer_domains"):
                del self.fields[name]
            self.fields = {"name": forms.CharField(label="Template name", max_length=200)} | {
                "description": forms.CharField(
                    label="Description",
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 2}),
                ),
                **self.fields,
            }
            self.initial.setdefault("name", self.instance.name)
            self.initial.setdefault("description", self.instance.description)
        else:
            self.fields["buyer_company"].required = True
        version_field_add(self, self.instance.details_version)


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices, widget=forms.RadioSelect)
    lost_reason = forms.CharField(
        label="Why was it lost?", max_length=500, required=False, widget=forms.TextInput()
    )


class SaveAsTemplateForm(forms.Form):
    name = forms.CharField(label="Template name", max_length=200)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NewOwnersForm(forms.Form):
    """Who takes over each room a leaving member owns: one choice per room (rooms.offboarding)."""

    def __init__(
        self,
        *args: Any,
        rooms: list[Room],
        members: list[Membership],
        default: Membership | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rooms = rooms
        self.members = {str(m.public_id): m for m in members}
        choices = [
            (str(m.public_id), f"{m.user.get_full_name()} ({m.get_role_display().lower()})")
            for m in members
        ]
        for room in rooms:
            self.fields[self.field_name(room)] = forms.ChoiceField(
                label=str(room),
                choices=choices,
                initial=str(default.public_id) if default else None,
            )

    @staticmethod
    def field_name(room: Room) -> str:
        return f"owner-{room.public_id}"

    def rows(self) -> list[tuple[Room, forms.BoundField]]:
        return [(room, self[self.field_name(room)]) for room in self.rooms]

    def new_owners(self) -> dict[UUID, Membership]:
        return {
            room.public_id: self.members[self.cleaned_data[self.field_name(room)]]
            for room in self.rooms
        }
