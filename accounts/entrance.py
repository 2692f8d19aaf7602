"""allauth's sign-in, sign-up and password-reset forms with single sign-on's rule (ACCOUNT_FORMS):
an address whose domain must sign in through its organisation's identity provider (accounts.sso,
``required``) is refused a password here, with the way in named.

Apart from accounts.forms because allauth's forms module imports that one (the sign-up form's
base class, ACCOUNT_SIGNUP_FORM_CLASS) while it loads.
"""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from accounts.models import SingleSignOn
from accounts.sso import password_refused_for


def sso_required_message(sso: SingleSignOn) -> str:
    return (
        f"{sso.organisation} signs its people in with single sign-on: enter your email on the "
        "sign-in page and you will be sent to your company's sign-in."
    )


class EmailStepForm(forms.Form):
    """The sign-in page's first step: the address alone, to tell where the person signs in."""

    login = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(
            attrs={"autocomplete": "username", "autofocus": True, "placeholder": "Email address"}
        ),
    )


class LoginForm(AllauthLoginForm):
    def clean(self):
        email = self.cleaned_data.get("login")
        if isinstance(email, str) and (sso := password_refused_for(email)):
            raise forms.ValidationError(sso_required_message(sso))
        return super().clean()


class AccountSignupForm(AllauthSignupForm):
    def clean_email(self):
        email = super().clean_email()
        if sso := password_refused_for(email):
            raise forms.ValidationError(sso_required_message(sso))
        return email


class ResetPasswordForm(AllauthResetPasswordForm):
    def clean_email(self):
        email = super().clean_email()
        if sso := password_refused_for(email):
            raise forms.ValidationError(
                f"{sso.organisation} signs its people in with single sign-on: Tandem keeps no "
                "password for you. Sign in on the sign-in page with your email address."
            )
        return email
