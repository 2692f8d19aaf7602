import uuid

from django.conf import settings
from django.db import models

from accounts.models import Organisation


class Stage(models.TextChoices):
    ACTIVE = "active", "Active"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    ARCHIVED = "archived", "Archived"


class Room(models.Model):
    """A deal room: one shared plan between a seller's team and a buyer's committee."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="rooms")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    buyer_company = models.CharField(max_length=200)
    target_date = models.DateField(
        help_text="The buyer's go-live or decision date, not the contract close."
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.ACTIVE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_rooms"
    )
    seller_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="team_rooms", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "stage"])]

    def __str__(self) -> str:
        return self.buyer_company
