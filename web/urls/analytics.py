from django.urls import path

from web.views import analytics as views

urlpatterns = [
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("rooms/<uuid:room_id>/analytics/", views.room_analytics_view, name="room_analytics"),
    path("rooms/<uuid:room_id>/activity/", views.activity_view, name="room_activity"),
    path("rooms/<uuid:room_id>/beacon/", views.beacon_view, name="room_beacon"),
]
