import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone as dj_timezone

from accounts.branding import LOGO_FOLDER, colour_validator, text_colour_on


def validate_timezone(value: str) -> None:
    """An IANA zone name such as ``Europe/Paris``."""
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name, such as Europe/Paris.")


class Side(models.TextChoices):
    """Which side of the deal a person is on: the selling organisation's members are sellers,
    everyone they invite into a room is a buyer. The one definition (stakeholders, tasks,
    events and the access object use it)."""

    BUYER = "buyer", "Buyer"
    SELLER = "seller", "Seller"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)  # None leaves an unusable password (buyers, later)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The email address is the login; there is no username."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    # Blank means "the organisation's": reminders arrive in the morning of this zone.
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class DateOrder(models.TextChoices):
    DAY_MONTH = "dmy", "Day/month (31/12/2027)"
    MONTH_DAY = "mdy", "Month/day (12/31/2027)"


class Organisation(models.Model):
    """The tenant: a selling company. Every tenant-owned row points at one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    buyer_link_days = models.PositiveIntegerField(
        default=30, help_text="How long a buyer's emailed link works."
    )
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Where the team works: the default time zone for its people's reminders.",
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        default=2, help_text="How many days before a task's due date its owner is reminded."
    )
    date_order = models.CharField(
        max_length=3,
        choices=DateOrder.choices,
        default=DateOrder.DAY_MONTH,
        help_text="How the team writes dates like 03/04/2027: read so in imported spreadsheets.",
    )
    require_two_factor = models.BooleanField(
        default=False,
        help_text="Every member signs in with a passkey or an authenticator app as well.",
    )
    # Branding (accounts.branding): the logo is a PNG made by process_logo, served by
    # web.views.branding; the colour is the default accent of new rooms and the colour of the
    # organisation's badge in rooms and emails.
    logo = models.FileField(upload_to=LOGO_FOLDER, blank=True, max_length=200)
    brand_colour = models.CharField(
        max_length=7,
        blank=True,
        validators=[colour_validator],
        help_text="#RRGGBB: new rooms start with it, and it marks your logo in rooms and emails.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # The name is not unique: it is only a label, and refusing a taken one would tell anyone
    # signed in which companies use Tandem (accounts.services.organisation_create).

    def __str__(self) -> str:
        return self.name

    @property
    def brand_text_colour(self) -> str:
        return text_colour_on(self.brand_colour)

    @property
    def logo_url(self) -> str:
        return logo_url(self.logo.name) if self.logo else ""

    @property
    def logo_email_url(self) -> str:
        return settings.SITE_URL + self.logo_url if self.logo else ""


def logo_url(name: str) -> str:
    """Where a stored logo is served (web.views.branding.brand_logo)."""
    return reverse("brand_logo", args=[name.rsplit("/", 1)[-1]])


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    REP = "rep", "Rep"


class Membership(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REP)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def sees_every_room(self) -> bool:
        return self.role in {Role.ADMIN, Role.MANAGER}


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=dj_timezone.now())


class Invitation(models.Model):
    """An emailed invitation to join an organisation. Only a hash of its token is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REP)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            # One open invitation per address and organisation; re-inviting re-sends it.
            models.UniqueConstraint(
                "organisation",
                Lower("email"),
                condition=models.Q(accepted_at=None, revoked_at=None),
                name="invitation_open_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.organisation}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= dj_timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> "ApiTokenQuerySet":
        now = dj_timezone.now()
        return self.filter(revoked_at=None).filter(
            models.Q(expires_at=None) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal token for the REST API: it acts as its user, with exactly their access.

    The secret is shown once when the token is made; only its SHA-256 is kept (the secret has
    256 random bits, so a slow hash adds nothing). The prefix is what the settings page shows
    to tell tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “CRM sync”.")
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > dj_timezone.now()


class SingleSignOn(models.Model):
    """An organisation's OpenID Connect identity provider (accounts.sso): people of its email
    domains sign in there and join the organisation with ``role``.

    allauth does the protocol (discovery, the code flow, the ID token's checks) from its own
    SocialApp row, which holds the client id and secret; this row says what Tandem does with
    the person it gets back. accounts.sso keeps the two in step.
    """

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="single_sign_on"
    )
    app = models.OneToOneField(
        "socialaccount.SocialApp", on_delete=models.PROTECT, related_name="single_sign_on"
    )
    issuer = models.URLField(max_length=300)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REP)
    required = models.BooleanField(
        default=False, help_text="Password sign-in, sign-up and reset refused for the domains."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Single sign-on of {self.organisation}"

    @property
    def domain_names(self) -> list[str]:
        return sorted(d.domain for d in self.domains.all())


class SingleSignOnDomain(models.Model):
    """An email domain an organisation's single sign-on covers: one organisation per domain."""

    single_sign_on = models.ForeignKey(
        SingleSignOn, on_delete=models.CASCADE, related_name="domains"
    )
    domain = models.CharField(max_length=253, unique=True)  # lower case (accounts.sso)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("domain"), name="sso_domain_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.domain
