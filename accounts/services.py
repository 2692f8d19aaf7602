"""Every write to users, organisations, memberships and invitations goes through here."""

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.branding import COLOUR
from accounts.models import (
    ApiToken,
    DateOrder,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    validate_timezone,
)
from accounts.signals import invitation_issued, organisation_event, user_renamed
from accounts.tokens import token_hash as hash_token
from accounts.tokens import token_new


def _announce(
    organisation_id: int, actor: User | None, kind: str, summary: str, **data: object
) -> None:
    """Tell the event log (activity, wired to the signal) what happened to the organisation,
    inside the caller's transaction: the audit log keeps it or nothing happened."""
    organisation_event.send(
        sender=Organisation,
        organisation_id=organisation_id,
        actor=actor,
        kind=kind,
        summary=summary,
        data=data,
    )


@transaction.atomic
def user_create_verified(*, email: str, password: str, name: str = "") -> User:
    """A seller who can log in at once (scripts and demo data; the web has sign-up)."""
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": f"A user with the email {email} already exists."})
    user = User.objects.create_user(email=email, password=password, name=name)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@transaction.atomic
def organisation_create(*, name: str, creator: User) -> Organisation:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the organisation a name."})
    # A name is only what people see (organisations are told apart by their public ids), so
    # another company's name is no reason to refuse: refusing told anyone signed in, a buyer
    # with nothing but a link included, which companies use Tandem.
    organisation = Organisation.objects.create(name=name)
    Membership.objects.create(organisation=organisation, user=creator, role=Role.ADMIN)
    _announce(organisation.pk, creator, "member.joined", "created the organisation", role="admin")
    return organisation


@transaction.atomic
def organisation_settings_update(
    *,
    organisation: Organisation,
    timezone_name: str,
    reminder_days_before: int,
    date_order: str | None = None,
    actor: User | None = None,
) -> Organisation:
    """The organisation's time zone (its people's default), its reminder lead time and how it
    writes dates (for imported spreadsheets; unchanged when not given)."""
    validate_timezone(timezone_name)
    if not 0 <= reminder_days_before <= 30:
        raise ValidationError({"reminder_days_before": "Choose between 0 and 30 days."})
    if date_order is not None and date_order not in DateOrder.values:
        raise ValidationError({"date_order": "Choose day/month or month/day."})
    organisation.timezone = timezone_name or "UTC"
    organisation.reminder_days_before = reminder_days_before
    organisation.date_order = date_order or organisation.date_order
    organisation.save(update_fields=["timezone", "reminder_days_before", "date_order"])
    _announce(
        organisation.pk,
        actor,
        "organisation.settings_changed",
        "changed the organisation's settings",
        timezone=organisation.timezone,
        reminder_days_before=reminder_days_before,
        date_order=organisation.date_order,
    )
    return organisation


@transaction.atomic
def organisation_security_update(
    *, organisation: Organisation, require_two_factor: bool, actor: User
) -> Organisation:
    """Whether every member must sign in with a second factor (asked at their next sign-in;
    accounts.security)."""
    if organisation.require_two_factor == require_two_factor:
        return organisation
    organisation.require_two_factor = require_two_factor
    organisation.save(update_fields=["require_two_factor"])
    _announce(
        organisation.pk,
        actor,
        "organisation.security_changed",
        "required two-factor sign-in of every member"
        if require_two_factor
        else "stopped requiring two-factor sign-in",
        require_two_factor=require_two_factor,
    )
    return organisation


@transaction.atomic
def user_set_timezone(*, user: User, timezone_name: str) -> User:
    """Blank: follow the organisation's time zone."""
    validate_timezone(timezone_name)
    user.timezone = timezone_name
    user.save(update_fields=["timezone"])
    return user


NAME_MAX_LENGTH = 150  # User.name's column


@transaction.atomic
def user_set_name(*, user: User, name: str) -> User:
    """The name rooms, emails and the member list show instead of the email address."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give your name, as buyers will see it."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": "Keep your name under 150 characters."})
    if name != user.name:
        user.name = name
        user.save(update_fields=["name"])
        user_renamed.send(sender=User, user=user)
    return user


def _other_admins_exist(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, actor: User) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role."})
    # Lock the organisation's admins so that two admins demoting each other at once
    # cannot leave the organisation with none.
    list(
        Membership.objects.select_for_update()
        .filter(organisation_id=membership.organisation_id, role=Role.ADMIN)
        .order_by("pk")
    )
    if membership.role == Role.ADMIN and role != Role.ADMIN and not _other_admins_exist(membership):
        raise ValidationError({"role": "An organisation needs at least one admin."})
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    if before != role:
        _announce(
            membership.organisation_id,
            actor,
            "member.role_changed",
            f"changed {membership.user.email}'s role from {before} to {role}",
            member=membership.user.email,
            before=before,
            after=role,
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    list(
        Membership.objects.select_for_update()
        .filter(organisation_id=membership.organisation_id, role=Role.ADMIN)
        .order_by("pk")
    )
    if membership.role == Role.ADMIN and not _other_admins_exist(membership):
        raise ValidationError("An organisation needs at least one admin.")
    _announce(
        membership.organisation_id,
        actor,
        "member.removed",
        f"removed {membership.user.email} ({membership.role})",
        member=membership.user.email,
        role=membership.role,
    )
    membership.delete()


def _invitation_queue_email(invitation: Invitation, token: str) -> None:
    # The core knows no email: whoever writes the invitation email listens (notifications),
    # inside this transaction, so the email is committed with the invitation or not at all.
    invitation_issued.send(sender=Invitation, invitation=invitation, token=token)


@transaction.atomic
def invitation_create(
    *, organisation: Organisation, email: str, role: str, invited_by: User
) -> Invitation:
    """Invite an address; inviting an address that has an open invitation sends it afresh."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role."})
    if organisation.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {organisation}."})
    token, token_hash = token_new()
    invitation = (
        Invitation.objects.select_for_update()
        .filter(organisation=organisation, email__iexact=email, accepted_at=None, revoked_at=None)
        .first()
    )
    if invitation is None:
        invitation = Invitation(organisation=organisation, email=email)
    invitation.role = role
    invitation.invited_by = invited_by
    invitation.token_hash = token_hash
    invitation.expires_at = timezone.now() + timedelta(days=settings.ORGANISATION_INVITATION_DAYS)
    invitation.save()
    _invitation_queue_email(invitation, token)
    _announce(
        organisation.pk,
        invited_by,
        "invitation.sent",
        f"invited {email} as {role}",
        email=email,
        role=role,
    )
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: User) -> Invitation:
    """A new link (the old one stops working) with a fresh expiry date."""
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError("This invitation is no longer open.")
    token, token_hash = token_new()
    invitation.token_hash = token_hash
    invitation.expires_at = timezone.now() + timedelta(days=settings.ORGANISATION_INVITATION_DAYS)
    invitation.invited_by = actor
    invitation.save(update_fields=["token_hash", "expires_at", "invited_by"])
    _invitation_queue_email(invitation, token)
    _announce(
        invitation.organisation_id,
        actor,
        "invitation.sent",
        f"sent {invitation.email}'s invitation again",
        email=invitation.email,
        role=invitation.role,
    )
    return invitation


def invitation_token_renew(invitation_id: int, to: str) -> str | None:
    """The token of an invitation email being sent: a fresh one for an open invitation to that
    address (the one sent before stops working); None otherwise."""
    invitation = (
        Invitation.objects.pending()
        .select_for_update()
        .filter(pk=invitation_id, email__iexact=to)
        .first()
    )
    if invitation is None:
        return None
    token, invitation.token_hash = token_new()
    invitation.save(update_fields=["token_hash"])
    return token


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> None:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        _announce(
            invitation.organisation_id,
            actor,
            "invitation.revoked",
            f"withdrew {invitation.email}'s invitation",
            email=invitation.email,
        )


def user_has_verified_email(user: User, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    # Re-read under a lock: two tabs accepting at once make one membership, not two.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(
            "This invitation has already been used, was withdrawn or has expired."
        )
    if not user_has_verified_email(user, invitation.email):
        raise PermissionDenied(
            f"This invitation is for {invitation.email}. Sign in with that address to accept it."
        )
    membership, _ = Membership.objects.get_or_create(
        organisation_id=invitation.organisation_id, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _announce(
        invitation.organisation_id,
        user,
        "member.joined",
        f"joined as {membership.role}, invited by {invitation.invited_by.email}"
        if invitation.invited_by
        else f"joined as {membership.role}",
        role=membership.role,
    )
    return membership


# API tokens ----------------------------------------------------------------------------------

API_TOKEN_PREFIX = "tdm_"  # noqa: S105  a marker that tells tokens apart, not a secret
# last_used_at is written at most this often per token: not a write on every API request.
API_TOKEN_TOUCH_EVERY = timedelta(minutes=1)


@transaction.atomic
def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new personal API token. Returns it and its secret, which is never stored or shown
    again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after what will use it."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "Choose a time in the future."})
    secret, _ = token_new()
    token = API_TOKEN_PREFIX + secret
    api_token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=token[: len(API_TOKEN_PREFIX) + 6],
        token_hash=hash_token(token),
        expires_at=expires_at,
    )
    _announce_token(api_token, "api_token.created", f"created the API token “{api_token.name}”")
    return api_token, token


def _announce_token(api_token: ApiToken, kind: str, summary: str) -> None:
    # A token is a person's, not an organisation's, and reaches every organisation they are a
    # member of: each of their audit logs hears of it (a buyer's token reaches none).
    for organisation_id in Membership.objects.filter(user_id=api_token.user_id).values_list(
        "organisation_id", flat=True
    ):
        _announce(
            organisation_id,
            api_token.user,
            kind,
            summary,
            token=api_token.prefix,
            expires_at=api_token.expires_at.isoformat() if api_token.expires_at else None,
        )


@transaction.atomic
def api_token_revoke(*, api_token: ApiToken, actor: User) -> None:
    if api_token.user_id != actor.pk:
        raise PermissionDenied("Only the token's owner can revoke it.")
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        _announce_token(api_token, "api_token.revoked", f"revoked the API token “{api_token.name}”")


def api_token_authenticate(token: str) -> ApiToken | None:
    """The usable token behind a secret, its user loaded; None for unknown, revoked and expired
    tokens alike. Notes the time of use, at most once a minute."""
    if not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
        return None
    api_token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(token_hash=hash_token(token), user__is_active=True)
        .first()
    )
    if api_token is None:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at >= API_TOKEN_TOUCH_EVERY:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        api_token.last_used_at = now
    return api_token


def _delete_file_after_commit(field_file) -> None:
    """The replaced logo's file goes once the new one is committed (none left behind)."""
    name, storage = field_file.name, field_file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def organisation_branding_update(
    *,
    organisation: Organisation,
    brand_colour: str,
    logo: ContentFile | None = None,
    remove_logo: bool = False,
    actor: User | None = None,
) -> Organisation:
    """The organisation's brand colour (blank: none) and logo: ``logo`` is a PNG made by
    accounts.branding.process_logo; ``remove_logo`` drops the current one."""
    if brand_colour and not COLOUR.match(brand_colour):
        raise ValidationError({"brand_colour": "Enter a colour as #RRGGBB, for example #0f766e."})
    organisation.brand_colour = brand_colour.lower()
    fields = ["brand_colour"]
    if logo is not None or remove_logo:
        _delete_file_after_commit(organisation.logo)
        if logo is not None:
            organisation.logo.save(logo.name or "logo.png", logo, save=False)
        else:
            organisation.logo = ""
        fields.append("logo")
    organisation.save(update_fields=fields)
    _announce(
        organisation.pk,
        actor,
        "organisation.branding_changed",
        "changed the organisation's branding",
        brand_colour=organisation.brand_colour,
        logo=bool(organisation.logo),
    )
    return organisation
