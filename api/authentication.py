"""``Authorization: Bearer tdm_…``: a personal API token acts as its user."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.models import ApiToken, User
from accounts.services import api_token_authenticate


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None  # no token: the session may authenticate
        if len(parts) != 2:
            raise AuthenticationFailed("Send the header as “Authorization: Bearer <token>”.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("The token is unknown, revoked or expired.") from None
        api_token = api_token_authenticate(secret)
        if api_token is None:
            raise AuthenticationFailed("The token is unknown, revoked or expired.")
        return api_token.user, api_token

    def authenticate_header(self, request: Request) -> str:
        # Makes a missing or bad token a 401 with this challenge rather than a 403.
        return 'Bearer realm="api"'
