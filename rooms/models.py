import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.utils import timezone

from accounts.branding import LOGO_FOLDER
from accounts.models import Organisation, logo_url
from rooms.uploads import BY_CONTENT_TYPE


class Stage(models.TextChoices):
    ACTIVE = "active", "Active"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    ARCHIVED = "archived", "Archived"


# Rooms where the plan is live: reminders, digests and dashboards look at these.
LIVE_STAGES = (Stage.ACTIVE, Stage.WON)


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


class BuyerInvites(models.TextChoices):
    ANYONE = "anyone", "Buyers may invite anyone"
    DOMAINS = "domains", "Buyers may invite colleagues from these email domains"
    OFF = "off", "Only we invite people"


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
    # The buyer's logo beside the seller's in the room header: a PNG from
    # accounts.branding.process_logo, or none.
    buyer_logo = models.FileField(upload_to=LOGO_FOLDER, blank=True, max_length=200)
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
    buyer_invites = models.CharField(
        "colleague invitations",
        max_length=16,
        choices=BuyerInvites.choices,
        default=BuyerInvites.ANYONE,
    )
    buyer_domains = models.CharField(
        "buyer email domains",
        max_length=500,
        blank=True,
        help_text="Comma-separated, e.g. globex.com, globex.co.uk",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_rooms"
    )
    seller_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="team_rooms", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every write that changes what the room page shows, in the write's transaction
    # (rooms.versioning): the cached page is keyed on it.
    content_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Bumped whenever an event the activity feed lists is stored for the room, views that
    # start a visit included, which change no content (rooms.versioning.feed_moved): the
    # seller's cached feed is keyed on it.
    feed_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Moved on by every change to the details form's fields only: a save against an older one
    # is refused (rooms.conflicts says why it is not the content version).
    details_version = models.PositiveIntegerField(default=1, editable=False)

    objects = RoomQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "is_template", "stage"]),
            models.Index(fields=["organisation", "buyer_company"]),
        ]

    def __str__(self) -> str:
        return self.name if self.is_template else self.buyer_company

    @property
    def buyer_logo_url(self) -> str:
        return logo_url(self.buyer_logo.name) if self.buyer_logo else ""

    @property
    def buyer_logo_email_url(self) -> str:
        return settings.SITE_URL + self.buyer_logo_url if self.buyer_logo else ""

    @property
    def title(self) -> str:
        return str(self)

    @property
    def anchor_date(self):
        """The date a template's offsets count from."""
        return self.start_date if self.direction == Direction.FORWARD else self.target_date

    @property
    def allowed_buyer_domains(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.buyer_domains.split(",") if d.strip()]

    @property
    def monogram(self) -> str:
        words = [w for w in self.title.split() if w[:1].isalnum()]
        return "".join(w[0] for w in words[:2]).upper() or "?"


class ResourceKind(models.TextChoices):
    FILE = "file", "File"
    LINK = "link", "Link"


def resource_upload_to(resource: "Resource", filename: str) -> str:
    """A random name in the room's folder, never the uploaded one (rooms.uploads checks that)."""
    return f"rooms/{resource.room.public_id}/{uuid.uuid4().hex}"


class Resource(models.Model):
    """A file or a link shared in a room, by either side (rooms.resource_services).

    A file is stored under a random name by the default storage (local disk outside the web
    root, or S3) and only ever served by web.views.resources, after the access check.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="resources")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=8, choices=ResourceKind.choices)
    title = models.CharField(max_length=200, blank=True)
    url = models.URLField(
        max_length=2000, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    file = models.FileField(upload_to=resource_upload_to, max_length=200, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    is_internal = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["room", "position"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """What the room shows: the title, else the file's name or the link."""
        return self.title or self.original_name or self.url

    @property
    def is_link(self) -> bool:
        return self.kind == ResourceKind.LINK

    @property
    def type_label(self) -> str:
        """PDF, PNG, DOCX…: a file's type as the list shows it (from its content, not name)."""
        file_type = BY_CONTENT_TYPE.get(self.content_type)
        return file_type.extensions[0].lstrip(".").upper() if file_type else "FILE"

    @property
    def url_host(self) -> str:
        return urlsplit(self.url).hostname or ""
