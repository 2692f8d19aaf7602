from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from notifications import views as notification_views
from rooms import views as room_views
from stakeholders import views as stakeholder_views

urlpatterns = [
    path("", room_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("rooms.urls")),
    path("", include("notifications.urls")),
    path("", include("analytics.urls")),
    path("b/", stakeholder_views.buyer_link_request, name="buyer_link_request"),
    path("b/<str:token>/", stakeholder_views.buyer_link, name="buyer_link"),
    path(
        "b/<str:token>/tasks/<uuid:task_id>/",
        notification_views.buyer_task_link,
        name="buyer_task_link",
    ),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
