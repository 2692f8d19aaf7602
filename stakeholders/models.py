import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Organisation, Side
from rooms.models import Room


class BuyingRole(models.TextChoices):
    CHAMPION = "champion", "Champion"
    ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
    DECISION_MAKER = "decision_maker", "Decision maker"
    TECHNICAL_EVALUATOR = "technical_evaluator", "Technical evaluator"
    LEGAL = "legal", "Legal"
    PROCUREMENT = "procurement", "Procurement"
    SECURITY = "security", "Security"
    END_USER = "end_user", "End user"
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"
    OTHER = "other", "Other"


class AccessState(models.TextChoices):
    NOT_INVITED = "not_invited", "Not invited"
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"
    REVOKED = "revoked", "Revoked"


# The roles whose absence the room's coverage hint points out.
KEY_ROLES = [BuyingRole.CHAMPION, BuyingRole.ECONOMIC_BUYER]


# Whose link works: invited or active buyers (a revoked or never-invited one is out).
OPEN_STATES = (AccessState.INVITED, AccessState.ACTIVE)


class Stakeholder(models.Model):
    """A person in a room, on either side. Seller stakeholders are members of the organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="stakeholders")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    side = models.CharField(max_length=8, choices=Side.choices)
    name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254, blank=True)
    title = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=32, choices=BuyingRole.choices, default=BuyingRole.OTHER)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    access_state = models.CharField(
        max_length=16, choices=AccessState.choices, default=AccessState.NOT_INVITED
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # The first invitation: a room is stalled when nobody has come a week after it.
    invited_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    # Moved on by every edit of their details: a save against an older one is refused
    # (rooms.conflicts).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["side", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                "room",
                Lower("email"),
                condition=~models.Q(email=""),
                name="stakeholder_email_unique_per_room",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_buyer(self) -> bool:
        return self.side == Side.BUYER

    @property
    def initials(self) -> str:
        parts = self.name.split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"


class BuyerLinkQuerySet(models.QuerySet["BuyerLink"]):
    def usable(self) -> "BuyerLinkQuerySet":
        return self.filter(revoked_at=None, expires_at__gt=timezone.now())


class BuyerLink(models.Model):
    """A buyer's personal way into one room: emailed once, stored only as a hash."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    stakeholder = models.ForeignKey(Stakeholder, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    # The address it was sent to: if the stakeholder's changes, the link no longer opens.
    email = models.EmailField(max_length=254)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = BuyerLinkQuerySet.as_manager()

    def __str__(self) -> str:
        return f"link for {self.stakeholder}"
