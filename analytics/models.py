from django.conf import settings
from django.db import models

from accounts.models import Organisation
from rooms.models import Room


class Event(models.Model):
    """Who did what in a room, and when: the activity feed. Append-only.

    A first, simple shape: the analytics issue adds views, visits and idempotency keys.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    # Which side acted: buyer activity is what alerts, health and the dashboard look at.
    actor_side = models.CharField(max_length=8, blank=True)
    summary = models.CharField(max_length=300)
    is_internal = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["room", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"
