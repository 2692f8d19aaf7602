"""The tests' door into the provider: register a client (Tandem) and people, as an IT team
would in its identity provider's console."""

import json

from django.contrib.auth.models import Group, User
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import Application

from tests.oidc_provider.validator import UNVERIFIED


@csrf_exempt
@require_POST
def setup(request: HttpRequest) -> HttpResponse:
    """{"client": {"client_id", "client_secret", "redirect_uris": [...]},
    "people": [{"email", "password", "name", "verified"}]}"""
    body = json.loads(request.body)
    if client := body.get("client"):
        Application.objects.filter(client_id=client["client_id"]).delete()
        Application.objects.create(
            name="Tandem",
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(client["redirect_uris"]),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )
    unverified, _ = Group.objects.get_or_create(name=UNVERIFIED)
    for person in body.get("people", []):
        user, _ = User.objects.get_or_create(username=person["email"])
        user.email = person["email"]
        user.first_name = person.get("name", "")
        user.set_password(person["password"])
        user.save()
        if person.get("verified", True):
            user.groups.remove(unverified)
        else:
            user.groups.add(unverified)
    return HttpResponse(status=204)
