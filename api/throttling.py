from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token; per person for the browser's session; per address otherwise."""

    scope = "api"

    def get_rate(self) -> str | None:
        # Read when the request comes, not when the module is imported: settings can change it.
        rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        return rates[self.scope]  # type: ignore[index]

    def get_cache_key(self, request: Request, view) -> str:
        if isinstance(request.auth, ApiToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
