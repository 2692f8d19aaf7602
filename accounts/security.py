"""Who must sign in with a second factor (allauth.mfa: a passkey or an authenticator app).

Staff of Django's admin always; a member of an organisation that requires it (an admin's
setting) too. Buyers are never members and never asked: they stay passwordless. The faces
enforce it (web.two_factor): asked at sign-in, nothing else until it is set up.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled

from accounts.models import Membership, User

# What counts as a second factor: recovery codes only back one of these up.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def two_factor_required(user: User) -> bool:
    return user.is_staff or (
        Membership.objects.filter(user_id=user.pk, organisation__require_two_factor=True).exists()
    )


def has_two_factor(user: User) -> bool:
    return is_mfa_enabled(user, types=SECOND_FACTORS)
