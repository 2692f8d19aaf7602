"""The browser's pages. The REST API is the other face (api/urls.py)."""

from allauth.urls import build_provider_urlpatterns
from django.urls import include, path

from web.views import notifications as notification_views
from web.views import ops as ops_views
from web.views import rooms as room_views
from web.views import sso as sso_views
from web.views import stakeholders as stakeholder_views

urlpatterns = [
    path("", room_views.home, name="home"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    # allauth's pages, named one by one (allauth.urls would add its deprecated "social/"
    # redirects). The sign-in page asks for the address first (single sign-on).
    path("accounts/login/", sso_views.sign_in, name="account_login"),
    path("accounts/", include("allauth.account.urls")),
    path("accounts/2fa/", include("allauth.mfa.urls")),
    path("accounts/3rdparty/", include("allauth.socialaccount.urls")),
    # Each organisation's identity provider: /accounts/oidc/sso-<id>/login/(callback/)
    path("accounts/", include(build_provider_urlpatterns())),
    path("", include("web.urls.accounts")),
    path("", include("web.urls.rooms")),
    path("", include("web.urls.notifications")),
    path("", include("web.urls.analytics")),
    path("", include("web.urls.integrations")),
    path("b/", stakeholder_views.buyer_link_request, name="buyer_link_request"),
    path("b/<str:token>/", stakeholder_views.buyer_link, name="buyer_link"),
    path(
        "b/<str:token>/tasks/<uuid:task_id>/",
        notification_views.buyer_task_link,
        name="buyer_task_link",
    ),
]
