"""Secret links: 256 random bits shown once, only their SHA-256 kept."""

import hashlib
import secrets


def token_new() -> tuple[str, str]:
    """Return (token, hash): mail the token, store the hash."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
