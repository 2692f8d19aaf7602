"""The request id every log line of a request carries (config.logs), answered back to the
client as ``X-Request-ID`` so that a person reporting an error can quote it."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from config.logs import request_id, request_id_from


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id_from(request.headers.get("X-Request-ID"))
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response
