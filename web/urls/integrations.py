from django.urls import path

from web.views import integrations as views

ORG = "orgs/<uuid:organisation_id>/"
HOOK = ORG + "webhooks/<uuid:endpoint_id>/"

urlpatterns = [
    path(ORG + "webhooks/", views.webhook_list, name="webhook_list"),
    path(HOOK, views.webhook_detail, name="webhook_detail"),
    path(HOOK + "rotate/", views.webhook_rotate, name="webhook_rotate"),
    path(HOOK + "test/", views.webhook_test, name="webhook_test"),
    path(HOOK + "delete/", views.webhook_delete, name="webhook_delete"),
    path(
        HOOK + "deliveries/<uuid:delivery_id>/send-again/",
        views.webhook_send_again_view,
        name="webhook_send_again",
    ),
    path(ORG + "chat/", views.chat_channels, name="chat_channels"),
    path(ORG + "chat/<uuid:channel_id>/delete/", views.chat_channel_delete, name="chat_delete"),
    path("settings/calendar/", views.calendar_settings, name="calendar_settings"),
    path(
        "settings/calendar/<uuid:feed_id>/revoke/",
        views.calendar_revoke,
        name="calendar_revoke",
    ),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("rooms/<uuid:room_id>/calendar/", views.room_calendar, name="room_calendar"),
    path("rooms/<uuid:room_id>/calendar.ics", views.room_calendar_ics, name="room_calendar_ics"),
    path(
        "rooms/<uuid:room_id>/tasks/<uuid:task_id>/calendar.ics",
        views.task_calendar_ics,
        name="task_calendar_ics",
    ),
]
