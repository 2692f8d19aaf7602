"""What the API tests share: a client per persona, each with its own personal token."""

from rest_framework.test import APIClient

from accounts.services import api_token_create
from tests.conftest import World


def token_for(user, name: str = "tests") -> str:
    return api_token_create(user=user, name=name)[1]


def client_for(world: World, persona: str) -> APIClient:
    client = APIClient()
    if persona != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(getattr(world, persona))}")
    return client


def v1(path: str) -> str:
    return f"/api/v1/{path.lstrip('/')}"
