"""The Celery app. Redis is the broker when REDIS_URL is set; otherwise tasks run eagerly."""

import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Celery's Django fix-up closes the database connection after every task unless told to reuse
# it: a new PostgreSQL connection per task made storing an event take 14 ms instead of 3.
# Reused, a connection is still closed (and so refreshed) every 2 x this many tasks.
app.conf.CELERY_DB_REUSE_MAX = 500


@celeryd_init.connect
def _patient_worker(conf, **kwargs):
    """Web processes try Redis once and fall back (settings: CELERY_BROKER_TRANSPORT_OPTIONS);
    a worker has nothing to fall back to, so it waits for Redis with kombu's own patience."""
    conf.broker_transport_options = {}
