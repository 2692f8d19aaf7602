from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class AuthedRequest(HttpRequest):
    """The request of a view behind LoginRequiredMiddleware: its user is a real User."""

    user: User
    htmx: HtmxDetails
