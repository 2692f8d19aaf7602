"""Sign-in security: the organisation's two-factor rule (admins) and the page that makes a
person who needs a second factor set one up (web.two_factor)."""

from uuid import UUID

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import get_membership_for_admin
from accounts.forms import SecurityForm
from accounts.security import SECOND_FACTORS, has_two_factor
from accounts.services import organisation_security_update
from accounts.sso import sso_of
from web.http import AuthedRequest
from web.two_factor import SESSION_KEY


@require_GET
def two_factor_setup(request: AuthedRequest) -> HttpResponse:
    """Where a person who must use a second factor is sent until they have one."""
    if has_two_factor(request.user):
        request.session.pop(SESSION_KEY, None)
        return redirect("home")
    context = {"required_by_staff": request.user.is_staff}
    return render(request, "accounts/two_factor_setup.html", context)


@require_http_methods(["GET", "POST"])
def organisation_security(request: AuthedRequest, organisation_id: UUID) -> HttpResponse:
    admin = get_membership_for_admin(request.user, organisation_id)
    organisation = admin.organisation
    form = SecurityForm(
        request.POST if request.method == "POST" else None,
        initial={"require_two_factor": organisation.require_two_factor},
    )
    if request.method == "POST" and form.is_valid():
        organisation_security_update(
            organisation=organisation,
            require_two_factor=form.cleaned_data["require_two_factor"],
            actor=request.user,
        )
        messages.success(request, "Sign-in settings saved.")
        return redirect("organisation_security", organisation_id=organisation_id)
    members = list(organisation.memberships.select_related("user").order_by("user__email"))
    with_factor = set(
        Authenticator.objects.filter(
            user_id__in=[m.user_id for m in members], type__in=SECOND_FACTORS
        ).values_list("user_id", flat=True)
    )
    context = {
        "organisation": organisation,
        "membership": admin,
        "form": form,
        "members": [(m, m.user_id in with_factor) for m in members],
        "without": sum(1 for m in members if m.user_id not in with_factor),
        "sso": sso_of(organisation),
    }
    return render(request, "accounts/organisation_security.html", context)
