from django.urls import path

from notifications import views

urlpatterns = [
    path("settings/emails/", views.preferences, name="notification_preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
