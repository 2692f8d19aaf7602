"""Single sign-on's pages: the sign-in page's email-first step, and an organisation's
identity provider (admins)."""

from uuid import UUID

from allauth.account.views import LoginView
from allauth.utils import build_absolute_uri
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import get_membership_for_admin
from accounts.entrance import EmailStepForm
from accounts.forms import SingleSignOnForm
from accounts.models import Organisation
from accounts.sso import (
    PROVIDER,
    SsoSettings,
    provider_id_for,
    sso_for_email,
    sso_of,
    sso_remove,
    sso_save,
)
from web.http import AuthedRequest
from web.sso import sso_redirect

STEP_FIELD = "step"
EMAIL_STEP = "email"
PASSWORD_STEP = "password"  # noqa: S105  (a step: chosen on the SSO step when not required)


class SignInView(LoginView):
    """allauth's sign-in, email first (as Slack, Notion or Google do): the address alone, then
    either the organisation's identity provider (its domain has single sign-on) or the password.

    The first step is a POST with ``step=email``; the second is allauth's own sign-in, as
    before, with its rate limits and checks (accounts.entrance.LoginForm refuses the password
    of a domain that must use single sign-on). Without JavaScript both steps work the same.
    """

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.render_to_response(self.get_context_data(email_form=EmailStepForm()))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        step = request.POST.get(STEP_FIELD)
        if step not in (EMAIL_STEP, PASSWORD_STEP):
            return super().post(request, *args, **kwargs)
        email_form = EmailStepForm(request.POST)
        if not email_form.is_valid():
            return self.render_to_response(self.get_context_data(email_form=email_form))
        email = email_form.cleaned_data["login"].strip().lower()
        sso = sso_for_email(email)
        if sso is not None and (step == EMAIL_STEP or sso.required):
            response = sso_redirect(request, sso, email, self.get_next_url())
            if response is not None:
                return response
            if sso.required:  # the provider is down: no other way in (the message says so)
                return redirect("account_login")
        # The password step, the address filled in; no error shown yet.
        form = self.get_form_class()(initial={"login": email}, request=request)
        form.fields["login"].widget.attrs.pop("autofocus", None)
        form.fields["password"].widget.attrs["autofocus"] = True
        return self.render_to_response(self.get_context_data(form=form))


sign_in = SignInView.as_view()


def redirect_uri(request: HttpRequest, organisation: Organisation) -> str:
    """Where the identity provider sends people back: the address its admin registers there
    (built as allauth builds the one it sends)."""
    path = reverse(f"{PROVIDER}_callback", kwargs={"provider_id": provider_id_for(organisation)})
    return build_absolute_uri(request, path)


@require_http_methods(["GET", "POST"])
def organisation_sso(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    admin = get_membership_for_admin(request.user, organisation_id)
    organisation = admin.organisation
    sso = sso_of(organisation)
    initial = (
        {
            "issuer": sso.issuer,
            "client_id": sso.app.client_id,
            "domains": ", ".join(sso.domain_names),
            "role": sso.role,
            "required": sso.required,
        }
        if sso
        else {}
    )
    form = SingleSignOnForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        has_secret=sso is not None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sso_save(
                organisation=organisation,
                values=SsoSettings(
                    issuer=data["issuer"],
                    client_id=data["client_id"],
                    client_secret=data["client_secret"],
                    domains=data["domains"],
                    role=data["role"],
                    required=data["required"],
                ),
                actor=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, "Single sign-on saved.")
            return redirect("organisation_sso", organisation_id=organisation_id)
    status = 400 if form.errors else 200
    context = {
        "organisation": organisation,
        "membership": admin,
        "form": form,
        "sso": sso,
        "redirect_uri": redirect_uri(request, organisation),
        "provider_id": provider_id_for(organisation),
    }
    return render(request, "accounts/organisation_sso.html", context, status=status)


@require_POST
def organisation_sso_remove(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    admin = get_membership_for_admin(request.user, organisation_id)
    sso_remove(organisation=admin.organisation, actor=request.user)
    messages.success(request, "Single sign-on is off: its people sign in with a password again.")
    return redirect("organisation_sso", organisation_id=organisation_id)
