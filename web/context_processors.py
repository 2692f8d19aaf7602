from collections.abc import Iterable

from django.http import HttpRequest

from accounts.models import Membership
from web.organisation import get_current_membership


def organisation(request: HttpRequest) -> dict:
    """The current organisation and the others the person may switch to, for the page shell."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    current = get_current_membership(request)
    others: Iterable[Membership] = []
    if current is not None:
        others = (
            Membership.objects.filter(user_id=request.user.pk)
            .exclude(pk=current.pk)
            .select_related("organisation")
            .order_by("organisation__name")
        )
    return {"current_membership": current, "other_memberships": others}
