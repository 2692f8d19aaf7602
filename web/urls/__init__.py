"""The browser's pages. The REST API is the other face (api/urls.py)."""

from django.urls import include, path

from web.views import notifications as notification_views
from web.views import ops as ops_views
from web.views import rooms as room_views
from web.views import stakeholders as stakeholder_views

urlpatterns = [
    path("", room_views.home, name="home"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("accounts/", include("allauth.urls")),
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
