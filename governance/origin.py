"""Where an action came from: the address of the request being served, for the audit log.

The services that record events know nothing of requests (the API and management commands
call them too), so the middleware notes the client's address for the duration of the request
and the audit projection reads it. Outside a request (a Celery task, a command) there is none.
"""

from collections.abc import Callable
from contextvars import ContextVar

from allauth.account.adapter import get_adapter
from django.http import HttpRequest, HttpResponse

_client_ip: ContextVar[str | None] = ContextVar("tandem_client_ip", default=None)


def client_ip() -> str | None:
    return _client_ip.get()


class RequestOriginMiddleware:
    """Notes the client's address as allauth's rate limits read it (TRUSTED_PROXY_COUNT)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            ip = get_adapter(request).get_client_ip(request)
        except Exception:  # a malformed header must not break the page; the entry has no address
            ip = None
        token = _client_ip.set(ip)
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
