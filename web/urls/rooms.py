from django.urls import include, path

from web.views import branding as branding_views
from web.views import imports as import_views
from web.views import live as live_views
from web.views import resources as resource_views
from web.views import rooms as views

urlpatterns = [
    path("rooms/new/", views.room_create_view, name="room_create"),
    path("rooms/new/import/", import_views.room_import_upload, name="room_import"),
    path(
        "rooms/new/import/<str:token>/",
        import_views.room_import_preview_view,
        name="room_import_preview",
    ),
    path("rooms/<uuid:room_id>/", views.room_detail, name="room_detail"),
    path("rooms/<uuid:room_id>/document/", views.room_document, name="room_document"),
    path("rooms/<uuid:room_id>/live/", live_views.room_live, name="room_live"),
    path("rooms/<uuid:room_id>/edit/", views.room_edit, name="room_edit"),
    path(
        "rooms/<uuid:room_id>/buyer-logo/", branding_views.room_buyer_logo, name="room_buyer_logo"
    ),
    path("rooms/<uuid:room_id>/stage/", views.room_stage, name="room_stage"),
    path(
        "rooms/<uuid:room_id>/save-as-template/",
        views.room_save_as_template_view,
        name="room_save_as_template",
    ),
    path("rooms/<uuid:room_id>/", include("web.urls.plans")),
    path("rooms/<uuid:room_id>/", include("web.urls.stakeholders")),
    path("templates/", views.template_list, name="template_list"),
    path("templates/<uuid:room_id>/", views.template_detail, name="template_detail"),
    path("templates/<uuid:room_id>/delete/", views.template_delete_view, name="template_delete"),
    # Resources: files and links shared in a room
    path(
        "rooms/<uuid:room_id>/resources/files/",
        resource_views.resource_add_file_view,
        name="resource_add_file",
    ),
    path(
        "rooms/<uuid:room_id>/resources/links/",
        resource_views.resource_add_link_view,
        name="resource_add_link",
    ),
    path(
        "rooms/<uuid:room_id>/resources/<uuid:resource_id>/",
        resource_views.resource_open,
        name="resource_open",
    ),
    path(
        "rooms/<uuid:room_id>/resources/<uuid:resource_id>/delete/",
        resource_views.resource_delete_view,
        name="resource_delete",
    ),
    path(
        "rooms/<uuid:room_id>/resources/<uuid:resource_id>/move/",
        resource_views.resource_move_view,
        name="resource_move",
    ),
]
