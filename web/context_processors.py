from django.http import HttpRequest

from web.organisation import get_current_membership, other_memberships


def organisation(request: HttpRequest) -> dict:
    """The current organisation and the others the person may switch to, for the page shell."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    current = get_current_membership(request)
    others = other_memberships(request) if current is not None else []
    return {"current_membership": current, "other_memberships": others}
