from django.urls import path

from web.views import notifications as views

urlpatterns = [
    path("settings/emails/", views.preferences, name="notification_preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("orgs/<uuid:organisation_id>/emails/", views.email_deliveries, name="email_deliveries"),
    path(
        "orgs/<uuid:organisation_id>/emails/<uuid:email_id>/send-again/",
        views.email_send_again_view,
        name="email_send_again",
    ),
]
