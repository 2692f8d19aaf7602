import uuid

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from accounts.models import Organisation


class Stage(models.TextChoices):
    ACTIVE = "active", "Active"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    ARCHIVED = "archived", "Archived"


class Direction(models.TextChoices):
    BACKWARD = "backward", "Backward from the target date"
    FORWARD = "forward", "Forward from the start date"


class Currency(models.TextChoices):
    USD = "USD", "USD"
    EUR = "EUR", "EUR"
    GBP = "GBP", "GBP"
    CHF = "CHF", "CHF"
    CAD = "CAD", "CAD"
    AUD = "AUD", "AUD"
    JPY = "JPY", "JPY"
    INR = "INR", "INR"
    SEK = "SEK", "SEK"


colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #RRGGBB.")


class RoomQuerySet(models.QuerySet["Room"]):
    def rooms(self) -> "RoomQuerySet":
        return self.filter(is_template=False)

    def templates(self) -> "RoomQuerySet":
        return self.filter(is_template=True)


class Room(models.Model):
    """A deal room: one shared plan between a seller's team and a buyer's committee.

    An organisation's own plan templates are rooms too (``is_template``), so that a template
    is edited with exactly the plan editor a room has. Every list of rooms goes through
    ``rooms.access``, which keeps the two apart.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="rooms")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    is_template = models.BooleanField(default=False)
    name = models.CharField(
        max_length=200, blank=True, help_text="A template's name, or an optional deal name."
    )
    description = models.TextField(blank=True, max_length=2000)
    buyer_company = models.CharField(max_length=200, blank=True)
    accent_colour = models.CharField(max_length=7, default="#4f46e5", validators=[colour_validator])
    deal_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    value_summary = models.TextField(blank=True, max_length=5000)
    value_summary_html = models.TextField(blank=True, editable=False)
    success_criteria = models.TextField(blank=True, max_length=5000)
    success_criteria_html = models.TextField(blank=True, editable=False)
    business_goal = models.CharField(max_length=300, blank=True)
    business_goal_date = models.DateField(null=True, blank=True)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.ACTIVE)
    lost_reason = models.CharField(max_length=500, blank=True)
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    start_date = models.DateField(default=timezone.localdate)
    target_date = models.DateField(
        help_text="The buyer's go-live or decision date, not the contract close."
    )
    direction = models.CharField(
        max_length=16, choices=Direction.choices, default=Direction.BACKWARD
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_rooms"
    )
    seller_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="team_rooms", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "is_template", "stage"]),
            models.Index(fields=["organisation", "buyer_company"]),
        ]

    def __str__(self) -> str:
        return self.name if self.is_template else self.buyer_company

    @property
    def title(self) -> str:
        return str(self)

    @property
    def anchor_date(self):
        """The date a template's offsets count from."""
        return self.start_date if self.direction == Direction.FORWARD else self.target_date

    @property
    def monogram(self) -> str:
        words = [w for w in self.title.split() if w[:1].isalnum()]
        return "".join(w[0] for w in words[:2]).upper() or "?"
