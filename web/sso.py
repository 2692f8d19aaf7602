"""Single sign-on at the door: allauth's adapters (ACCOUNT_ADAPTER, SOCIALACCOUNT_ADAPTER) with
Tandem's rules. accounts.sso holds each organisation's configuration.

- Sending a person to their identity provider: ``sso_redirect`` (the sign-in page's email step,
  web.views.sso.SignInView).
- Coming back: the provider must have verified the address, and it must be of one of the
  configuration's domains, else the sign-in is refused with the reason. A new person's account
  is made (the address verified: the provider vouched for it); an existing account of the
  address is signed in to and connected (allauth's email authentication, turned on in each
  organisation's app). Either way they are made a member with the configured role
  (accounts.sso.sso_join) and work in that organisation.
- A required configuration: every other way in for its domains (password, passkey, an emailed
  confirmation) is refused here, before the session is made.
- Two-factor: a sign-in through the organisation's provider is the provider's to secure, and it
  enforces its own second factor. Neither allauth's second-factor step nor the organisation's
  "require two-factor" rule (web.two_factor) applies to it; Django's admin still asks staff for
  a Tandem second factor (web.two_factor), whatever way they came in.

Buyers never pass here: they sign in with their emailed links (web.views.stakeholders).
"""

import logging

import requests
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render

from accounts.entrance import sso_required_message
from accounts.models import SingleSignOn
from accounts.sso import password_refused_for, sso_for_provider_id, sso_join, sso_refusal
from web.organisation import select_organisation

logger = logging.getLogger("tandem.sso")

SSO_AUTHENTICATE_STAGE = "web.sso.SsoAwareAuthenticateStage"


def sso_of_login(signal_kwargs: dict | None) -> SingleSignOn | None:
    """The organisation's single sign-on a sign-in came through, or None (a password, a
    passkey...). ``signal_kwargs`` is allauth's: a social sign-in carries its SocialLogin."""
    sociallogin = (signal_kwargs or {}).get("sociallogin")
    if not isinstance(sociallogin, SocialLogin):
        return None
    return sso_for_provider_id(sociallogin.account.provider)


def _refuse(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("account_login")


def sso_redirect(
    request: HttpRequest, sso: SingleSignOn, email: str, next_url: str | None
) -> HttpResponse | None:
    """Off to the organisation's identity provider (its authorisation endpoint, found by
    discovery), the address passed as a login hint. A page that goes on at once, not a
    redirect (account/sso_redirect.html says why). None when the provider cannot be reached
    (a message says so; the caller offers the password unless single sign-on is required)."""
    provider = sso.app.get_provider(request)
    try:
        response = provider.redirect(
            request,
            AuthProcess.LOGIN,
            next_url=next_url,
            auth_params={"login_hint": email},
        )
    except (requests.RequestException, ValueError, KeyError) as exc:
        logger.warning("single sign-on of %s: discovery failed: %s", sso.organisation_id, exc)
        messages.error(
            request,
            f"{sso.organisation}'s identity provider did not answer. Try again in a minute; if "
            "it goes on, tell your IT team.",
        )
        return None
    if not isinstance(response, HttpResponseRedirect):
        return response  # allauth's own error page
    context = {
        "provider_url": response["Location"],
        "organisation": sso.organisation,
        "sso": sso,
        "email": email,
        "next_url": next_url or "",
    }
    return render(request, "account/sso_redirect.html", context)


class AccountAdapter(DefaultAccountAdapter):
    def pre_login(self, request: HttpRequest, user, **kwargs):
        required = password_refused_for(user.email)
        if required is not None and sso_of_login(kwargs.get("signal_kwargs")) != required:
            return _refuse(request, sso_required_message(required))
        return super().pre_login(request, user, **kwargs)

    def post_login(self, request: HttpRequest, user, **kwargs):
        sso = sso_of_login(kwargs.get("signal_kwargs"))
        if sso is not None:
            membership, _ = sso_join(sso=sso, user=user)
            select_organisation(request, membership)
        return super().post_login(request, user, **kwargs)

    def get_login_stages(self) -> list[str]:
        return [
            SSO_AUTHENTICATE_STAGE if path == "allauth.mfa.stages.AuthenticateStage" else path
            for path in super().get_login_stages()
        ]


class SsoAwareAuthenticateStage(AuthenticateStage):
    """allauth.mfa's second-factor step, skipped for a sign-in through an organisation's
    identity provider (its business: see the module's docstring)."""

    def _should_handle(self, request: HttpRequest) -> bool:
        if sso_of_login(self.login.signal_kwargs) is not None:
            return False
        return super()._should_handle(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        sso = sso_for_provider_id(sociallogin.account.provider)
        if sso is None:  # an app Tandem did not make (Django's admin): not a way in
            raise ImmediateHttpResponse(_refuse(request, "This sign-in is not set up."))
        addresses = sociallogin.email_addresses
        address = next((a for a in addresses if a.primary), addresses[0] if addresses else None)
        email = address.email.strip().lower() if address else ""
        reason = sso_refusal(sso, email, verified=bool(address and address.verified))
        if reason:
            logger.info("single sign-on of %s refused: %s", sso.organisation_id, reason)
            raise ImmediateHttpResponse(_refuse(request, reason))

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return True  # pre_social_login let only the organisation's own people through

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data):
        user = super().populate_user(request, sociallogin, data)
        name = " ".join(str(data.get("name") or "").split())
        if not name:
            name = " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))
        user.name = name[:150]
        return user

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        logger.warning("single sign-on through %s failed: %s %r", provider.id, error, exception)
        message = (
            "You cancelled signing in with single sign-on."
            if error == "cancelled"
            else "Signing in through your identity provider did not work. Try again; if it "
            "goes on, tell your IT team."
        )
        raise ImmediateHttpResponse(_refuse(request, message))
