from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, include, path

from accounts.forms import StaffSignInForm


def _admin_signs_in_itself(resolver: URLResolver) -> URLResolver:
    """Django's admin sends an anonymous visitor to its own login page (staff only), not to
    the site's (LoginRequiredMiddleware)."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            _admin_signs_in_itself(pattern)
        elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "login_required", True):
            login_not_required(pattern.callback)
    return resolver


urlpatterns = [
    path("", include("web.urls")),
    path("api/", include("api.urls")),
    path("", include("inbound.urls")),
]
if settings.ADMIN_ENABLED:
    admin.site.login_form = StaffSignInForm
    # Staff sign in through the site's sign-in, so that its second factor applies to them
    # (web.two_factor: the admin asks every staff member for one).
    admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
    urlpatterns.append(_admin_signs_in_itself(path("admin/", admin.site.urls)))
