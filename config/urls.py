from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from rooms import views as room_views

urlpatterns = [
    path("", room_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("rooms.urls")),
    path("admin/", admin.site.urls),
]
