"""Who wants which emails, and one-click unsubscribe (RFC 8058) that needs no sign-in."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from accounts.services import user_set_timezone
from outbox.models import EmailPreference, Kind

SALT = "tandem.unsubscribe"


def wants(email: str, kind: str) -> bool:
    preference = EmailPreference.objects.filter(email__iexact=email).first()
    return preference is None or kind not in preference.muted


def muted_kinds(email: str) -> set[str]:
    preference = EmailPreference.objects.filter(email__iexact=email).first()
    return set(preference.muted) if preference else set()


@transaction.atomic
def preferences_set(*, email: str, muted: set[str]) -> EmailPreference:
    unknown = muted - set(Kind.values)
    if unknown:
        raise ValueError(f"Unknown kinds: {sorted(unknown)}")
    preference, _ = EmailPreference.objects.select_for_update().get_or_create(email=email.lower())
    preference.muted = sorted(muted)
    preference.save(update_fields=["muted", "updated_at"])
    return preference


@transaction.atomic
def preferences_save(*, user: User, muted: set[str], timezone_name: str) -> None:
    """The preferences page: which emails, and the person's time zone, in one transaction."""
    preferences_set(email=user.email, muted=muted)
    user_set_timezone(user=user, timezone_name=timezone_name)


def unsubscribe_token(email: str, kind: str) -> str:
    return signing.dumps({"e": email.lower(), "k": kind}, salt=SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[str, str] | None:
    """(email, kind) from a token, or None if it was tampered with."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in Kind.values or not data.get("e"):
        return None
    return data["e"], data["k"]


def unsubscribe_url(email: str, kind: str) -> str:
    return settings.SITE_URL + reverse("unsubscribe", args=[unsubscribe_token(email, kind)])


def unsubscribe_headers(email: str, kind: str) -> dict[str, str]:
    """RFC 8058: a mail client offers "unsubscribe" and POSTs to the URL itself."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(email, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
