"""The test suite: PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set, else SQLite."""

from .base import *  # noqa: F403
from .base import CACHES, REDIS_URL

DEBUG = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if REDIS_URL:
    # Keys of the test run never meet those of a running app on the same Redis.
    CACHES["default"]["KEY_PREFIX"] = "tandem-test"
else:
    # The database cache would need database access to clear between tests; the database
    # cache itself is tested on its own (tests/test_settings.py).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Tasks run in-process unless a test starts a real worker (tests/test_celery.py turns this off
# for its own duration), so that the rest of the suite does not need one.
CELERY_TASK_ALWAYS_EAGER = True

# Webhook receivers in the tests listen on 127.0.0.1.
WEBHOOKS_ALLOW_PRIVATE = True
WEBHOOKS_TIMEOUT = 3
WEBHOOKS_CONNECT_TIMEOUT = 2
# The browser journeys serve over http://localhost (a secure context to Chromium).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
