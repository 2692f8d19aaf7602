"""Single sign-on per organisation: an OpenID Connect identity provider for its email domains.

An admin names the provider (its issuer URL, the client id and secret Tandem was given there),
the email domains it covers, the role new people get and whether it is required. allauth does
the protocol from a SocialApp of its ``openid_connect`` provider, one per organisation, whose
provider id is the organisation's (``sso-<public id>``); ``SingleSignOn`` says what Tandem does
with the person who comes back. Both are written here, in one transaction.

Who may claim a domain: one not claimed by another organisation, not a public mail provider's,
and the domain of a verified address of one of the organisation's members (there is no DNS
check: this keeps an admin from claiming a domain nobody of theirs has).

The faces (web.sso) send an SSO domain's people to their provider, refuse the password for a
required domain and call ``sso_join`` after an SSO sign-in.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Membership, Organisation, Role, SingleSignOn, SingleSignOnDomain, User
from accounts.signals import organisation_event

PROVIDER = "openid_connect"  # allauth's provider of every organisation's app
PROVIDER_ID_PREFIX = "sso-"
MAX_DOMAINS = 20
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Addresses anyone can have: an organisation's single sign-on cannot cover them.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.com",
        "zoho.com",
        "fastmail.com",
    }
)


def provider_id_for(organisation: Organisation) -> str:
    return f"{PROVIDER_ID_PREFIX}{organisation.public_id}"


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


# Reading ---------------------------------------------------------------------------------


def sso_for_email(email: str) -> SingleSignOn | None:
    """The single sign-on that covers the address's domain, if any."""
    domain = email_domain(email)
    if not domain or "@" not in email:
        return None
    row = (
        SingleSignOnDomain.objects.select_related(
            "single_sign_on__app", "single_sign_on__organisation"
        )
        .filter(domain=domain)
        .first()
    )
    return row.single_sign_on if row else None


def sso_for_provider_id(provider_id: str) -> SingleSignOn | None:
    """The organisation's single sign-on behind an allauth provider id (a SocialAccount's
    ``provider``), or None for any other."""
    if not provider_id.startswith(PROVIDER_ID_PREFIX):
        return None
    return (
        SingleSignOn.objects.select_related("organisation", "app")
        .filter(app__provider=PROVIDER, app__provider_id=provider_id)
        .first()
    )


def sso_of(organisation: Organisation) -> SingleSignOn | None:
    return (
        SingleSignOn.objects.select_related("app")
        .prefetch_related("domains")
        .filter(organisation=organisation)
        .first()
    )


def password_refused_for(email: str) -> SingleSignOn | None:
    """The single sign-on a password sign-in, sign-up or reset of this address must use
    instead: the one covering its domain, when that one is required."""
    sso = sso_for_email(email)
    return sso if sso is not None and sso.required else None


def sso_refusal(sso: SingleSignOn, email: str, *, verified: bool) -> str:
    """Why a person the provider vouched for may not sign in through it ("" when they may):
    the provider must have verified the address, and the address must be of one of the
    domains this organisation's single sign-on covers."""
    if not email:
        return "Your identity provider did not tell Tandem your email address."
    if not verified:
        return (
            f"Your identity provider has not verified {email}. Ask your IT team to verify it, "
            "then sign in again."
        )
    if email_domain(email) not in sso.domain_names:
        return (
            f"{email} is not an address of {sso.organisation}'s single sign-on. Sign in with "
            "the work address your identity provider gives you."
        )
    return ""


# Writing ---------------------------------------------------------------------------------


def _announce(organisation: Organisation, actor: User | None, kind: str, summary: str, **data):
    organisation_event.send(
        sender=Organisation,
        organisation_id=organisation.pk,
        actor=actor,
        kind=kind,
        summary=summary,
        data=data,
    )


def issuer_clean(issuer: str) -> str:
    """An issuer URL as allauth will use it: https (plain http only for this machine, where
    DEBUG or WEBHOOKS_ALLOW_PRIVATE allow local receivers), no query or fragment, no trailing
    slash (allauth appends /.well-known/openid-configuration)."""
    issuer = issuer.strip()
    try:
        parts = urlsplit(issuer)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (a malformed port raises here)
    except ValueError:
        raise ValidationError({"issuer": "Enter the issuer as a URL."}) from None
    if parts.scheme not in {"https", "http"} or not host:
        raise ValidationError(
            {"issuer": "Enter the issuer as a URL, such as https://login.acme.com."}
        )
    local_allowed = settings.DEBUG or settings.WEBHOOKS_ALLOW_PRIVATE
    if parts.scheme == "http" and not (host in LOCAL_HOSTS and local_allowed):
        raise ValidationError({"issuer": "The issuer must be an https:// address."})
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError({"issuer": "Enter the issuer alone, without ?, # or a password."})
    issuer = issuer.rstrip("/")
    if issuer.endswith("/.well-known/openid-configuration"):
        issuer = issuer.removesuffix("/.well-known/openid-configuration")
    if len(issuer) > 300:
        raise ValidationError({"issuer": "Keep the issuer under 300 characters."})
    return issuer


def domains_clean(text: str | list[str]) -> list[str]:
    """Domains from what an admin typed (commas, spaces or lines; "@acme.com" is acme.com)."""
    items = re.split(r"[\s,;]+", text) if isinstance(text, str) else text
    domains: list[str] = []
    for item in items:
        domain = item.strip().lower().lstrip("@").rstrip(".")
        if not domain or domain in domains:
            continue
        if not DOMAIN.match(domain):
            raise ValidationError({"domains": f"“{domain[:100]}” is not an email domain."})
        if domain in PUBLIC_MAIL_DOMAINS:
            raise ValidationError(
                {"domains": f"{domain} is a public mail provider's: anyone can have an address."}
            )
        domains.append(domain)
    if not domains:
        raise ValidationError({"domains": "Enter the email domains your provider signs in."})
    if len(domains) > MAX_DOMAINS:
        raise ValidationError({"domains": f"Enter at most {MAX_DOMAINS} domains."})
    return domains


def _domains_check(organisation: Organisation, domains: list[str]) -> None:
    taken = sorted(
        SingleSignOnDomain.objects.filter(domain__in=domains)
        .exclude(single_sign_on__organisation=organisation)
        .values_list("domain", flat=True)
    )
    if taken:
        raise ValidationError(
            {"domains": f"{', '.join(taken)} already signs in to another organisation."}
        )
    members = Membership.objects.filter(organisation=organisation).values("user_id")
    addresses = EmailAddress.objects.filter(user_id__in=members, verified=True).values_list(
        "email", flat=True
    )
    ours = {email_domain(address) for address in addresses}
    foreign = [domain for domain in domains if domain not in ours]
    if foreign:
        raise ValidationError(
            {
                "domains": f"No member of {organisation} has a verified address at "
                f"{', '.join(foreign)}: invite one first, so that Tandem knows the domain "
                "is yours."
            }
        )


@dataclass(frozen=True)
class SsoSettings:
    issuer: str
    client_id: str
    client_secret: str  # blank: keep the one saved
    domains: str | list[str]  # as typed: commas, spaces or lines
    role: str
    required: bool


@transaction.atomic
def sso_save(*, organisation: Organisation, values: SsoSettings, actor: User) -> SingleSignOn:
    """Create or change the organisation's single sign-on and its allauth app together. Every
    field is checked and every error reported at once (ValidationError by field)."""
    errors: dict[str, list[str]] = {}

    def check(clean, *args):
        try:
            return clean(*args)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            return None

    issuer = check(issuer_clean, values.issuer)
    domains = check(domains_clean, values.domains)
    client_id = values.client_id.strip()
    secret = values.client_secret.strip()
    if not client_id:
        errors["client_id"] = ["Enter the client ID your provider gave Tandem."]
    elif len(client_id) > 191:
        errors["client_id"] = ["Keep the client ID under 191 characters."]
    if len(secret) > 191:
        errors["client_secret"] = ["Keep the secret under 191 characters."]
    if values.role not in Role.values:
        errors["role"] = [f"“{values.role}” is not a role."]
    # One organisation's save at a time: two admins saving at once leave one version.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    sso = SingleSignOn.objects.select_related("app").filter(organisation=organisation).first()
    if sso is None and not secret:
        errors["client_secret"] = ["Enter the client secret."]
    if domains:
        check(_domains_check, organisation, domains)
    if errors:
        raise ValidationError(errors)
    assert issuer is not None and domains is not None  # noqa: S101 (for mypy: no errors)
    before = _described(sso) if sso else None
    if sso is not None and sso.issuer != issuer:
        _forget_accounts(sso.app)
    app = (
        sso.app if sso else SocialApp(provider=PROVIDER, provider_id=provider_id_for(organisation))
    )
    app.name = str(organisation)[:40]
    app.client_id = client_id
    if secret:
        app.secret = secret
    app.settings = {
        "server_url": issuer,
        # The provider vouches for its people's addresses (web.sso checks its verified
        # claim): a password account of the same address is theirs (accounts.sso).
        "email_authentication": True,
        "oauth_pkce_enabled": True,
    }
    app.save()
    if sso is None:
        sso = SingleSignOn(organisation=organisation, app=app)
    sso.issuer = issuer
    sso.role = values.role
    sso.required = values.required
    sso.save()
    sso.domains.exclude(domain__in=domains).delete()
    existing = set(sso.domains.values_list("domain", flat=True))
    SingleSignOnDomain.objects.bulk_create(
        [SingleSignOnDomain(single_sign_on=sso, domain=d) for d in domains if d not in existing]
    )
    after = _described(sso)
    changed = sorted(key for key in after if before is None or before[key] != after[key])
    if secret and before is not None:
        changed.append("client secret")
    if changed or before is None:
        _announce(
            organisation,
            actor,
            "organisation.sso_changed",
            "set up single sign-on"
            if before is None
            else f"changed single sign-on ({', '.join(changed)})",
            **after,
        )
    return sso


def _described(sso: SingleSignOn) -> dict[str, object]:
    """What the audit log keeps of a configuration: everything but the secret."""
    return {
        "issuer": sso.issuer,
        "client_id": sso.app.client_id,
        "domains": ", ".join(sso.domain_names),
        "role": sso.role,
        "required": sso.required,
    }


@transaction.atomic
def sso_remove(*, organisation: Organisation, actor: User) -> None:
    """Turn single sign-on off: its people sign in with a password again (they have none
    unless they set one: 'Forgot your password?' makes one)."""
    sso = SingleSignOn.objects.select_related("app").filter(organisation=organisation).first()
    if sso is None:
        return
    described = _described(sso)
    app = sso.app
    sso.delete()
    _forget_accounts(app)
    app.delete()
    _announce(
        organisation,
        actor,
        "organisation.sso_changed",
        "turned single sign-on off",
        removed=True,
        **described,
    )


def _forget_accounts(app: SocialApp) -> None:
    """People's links to the provider (allauth's SocialAccount rows, which name the provider id,
    not the app): a subject id means nothing at another issuer. They are connected again by
    their address at their next sign-in through the provider."""
    SocialAccount.objects.filter(provider=app.provider_id).delete()


@transaction.atomic
def sso_join(*, sso: SingleSignOn, user: User) -> tuple[Membership, bool]:
    """After a sign-in through the organisation's single sign-on: the person is a member,
    with the configured role the first time (a member already keeps theirs)."""
    membership, created = Membership.objects.get_or_create(
        organisation_id=sso.organisation_id, user=user, defaults={"role": sso.role}
    )
    if created:
        _announce(
            sso.organisation,
            user,
            "member.joined",
            f"joined through single sign-on as {membership.role}",
            role=membership.role,
            via="single sign-on",
        )
    return membership, created
