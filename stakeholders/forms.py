from typing import cast

from django import forms

from accounts.models import Membership
from rooms.conflicts import version_field_add
from stakeholders.models import Stakeholder


class BuyerStakeholderForm(forms.ModelForm):
    class Meta:
        model = Stakeholder
        fields = ["name", "email", "title", "role"]
        labels = {"role": "Buying role"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            version_field_add(self, self.instance.version)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.get_full_name()


class SellerStakeholderForm(forms.Form):
    member = MemberChoiceField(
        label="Colleague", queryset=Membership.objects.none(), empty_label=None
    )
    title = forms.CharField(label="Title", max_length=150, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        cast(MemberChoiceField, self.fields["member"]).queryset = members


class BuyerLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
