import zoneinfo
from functools import cache

from allauth.account.adapter import get_adapter
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from accounts.branding import colour_validator, process_logo
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
            "and can do nothing else until they have. People who sign in through your single "
            "sign-on are not asked: your identity provider asks for its own second factor. "
            "Buyers are never asked: they sign in with their emailed links."
        ),
    )


class LogoField(forms.FileField):
    """An image upload checked and resized by accounts.branding: cleans to a PNG ContentFile."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg,.webp,.gif"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return None
        try:
            return process_logo(upload, size=upload.size)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["logo"]) from None


class BrandingForm(forms.Form):
    logo = LogoField(
        label="Logo",
        help_text="PNG, JPEG, WebP or GIF (no SVG), shown in rooms and emails; resized to fit "
        "400×160.",
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)
    brand_colour = forms.CharField(
        label="Brand colour",
        required=False,
        max_length=7,
        validators=[colour_validator],
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text="New rooms start with it as their accent, and it marks your logo in rooms and "
        "emails; text on it is made white or black, whichever reads better.",
    )


class SingleSignOnForm(forms.Form):
    """An organisation's OpenID Connect identity provider (accounts.sso validates it all)."""

    issuer = forms.CharField(
        label="Issuer URL",
        max_length=300,
        widget=forms.URLInput(
            attrs={"placeholder": "https://login.acme.com", "spellcheck": "false"}
        ),
        help_text="Your identity provider's OpenID Connect issuer: Tandem reads "
        "/.well-known/openid-configuration under it. Okta, Microsoft Entra ID, Google "
        "Workspace, Keycloak and Auth0 all show it on the application's page.",
    )
    client_id = forms.CharField(
        label="Client ID",
        max_length=191,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    client_secret = forms.CharField(
        label="Client secret",
        max_length=191,
        required=False,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
    )
    domains = forms.CharField(
        label="Email domains",
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "acme.com, acme.co.uk", "spellcheck": "false"}
        ),
        help_text="People with an address at these domains are sent to your identity provider "
        "when they sign in. Separate domains with commas or new lines.",
    )
    role = forms.ChoiceField(
        label="Role of people who join this way",
        choices=Role.choices,
        initial=Role.REP,
        help_text="A person's first sign-in makes them a member of the organisation; admins "
        "can change their role on the members page later.",
    )
    required = forms.BooleanField(
        label="Require single sign-on for these domains",
        required=False,
        help_text="Signing in with a password, signing up and resetting a password are refused "
        "for these addresses. Try a sign-in through your provider before you turn it on.",
    )

    def __init__(self, *args, has_secret: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The secret is never shown back: the page says whether one is saved.
        self.fields["client_secret"].help_text = (
            "Set. Leave blank to keep the saved secret; it is never shown again."
            if has_secret
            else "The secret your provider gave Tandem; never shown again once saved."
        )
