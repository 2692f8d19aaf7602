"""Fragments rendered once per content, then reused: the plan is most of the room page's cost.

A fragment's cache key is a digest of its *key* and of the templates' source. A room's
fragments are keyed on its content version, which every write to what the page shows moves in
its own transaction (rooms.versioning), and on what they show that the room does not own
(web.room_page): a change makes a new key, and a stale fragment is never served again.
Fragments are rendered without the request and never contain anything personal; the only
per-person value, the CSRF token, is a placeholder swapped in on the way out. Buyers and
sellers see different fragments (the audience is part of every key).
"""

import hashlib
from collections.abc import Callable
from functools import cache as memoise
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

# Nothing a person can type: markdown writes quotes as typed, so a fixed string in a CSRF input
# could be spelled in a value summary and have each viewer's token written into the page text.
# Derived from SECRET_KEY, it is the same in every process that shares the fragment cache.
CSRF_PLACEHOLDER = "csrf-" + salted_hmac("web.fragments.csrf", "placeholder").hexdigest()[:32]
# Only the placeholder in a CSRF input is swapped.
_CSRF_INPUT = f'name="csrfmiddlewaretoken" value="{CSRF_PLACEHOLDER}"'
TIMEOUT = 60 * 60 * 24


@memoise
def templates_digest() -> str:
    """Changes when any template does, so that a deploy never serves an old fragment."""
    digest = hashlib.sha256()
    for path in sorted(Path(settings.BASE_DIR / "templates").rglob("*.html")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def fragment(template_name: str, key: object, context: Callable[[], dict]) -> SafeString:
    """The fragment's HTML, with the CSRF placeholder still in it (fragments nest)."""
    digest = hashlib.sha256(repr((templates_digest(), template_name, key)).encode())
    cache_key = f"fragment:{digest.hexdigest()}"
    html = cache.get(cache_key)
    if html is None:
        html = render_to_string(template_name, {**context(), "csrf_token": CSRF_PLACEHOLDER})
        cache.set(cache_key, html, TIMEOUT)
    return mark_safe(html)  # noqa: S308 - rendered by our auto-escaping templates


def personalise(request: HttpRequest, html: str) -> SafeString:
    """Put the person's CSRF token where the fragment has the placeholder."""
    token_input = f'name="csrfmiddlewaretoken" value="{get_token(request)}"'
    return mark_safe(html.replace(_CSRF_INPUT, token_input))  # noqa: S308
