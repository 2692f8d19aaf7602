"""Two-factor sign-in, enforced (accounts.security says who needs it).

At sign-in a person who must use a second factor and has none gets a flag in their session;
while it is set, every page but the ones to set a factor up (allauth.mfa's), sign-out and
static files sends them to *Set up two-factor sign-in*. Adding a passkey or an authenticator
app clears it. The flag costs a request nothing when it is not set (the session is already
loaded), so the rule adds no query to any page.

A sign-in through an organisation's single sign-on is the identity provider's to secure (it
asks for its own second factor): the flag is not set for it (web.sso says why).

Django's admin asks more: a staff member's session must have passed a second factor
(allauth's record of this session's sign-in steps); one who signed in otherwise is asked for
it again (allauth.mfa's reauthentication) before any admin page.
"""

from collections.abc import Callable

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from accounts.security import has_two_factor, two_factor_required
from accounts.sso import sso_for_provider_id

SESSION_KEY = "tandem_two_factor_required"

# Reachable while the flag is set: allauth.mfa's pages (set up, reauthenticate), signing out,
# email verification links, static files and the health check.
ALLOWED_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/accounts/confirm-email/", "/static/")
ALLOWED_PATHS = ("/healthz", "/accounts/reauthenticate/")


def signed_in_through_sso(request: HttpRequest, user) -> bool:
    """This session's sign-in was through an organisation's identity provider (allauth's
    record of the step, made before the session is), which enforces its own second factor
    (web.sso)."""
    records = get_authentication_records(request, user)
    last = records[-1] if records else {}
    return last.get("method") == "socialaccount" and (
        sso_for_provider_id(str(last.get("provider", ""))) is not None
    )


def on_signed_in(sender: object, request: HttpRequest, user, **kwargs: object) -> None:
    """django.contrib.auth's user_logged_in (wired in WebConfig.ready). A sign-in through the
    organisation's single sign-on is not asked for a Tandem second factor."""
    if signed_in_through_sso(request, user):
        request.session.pop(SESSION_KEY, None)
    elif two_factor_required(user) and not has_two_factor(user):
        request.session[SESSION_KEY] = True
    else:
        request.session.pop(SESSION_KEY, None)


def _allowed(path: str) -> bool:
    return path in ALLOWED_PATHS or path.startswith(ALLOWED_PREFIXES) or path == _setup_path()


def _setup_path() -> str:
    return reverse("two_factor_setup")


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path_info
        if not user.is_authenticated or path.startswith("/api/"):
            return self.get_response(request)
        if request.session.get(SESSION_KEY) and not _allowed(path):
            if has_two_factor(user):
                request.session.pop(SESSION_KEY)
            else:
                return _redirect(request, _setup_path())
        if settings.ADMIN_ENABLED and path.startswith("/admin/") and user.is_staff:
            records = get_authentication_records(request, user)
            if not any(record.get("method") == "mfa" for record in records):
                if not has_two_factor(user):
                    request.session[SESSION_KEY] = True
                    return _redirect(request, _setup_path())
                again = reverse("mfa_reauthenticate") + "?" + urlencode({"next": path})
                return _redirect(request, again)
        return self.get_response(request)
