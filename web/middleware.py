"""What a person sees when the room they are in is closed to them (rooms.access.AccessEnded):
the same 404 as anyone gets, but in words, where they are looking. A full page (a link, a
reload, a form posted without JavaScript) gets a page in the product's layout, in every mode
(Django's debug 404 page would otherwise stand in for it while DEBUG is on); an in-place
action (HTMX) gets the message alone, which static/js/tandem.js shows beside the control that
was used."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rooms.access import AccessEnded


class AccessEndedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, AccessEnded):
            return None
        context = {"ended": exception, "room": exception.room}
        if getattr(request, "htmx", False):
            return render(request, "rooms/access_ended.html#message", context, status=404)
        return render(request, "rooms/access_ended.html", context, status=404)
