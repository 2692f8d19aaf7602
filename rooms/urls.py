from django.urls import path

from rooms import views

urlpatterns = [
    path("rooms/new/", views.room_create_view, name="room_create"),
    path("rooms/<uuid:room_id>/", views.room_detail, name="room_detail"),
]
