import zoneinfo
from functools import cache

from allauth.account.adapter import get_adapter
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm

from accounts.models import DateOrder, Role
from accounts.services import user_set_name


class NameForm(forms.Form):
    name = forms.CharField(
        label="Your name",
        max_length=150,
        help_text="Shown to buyers in rooms and emails instead of your email address.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give your name, as buyers will see it.")
        return name


class SignupForm(NameForm):
    """allauth's sign-up asks for the name too (ACCOUNT_SIGNUP_FORM_CLASS): allauth adds the
    email and password fields and calls ``signup`` once the person is saved."""

    def signup(self, request, user) -> None:
        user_set_name(user=user, name=self.cleaned_data["name"])


class OrganisationForm(forms.Form):
    name = forms.CharField(
        label="Organisation name",
        max_length=120,
        help_text="Your company, as your buyers know it.",
        widget=forms.TextInput(attrs={"autocomplete": "organization", "autofocus": True}),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the organisation a name.")
        return name


class StaffSignInForm(AdminAuthenticationForm):
    """Django's admin sign-in with the site's lockout: the password is checked through allauth,
    which counts failures per address and per client (ACCOUNT_RATE_LIMITS["login_failed"]) and
    refuses even the right password while the limit holds."""

    def clean(self) -> dict:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email and password:
            adapter = get_adapter(self.request)
            self.user_cache = adapter.authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.REP)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


@cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(n for n in zoneinfo.available_timezones() if "/" in n or n == "UTC")
    return [(name, name.replace("_", " ")) for name in names]


class OrganisationSettingsForm(forms.Form):
    timezone = forms.ChoiceField(
        label="Time zone",
        choices=timezone_choices,
        help_text="Where the team works: reminders and digests go out at 08:00 there, unless "
        "a person chose their own time zone.",
    )
    reminder_days_before = forms.IntegerField(
        label="Remind task owners this many days before a due date",
        min_value=0,
        max_value=30,
        help_text="0 turns the reminder before the due date off; the overdue one stays.",
    )
    date_order = forms.ChoiceField(
        label="Dates like 03/04/2027 are written",
        choices=DateOrder.choices,
        required=False,
        help_text="How imported spreadsheets are read; a date that could be either is pointed "
        "out in the preview.",
    )


class PersonalTimezoneForm(forms.Form):
    timezone = forms.ChoiceField(
        label="My time zone",
        required=False,
        help_text="Reminders reach you at 08:00 here.",
    )

    def __init__(self, *args, organisation_zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["timezone"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 (for mypy)
        field.choices = [("", f"My organisation's ({organisation_zone})"), *timezone_choices()]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What will use it, e.g. “CRM sync”.",
    )
    expires_in = forms.TypedChoiceField(
        label="Expires",
        choices=[("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")],
        required=False,
        coerce=int,
        empty_value=None,
    )


class SecurityForm(forms.Form):
    require_two_factor = forms.BooleanField(
        required=False,
        label="Require two-factor sign-in of every member",
        help_text=(
            "Members are asked to add a passkey or an authenticator app at their next sign-in "
            "and can do nothing else until they have. Buyers are never asked: they sign in "
            "with their emailed links."
        ),
    )
