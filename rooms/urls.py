from django.urls import include, path

from rooms import views

urlpatterns = [
    path("rooms/new/", views.room_create_view, name="room_create"),
    path("rooms/<uuid:room_id>/", views.room_detail, name="room_detail"),
    path("rooms/<uuid:room_id>/edit/", views.room_edit, name="room_edit"),
    path("rooms/<uuid:room_id>/stage/", views.room_stage, name="room_stage"),
    path(
        "rooms/<uuid:room_id>/save-as-template/",
        views.room_save_as_template_view,
        name="room_save_as_template",
    ),
    path("rooms/<uuid:room_id>/", include("plans.urls")),
    path("rooms/<uuid:room_id>/", include("stakeholders.urls")),
    path("templates/", views.template_list, name="template_list"),
    path("templates/<uuid:room_id>/", views.template_detail, name="template_detail"),
    path("templates/<uuid:room_id>/delete/", views.template_delete_view, name="template_delete"),
]
