"""The page shell (templates/_base.html)."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from web.fragments import fragment, personalise

register = template.Library()


@register.simple_tag(takes_context=True)
def topbar(context: template.Context) -> SafeString:
    """The top bar, rendered once per person, organisation, organisations to switch to and page
    name (its key holds everything it shows), then personalised with the request's CSRF token.
    Rendering it was a fifth of a cached room page's time."""
    request = context.get("request")
    user = context.get("user")
    current = context.get("current_membership")
    others = context.get("other_memberships") or []
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match is not None else ""
    person = None
    if user is not None and user.is_authenticated:
        person = (user.pk, user.name, user.email, user.is_staff)
    key: tuple[Any, ...] = (
        url_name,
        person,
        (
            (current.pk, current.role, current.organisation.public_id, current.organisation.name)
            if current is not None
            else None
        ),
        tuple((m.organisation.public_id, m.organisation.name, m.role) for m in others),
    )
    values = {
        "user": user,
        "current_membership": current,
        "other_memberships": others,
        "url_name": url_name,
    }
    html = fragment("_topbar.html", key, lambda: values)
    return personalise(request, html) if request is not None else html
