"""Settings shared by every environment. Everything that varies comes from config.env."""

from pathlib import Path
from typing import Any

from celery.schedules import crontab
from csp.constants import NONCE, SELF

from config.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_networks,
    env_redis_url,
    env_site_url,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

DEVELOPMENT_SECRET_KEY = "django-insecure-tandem-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
DEBUG = env_bool("DEBUG", default=False)
SITE_URL = env_site_url("SITE_URL", default="http://127.0.0.1:8000")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_NAME = "Tandem"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Single sign-on per organisation (accounts.sso): OpenID Connect, one SocialApp each.
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csp",
    "django_prometheus",
    "accounts",
    "outbox",
    "activity",
    "rooms",
    "plans",
    "stakeholders",
    "analytics",
    "notifications",
    "integrations",
    "governance",
    "api",
    "inbound",
    "web",
]

MIDDLEWARE = [
    # Counts every request and its latency for /metrics (first and last, to time them all).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The id every log line of the request carries, and the Celery tasks it queues (config.logs).
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Notes the client's address for the audit log (services never see the request).
    "governance.origin.RequestOriginMiddleware",
    # Every page needs a signed-in person unless its view says @login_not_required (the
    # landing page, buyer links, unsubscribe, /healthz, allauth's own pages); the API
    # authenticates itself and answers 401 (api/urls.py).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A buyer whose access to a room ended is told so in words (a 404 all the same).
    "web.middleware.AccessEndedMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Whoever must sign in with a second factor and has none sets one up before anything else.
    "web.two_factor.TwoFactorRequiredMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        # Django's, letting go of each page's context once rendered (config.templates); named
        # "django" as Django's is, which template_partials looks for to add its loader.
        "BACKEND": "config.templates.DjangoTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.organisation",
            ],
        },
    },
]

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env_database("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", default=0)
# Behind PgBouncer in transaction mode a connection's session is not ours from one transaction
# to the next: no server-side cursors, no prepared statements (psycopg prepares a query run
# five times, on a server connection the next transaction may not get).
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", default=False)
if DATABASE_TRANSACTION_POOLING:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis_url("REDIS_URL")

# Allauth's rate limits need a cache shared by every process: Redis when there is one,
# else the database (its table is made by a migration, so it exists wherever we migrated).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tandem",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tandem_cache",
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, verification is mandatory, nothing reveals whether an
# address is known, and every entrance is rate limited (the limits below are allauth's own
# defaults, written out so that they are visible and reviewable).
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# The name is asked first (accounts.forms.SignupForm): buyers see it, not the email address.
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tandem] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# Two-factor sign-in for sellers (allauth.mfa): authenticator apps, passkeys, recovery codes.
# A passkey also signs in on its own ("Sign in with a passkey"). Who must use one:
# accounts.security; enforced by web.two_factor.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Tandem"
# Browsers treat http://localhost as secure; allauth does not, so local runs and tests say so.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Single sign-on per organisation (accounts.sso, web.sso): each organisation's identity
# provider is an allauth SocialApp of the OpenID Connect provider, made on its settings page.
# The adapters send an SSO domain's people there, refuse other ways in when it is required,
# and make a person a member on their first sign-in.
ACCOUNT_ADAPTER = "web.sso.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "web.sso.SocialAccountAdapter"
ACCOUNT_FORMS = {
    "login": "accounts.entrance.LoginForm",
    "signup": "accounts.entrance.AccountSignupForm",
    "reset_password": "accounts.entrance.ResetPasswordForm",
}
# The identity provider vouches for the address (its verified email claim; web.sso refuses an
# unverified one), so a person who had a password account signs in to that account, which is
# connected to the provider from then on (allauth: "email authentication"; each app turns it
# on in its settings, accounts.sso).
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
# The IdP's tokens are not kept: Tandem only needs to know who signed in.
SOCIALACCOUNT_STORE_TOKENS = False
# Seconds for each request to an identity provider (discovery, the code exchange, userinfo).
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
    # Tandem's own: a returning buyer asking for fresh links (allauth.core.ratelimit).
    "buyer_link_request": "10/m/ip",
    "buyer_link_request_email": "3/10m/key",
    # Invitations send email to addresses someone typed: capped per person.
    "organisation_invite": "30/h/user",
    "buyer_invite": "60/h/user",
    "colleague_invite": "10/h/user",
}

# How many reverse proxies in front of the app append to X-Forwarded-For (a TLS terminator: 1).
# Every per-address limit reads the client from that header, counting this many entries from
# its end: the ones the trusted proxies wrote. 0 ignores the header (no proxy: a client could
# write anything there), else behind a proxy every client shares the proxy's address and one
# attacker's failed sign-ins lock everyone out.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0, minimum=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Django's admin at /admin/ (staff only; its sign-in has the site's lockout). Off: no admin URLs.
ADMIN_ENABLED = env_bool("ADMIN_ENABLED", default=True)

# Sessions are read from the cache (Redis) and written through to the database: a signed-in
# page saves a query, and with the cache down they are read from the database as before.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from hx-headers, not from the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A nonce for every script; no unsafe-inline or unsafe-eval anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],  # a nonced <style> carries a room's accent colour
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at start-up when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# Spreadsheets waiting between an import's preview and the import (web.views.imports): never
# served, deleted on import, on cancel, or after a day.
PLAN_IMPORT_DIR = VAR_DIR / "imports"
# No MEDIA_URL on purpose: uploaded files are never served by the web server, only by
# web.views.resources after the access check. An S3-compatible bucket replaces the local
# folder when AWS_STORAGE_BUCKET_NAME is set (keys unset: boto3's own chain, e.g. a role).
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
# Resources (rooms.uploads): the largest file accepted. Form fields stay small; a file over
# 2.5 MB is spooled to a temporary file rather than held in memory.
RESOURCE_MAX_BYTES = env_int("RESOURCE_MAX_BYTES", default=25 * 1024 * 1024)
# Logos (accounts.branding): the largest image file accepted, before it is resized.
LOGO_MAX_BYTES = env_int("LOGO_MAX_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tandem <tandem@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Replies by email (inbound/): emails about a room or task carry Reply-To
# reply+<signed token>@INBOUND_EMAIL_DOMAIN; unset, there is no Reply-To and replies are off.
INBOUND_EMAIL_DOMAIN = env_str("INBOUND_EMAIL_DOMAIN").strip().lower()
INBOUND_SMTP_HOST = env_str("INBOUND_SMTP_HOST", "127.0.0.1")
INBOUND_SMTP_PORT = env_int("INBOUND_SMTP_PORT", default=2525, minimum=1)
# The largest message taken in (attachments are base64: a third larger than the files).
INBOUND_MAX_BYTES = env_int("INBOUND_MAX_BYTES", default=35 * 1024 * 1024, minimum=1024)
INBOUND_REPLY_DAYS = env_int("INBOUND_REPLY_DAYS", default=60, minimum=1)
# Hosted providers' inbound webhooks (django-anymail) answer 404 until this is set: anymail
# checks it as HTTP basic auth "user:password" (and Mailgun's/Postmark's own signatures).
ANYMAIL = {"WEBHOOK_SECRET": env_str("ANYMAIL_WEBHOOK_SECRET")}

# Celery: Redis is the broker when configured; without it, tasks run in-process so that a
# laptop needs nothing but Python.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that queues a task must not hang when Redis is down: one quick try to connect,
# then the caller's fallback (a direct write, the outbox sweep). Left to kombu's defaults a
# publish took 6 s to fail. Workers reconnect with their own, patient policy.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "socket_connect_timeout": 1,
}
CELERY_TIMEZONE = TIME_ZONE
# Beat only starts sweeps; the sweeps' tasks do the work.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "notifications.tasks.outbox_sweep", "schedule": 60.0},
    "inbound-sweep": {"task": "inbound.tasks.inbound_sweep", "schedule": 60.0},
    "buyer-alert-sweep": {"task": "notifications.tasks.buyer_alert_sweep", "schedule": 60.0},
    "analytics-events-drain": {"task": "analytics.tasks.events_drain", "schedule": 5.0},
    "analytics-rollup-recent": {"task": "analytics.tasks.rollup_recent_task", "schedule": 30.0},
    "analytics-rollup-catch-up": {
        "task": "analytics.tasks.rollup_catch_up",
        "schedule": crontab(hour=2, minute=30),
    },
    # Health moves with the clock too (a task falls overdue at midnight, buyers fall silent);
    # the changes people make are checked at once (analytics.health_changes).
    "analytics-health-sweep": {"task": "analytics.tasks.health_sweep_task", "schedule": 900.0},
    # Reminders and digests go out from 08:00 local: every quarter hour catches every zone.
    "reminders-sweep": {"task": "notifications.tasks.reminders_sweep", "schedule": 900.0},
    # /readyz reads when a worker last ran it (web.tasks).
    "worker-heartbeat": {"task": "web.tasks.worker_heartbeat", "schedule": 15.0},
    "digest-sweep": {"task": "notifications.tasks.digest_sweep", "schedule": 900.0},
    "integrations-sweep": {"task": "integrations.tasks.integrations_sweep", "schedule": 60.0},
    "audit-purge": {
        "task": "governance.tasks.audit_purge_task",
        "schedule": crontab(hour=3, minute=0),
    },
    "exports-purge": {
        "task": "governance.tasks.exports_purge_task",
        "schedule": crontab(hour=3, minute=30),
    },
}

ORGANISATION_INVITATION_DAYS = env_int("ORGANISATION_INVITATION_DAYS", default=7)
# How long the audit log keeps an entry (governance.audit.audit_purge, nightly).
AUDIT_LOG_RETENTION_DAYS = env_int("AUDIT_LOG_RETENTION_DAYS", default=730, minimum=1)
# How long an organisation export's emailed link works (governance.export).
ORGANISATION_EXPORT_DAYS = env_int("ORGANISATION_EXPORT_DAYS", default=7, minimum=1)

# Webhooks and chat messages (integrations/): a receiver on a loopback, private, link-local or
# cloud-metadata address is refused unless this is on (a laptop, the tests).
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
# Seconds to connect to a receiver, and for the whole exchange.
WEBHOOKS_CONNECT_TIMEOUT = env_int("WEBHOOKS_CONNECT_TIMEOUT", default=5, minimum=1)
WEBHOOKS_TIMEOUT = env_int("WEBHOOKS_TIMEOUT", default=15, minimum=1)

# The REST API (api/): a personal token (Authorization: Bearer) or the browser's session with
# its CSRF token; the same access rules as the web; limits per token (per person for a session).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    # Requests per token (or per signed-in person): a script syncing a CRM stays well under.
    "DEFAULT_THROTTLE_RATES": {"api": "600/min"},
    # The address of a request without a token or session: as allauth reads it (DRF's default,
    # None, would take the whole X-Forwarded-For header, which the client writes).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": (
        "Everything a person does in a deal room, for CRMs and scripts, with exactly the "
        "permissions they have in the browser. Authenticate with a personal token "
        "(`Authorization: Bearer tdm_…`, made under *API tokens* in the account menu or with "
        "`manage.py create_api_token`) or the browser's session. Objects are identified by "
        "their public UUIDs; an object you may not see answers 404, as one that does not exist."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # Deep links put a link inside each operation's expand button (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "rooms.models.Stage",
        # A room's health (the dashboard's figures, a webhook's change of health).
        "HealthStateEnum": "api.serializers.HEALTH_STATES",
        "SideEnum": "accounts.models.Side",
        "TaskStatusEnum": "plans.models.Status",
        "BuyingRoleEnum": "stakeholders.models.BuyingRole",
        "AccessStateEnum": "stakeholders.models.AccessState",
        "CurrencyEnum": "rooms.models.Currency",
        "BuyerInvitesEnum": "rooms.models.BuyerInvites",
        "ResourceKindEnum": "rooms.models.ResourceKind",
    },
    # OpenAPI 3.1 for its ``webhooks``: the payload of every event an endpoint can receive.
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": [
        f"api.webhooks.WEBHOOK_{kind}"
        for kind in (
            "ROOM_CREATED",
            "ROOM_STAGE_CHANGED",
            "TASK_COMPLETED",
            "TASK_REOPENED",
            "TASK_DUE_DATE_CHANGED",
            "COMMENT_CREATED",
            "STAKEHOLDER_ADDED",
            "STAKEHOLDER_INVITED",
            "STAKEHOLDER_REVOKED",
            "BUYER_FIRST_VISIT",
            "RESOURCE_SHARED",
            "ROOM_HEALTH_CHANGED",
            "WEBHOOK_TEST",
        )
    ],  # fmt: skip
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.postprocess",
    ],
    # Swagger UI from drf-spectacular-sidecar's static files: no third-party host.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# /metrics (web.views.ops): off unless a token (sent as "Authorization: Bearer <token>") or the
# networks allowed to scrape it without one are set; a request from elsewhere gets 403.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS")

# Every line carries the request id (config.logs); production writes them as JSON.
LOG_FORMAT = env_choice("LOG_FORMAT", default="text", choices=("text", "json"))
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"tandem": {"level": "INFO"}},
}
