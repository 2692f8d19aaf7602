"""Production: DEBUG off, a real secret, HTTPS everywhere. Passes `manage.py check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_str

from .base import *  # noqa: F403
from .base import DEBUG, DEVELOPMENT_SECRET_KEY, LOGGING, SECRET_KEY, SITE_URL

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off with config.settings.production.")
if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of 50 or more characters in production "
        '(python -c "import secrets; print(secrets.token_urlsafe(64))").'
    )

_https = SITE_URL.startswith("https://")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=_https)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
CSRF_TRUSTED_ORIGINS = [SITE_URL]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# security.W021 asks for SECURE_HSTS_PRELOAD. Preloading is the operator's decision, not the
# software's: the directive lets anyone submit the registrable domain to the browsers' preload
# list, which then forces HTTPS on every subdomain for months and cannot be quickly undone.
# Tandem is self-hosted, often on a subdomain of a domain it does not own, so preload stays
# opt-in (SECURE_HSTS_PRELOAD=true) and the reminder is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# One JSON object a line, with the request id, for the log collector (LOG_FORMAT=text to read
# them by eye).
LOGGING["handlers"]["console"]["formatter"] = env_choice(
    "LOG_FORMAT", default="json", choices=("json", "text")
)

# Errors, with their request and task, to Sentry when a DSN is given (nothing is sent without).
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    # Imported only when configured: it hooks into Django, Celery and logging on import.
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,  # buyers' addresses and names stay here
    )
