from django.urls import path

from inbound.webhooks import provider_inbound

urlpatterns = [
    path("inbound/<str:provider>/", provider_inbound, name="inbound_provider"),
]
